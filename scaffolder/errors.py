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


class InvalidAnswer(UserError):
    """One answer breaks the rule of its field."""

    def __init__(self, *, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"`{field}` {reason}: `{value}`")


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

    def __init__(self, *, path: str) -> None:
        self.path = path
        super().__init__(
            f"`{path}` already exists; nothing was written "
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


class Aborted(UserError):
    """The user interrupted the command."""

    def __init__(self) -> None:
        super().__init__("aborted; nothing was written")
