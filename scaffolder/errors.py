"""The one error hierarchy of scaffolder.

Everything scaffolder raises on purpose derives from :class:`ScaffolderError`. A :class:`UserError`
carries a message that is safe and useful to show as is; the CLI catches the root once and maps a
``UserError`` to exit code 2. Constructors take keyword-only context and never print.
"""

from __future__ import annotations

from collections.abc import Sequence


class ScaffolderError(Exception):
    """Root of every error scaffolder raises on purpose."""


class UserError(ScaffolderError):
    """An error caused by input; its message is meant for the user."""


class UnknownTemplate(UserError):
    """The named template does not exist."""

    def __init__(self, *, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"unknown template `{name}`; choose one of: {', '.join(self.known)}")


#: Longest value an error message repeats; a 20 MB answer is named by its length instead.
SHOWN_MAX = 80


def shown(value: object) -> str:
    """A value as an error message shows it: YAML's words for null and booleans, cut when long."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if len(text) > SHOWN_MAX:
        return f"{text[:SHOWN_MAX]}… ({len(text)} characters)"
    return text


class InvalidAnswer(UserError):
    """One answer breaks the rule of its field."""

    def __init__(self, *, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"`{field}` {reason}: `{shown(value)}`")


class InvalidAnswers(UserError):
    """Several answers are invalid; all of them are reported at once."""

    def __init__(self, *, errors: Sequence[InvalidAnswer]) -> None:
        self.errors = tuple(errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(f"invalid answers ({len(self.errors)}):\n{lines}")


class InvalidAnswersFile(UserError):
    """The answers file is missing, unreadable or not a mapping."""

    def __init__(self, *, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"answers file `{path}`: {reason}")


class InvalidSetOption(UserError):
    """A ``--set`` option is not of the form KEY=VALUE."""

    def __init__(self, *, option: str) -> None:
        self.option = option
        super().__init__(f"--set expects KEY=VALUE with a non-empty KEY: `{option}`")


class TargetExists(UserError):
    """The project directory exists and ``--force`` was not given."""

    def __init__(self, *, path: str, meanwhile: bool = False) -> None:
        self.path = path
        self.meanwhile = meanwhile
        when = "appeared while the project was rendered" if meanwhile else "already exists"
        super().__init__(
            f"`{path}` {when}; nothing was written "
            "(use --force to overwrite the files the template produces)"
        )


class OutputNotWritable(UserError):
    """The output directory cannot be created or written to."""

    def __init__(self, *, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write to output directory `{path}`: {reason}")


class RenderFailed(ScaffolderError):
    """Cookiecutter failed while rendering; nothing was left behind."""

    def __init__(self, *, template: str, reason: str) -> None:
        self.template = template
        self.reason = reason
        super().__init__(f"rendering template `{template}` failed: {reason}")


class InvalidTemplate(ScaffolderError):
    """A template, or a shared part it uses, is inconsistent: a defect of the template itself.

    Raised before or while rendering, never after a partial write: the project is rendered in a
    temporary directory, so nothing is left behind.
    """


class UnknownPlatform(InvalidTemplate):
    """A template's ``_platform`` names a platform scaffolder has no facts about."""

    def __init__(self, *, template: str, platform: str, known: Sequence[str]) -> None:
        self.template = template
        self.platform = platform
        self.known = tuple(known)
        super().__init__(
            f"template `{template}` targets platform `{platform}`, which scaffolder does not know "
            f"(known: {', '.join(self.known)}); add it to PLATFORMS in scaffolder/clouds.py"
        )


class UnknownPart(InvalidTemplate):
    """A template's ``_shared`` names a part that is not in ``templates/_shared``."""

    def __init__(self, *, template: str, part: str) -> None:
        self.template = template
        self.part = part
        super().__init__(f"template `{template}` uses shared part `{part}`, which does not exist")


class PartConflict(InvalidTemplate):
    """Two sources would write the same file of the project, or provide the same library."""

    def __init__(self, *, template: str, path: str, sources: Sequence[str]) -> None:
        self.template = template
        self.path = path
        self.sources = tuple(sources)
        super().__init__(
            f"template `{template}`: `{path}` comes from both {' and '.join(self.sources)}; "
            "one path has one source"
        )


class PartRenderFailed(InvalidTemplate):
    """A file of a shared part does not render, e.g. it asks for a library no part provides."""

    def __init__(self, *, template: str, part: str, path: str, reason: str) -> None:
        self.template = template
        self.part = part
        self.path = path
        self.reason = reason
        super().__init__(f"template `{template}`, shared part `{part}`, `{path}`: {reason}")


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signal`` is its number (exit status 128 + signal).

    Not a :class:`ScaffolderError`: like Ctrl-C's own exception it must pass every
    ``except Exception`` (in cookiecutter, jinja2, the validators) on its way to the code that
    cleans up, and it is not an error of the input.
    """

    def __init__(self, *, signal: int) -> None:
        self.signal = signal
        super().__init__(f"interrupted by signal {signal}")


class UnknownTemplateVersion(UserError):
    """A template version scaffolder does not ship (``--to``, or a project's recorded version)."""

    def __init__(self, *, template: str, version: str, known: Sequence[str]) -> None:
        self.template = template
        self.version = version
        self.known = tuple(known)
        super().__init__(
            f"template `{template}` has no released version `{version}` "
            f"(released: {', '.join(self.known) or 'none'})"
        )


class NotAProject(UserError):
    """A path is not a generated project: it has no readable ``.scaffolder.json``."""

    def __init__(self, *, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"`{path}` is not a scaffolder project: {reason}")


class DirtyTree(UserError):
    """``update`` refuses a git work tree with uncommitted changes in the project."""

    def __init__(self, *, path: str, files: Sequence[str]) -> None:
        self.path = path
        self.files = tuple(files)
        shown = ", ".join(f"`{name}`" for name in self.files[:10])
        more = f" and {len(self.files) - 10} more" if len(self.files) > 10 else ""
        super().__init__(
            f"`{path}` has uncommitted changes: {shown}{more}; commit or stash them, "
            "or pass --allow-dirty; nothing was written"
        )


class UpdateFailed(ScaffolderError):
    """Writing an update failed; the project was restored to what it was."""

    def __init__(self, *, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"updating `{path}` failed and was undone: {reason}")
