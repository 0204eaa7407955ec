"""Render a template into a new project, atomically.

Answers are resolved and checked before anything touches the disk. Cookiecutter renders into a
staging directory next to the target, which is then moved into place in one step that refuses a
target that appeared meanwhile; on any error, Ctrl-C or SIGTERM, the staging directory is removed
and the target is as it was. A staging directory left by SIGKILL is removed by the next run into
the same output directory. ``--force`` replaces files one by one with a journal, so a run killed
midway is rolled back by the next run: the target holds the old files or the new, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.answers import (
    CROSS_RULES,
    REGION_UNCHECKED,
    Answers,
    check_answers,
    check_field,
    describe,
    is_region_unchecked,
    repair_slug,
    rules_for,
)
from scaffolder.errors import (
    InvalidAnswer,
    InvalidAnswers,
    OutputNotWritable,
    RenderFailed,
    TargetExists,
    UserError,
)
from scaffolder.interrupt import deferred
from scaffolder.templates import Template, get_template

#: Staging directories end with this; the next run recognises and removes those left by SIGKILL.
STAGING_SUFFIX = ".scaffolder-tmp"
_JOURNAL = "journal.json"


@dataclass(frozen=True, slots=True)
class Question:
    """One question as a prompter asks it.

    Attributes:
        name: The answer's key (``region``).
        text: The template's prompt text (``__prompts__``), or the key.
        rule: The rule in a few words.
        default: What an empty answer means; None when no valid default exists.
        choices: The allowed values when the answer is one of a list.
        index: Position among the questions asked, from 1.
        total: How many questions are asked.
        check: Returns the normalised answer or raises ``InvalidAnswer`` naming the rule; the
            cross-field rules with the answers so far are included.
    """

    name: str
    text: str
    rule: str
    default: str | None
    choices: tuple[str, ...] | None
    index: int
    total: int
    check: Callable[[object], object]


#: Asks one question and returns an answer that passed ``question.check``.
Prompter = Callable[[Question], object]


@dataclass(frozen=True, slots=True)
class Written:
    """What :func:`generate` put in place: the project and the existing files it replaced."""

    path: Path
    overwritten: tuple[str, ...] = ()


def _render_default(raw: object, answers: Answers, template: Template) -> str:
    from cookiecutter.utils import create_env_with_context

    if isinstance(raw, list):
        return str(raw[0])
    context = {"cookiecutter": {**template.private, **answers}}
    env = create_env_with_context(context)
    return str(env.from_string(str(raw)).render(**context))


def _check_given(template: Template, given: Mapping[str, object]) -> Answers:
    """Every given answer checked at once, unknown keys and broken rules together."""
    questions = template.questions
    known_names = ", ".join(questions)
    errors = [
        InvalidAnswer(
            field=key,
            value=value,
            reason=f"is not an answer of template `{template.name}` (known: {known_names})",
        )
        for key, value in given.items()
        if key not in questions
    ]
    known = {key: value for key, value in given.items() if key in questions}
    cleaned: Answers = {}
    try:
        cleaned = check_answers(known, choices=template.choices, cloud=template.cloud)
    except InvalidAnswers as error:
        errors.extend(error.errors)
    if errors:
        raise InvalidAnswers(errors=errors)
    return cleaned


def _question_checker(
    template: Template, name: str, answers: Answers, given: Answers
) -> Callable[[object], object]:
    """The check of one prompted answer: its rule, then the rules tying it to known answers.

    ``answers`` (those so far) is read when the check runs; ``given`` may hold later fields.
    """
    choices = template.choices

    def check(value: object) -> object:
        known = {**given, **answers}
        # An earlier answer that changes this one's rule: the unlisted-region override.
        unchecked = name != REGION_UNCHECKED and is_region_unchecked(known)
        rules = rules_for(template.cloud, region_unchecked=unchecked)
        try:
            cleaned = check_field(name, value, choices=choices, rules=rules)
        except ValueError as error:
            raise InvalidAnswer(field=name, value=value, reason=str(error)) from None
        for rule in CROSS_RULES:
            first, second = rule.fields
            if name == second and first in known:
                reasons = rule.check(known[first], cleaned, template.cloud)
                if reasons:
                    raise InvalidAnswer(field=name, value=value, reason=reasons[0])
            elif name == first and second in known:
                reasons = rule.check(cleaned, known[second], template.cloud)
                if reasons:
                    raise InvalidAnswer(field=name, value=value, reason=reasons[1])
        return cleaned

    return check


def resolve_answers(
    template: Template,
    given: Mapping[str, object],
    *,
    prompter: Prompter | None = None,
) -> Answers:
    """Fill in every question of ``template`` from ``given``, the prompter, or the defaults.

    Values the user gives are data and are never rendered as Jinja; only the template's own
    defaults (such as the slug derived from the name) are rendered. Cookiecutter's
    ``prompt_for_config`` renders every value, so `{{ 7*7 }}` in a name would become `49`: that is
    why scaffolder resolves answers itself and hands cookiecutter a finished context.

    ``given`` is checked in full before the first question, so a wrong ``--set`` is reported
    before anything is typed; each prompted answer is checked as it is typed, with the rules
    that tie it to an answer already known.

    Raises:
        InvalidAnswers: ``given`` names a question the template does not ask, or an answer is
            invalid.
    """
    questions = template.questions
    given_clean = _check_given(template, given)
    asked = [name for name in questions if name not in given]
    answers: Answers = {}
    for name, raw in questions.items():
        if name in given:
            answers[name] = given_clean[name]
            continue
        default = _render_default(raw, answers, template)
        if prompter is None:
            answers[name] = default
            continue
        check = _question_checker(template, name, answers, given_clean)
        shown: str | None = default
        try:
            check(default)
        except InvalidAnswer:
            # A derived default can break its rule (`123 Billing` -> `123-billing`); offering it
            # again after it was refused would loop.
            shown = repair_slug(default) if name == "project_slug" else None
        choices = template.choices.get(name)
        answers[name] = prompter(
            Question(
                name=name,
                text=template.prompts.get(name, name),
                rule=describe(name, choices=template.choices, cloud=template.cloud),
                default=shown,
                choices=tuple(choices) if choices else None,
                index=asked.index(name) + 1,
                total=len(asked),
                check=check,
            )
        )
    return check_answers(answers, choices=template.choices, cloud=template.cloud, given=set(given))


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    """A question as `scaffolder list` and `new TEMPLATE --help` show it.

    ``default`` is what answering nothing gives when every other answer is left at its default;
    ``derived_from`` names the answers a derived default (the slug) is computed from.
    """

    name: str
    text: str
    rule: str
    default: object
    derived_from: tuple[str, ...]
    choices: tuple[str, ...] | None


def describe_questions(template: Template) -> list[QuestionInfo]:
    """Every question of ``template`` in prompt order, with rendered defaults and rules."""
    import re

    defaults = resolve_answers(template, {})
    names = list(template.questions)
    infos = []
    for name, raw in template.questions.items():
        used = re.findall(r"cookiecutter\.(\w+)", raw) if isinstance(raw, str) else []
        choices = template.choices.get(name)
        infos.append(
            QuestionInfo(
                name=name,
                text=template.prompts.get(name, name),
                rule=describe(name, choices=template.choices, cloud=template.cloud),
                default=defaults[name],
                derived_from=tuple(dict.fromkeys(u for u in used if u in names)),
                choices=tuple(choices) if choices else None,
            )
        )
    return infos


def _context(template: Template, answers: Answers, output_dir: Path) -> dict[str, Any]:
    cookiecutter = {
        **answers,
        **template.private,
        "_template": str(template.path),
        "_output_dir": str(output_dir),
        "_repo_dir": str(template.path),
        "_checkout": None,
    }
    return {"cookiecutter": cookiecutter, "_cookiecutter": dict(answers)}


def _make_output_dir(output_dir: Path) -> list[Path]:
    """Create ``output_dir`` and its missing parents; return those created, deepest first."""
    created: list[Path] = []
    current = output_dir
    while not current.exists():
        created.append(current)
        current = current.parent
    if not current.is_dir():
        raise OutputNotWritable(path=str(output_dir), reason=f"`{current}` is not a directory")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputNotWritable(
            path=str(output_dir), reason=error.strerror or str(error)
        ) from error
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise OutputNotWritable(path=str(output_dir), reason="permission denied")
    return created


def _collisions(rendered: Path, target: Path) -> list[str]:
    """Paths where the render has a file and the target a directory, or the reverse."""
    problems = []
    for path in sorted(rendered.rglob("*")):
        existing = target / path.relative_to(rendered)
        if existing.is_symlink() or (existing.exists() and existing.is_dir() != path.is_dir()):
            problems.append(str(path.relative_to(rendered)))
    return problems


def _rename_noreplace(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` in one step, refusing a ``target`` that exists.

    Python's ``os.rename`` replaces an empty directory and checking first leaves a window for
    another writer; Linux's ``renameat2(RENAME_NOREPLACE)`` has none, so it is called through
    ctypes. Where it is missing, ``mkdir`` claims the name (it fails if the name exists) and the
    rename replaces that empty directory.

    Raises:
        FileExistsError: ``target`` exists.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd, rename_noreplace = -100, 1
        if renameat2(
            at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target), rename_noreplace
        ):
            code = ctypes.get_errno()
            if code == errno.EEXIST:
                raise FileExistsError(code, os.strerror(code), str(target))
            if code not in {errno.EINVAL, errno.ENOSYS}:
                raise OSError(code, os.strerror(code), str(target))
        else:
            return
    target.mkdir()
    try:
        source.rename(target)
    except OSError:
        with contextlib.suppress(OSError):
            target.rmdir()
        raise


@contextlib.contextmanager
def _locked(path: Path, *, blocking: bool = True) -> Iterator[int | None]:
    """Hold an exclusive ``flock`` on a directory; the kernel drops it when its holder dies.

    Yields the locked descriptor, or None when ``blocking`` is off and another process holds
    the lock.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield None
            return
        yield fd
    finally:
        os.close(fd)


def _merge(rendered: Path, target: Path, keep: Sequence[str], staging: Path) -> tuple[str, ...]:
    """Move every rendered file over ``target``; files the template does not produce stay.

    Files listed in ``keep`` (the template's ``_local_secrets``) are written only when missing:
    a new random database password would lock the app out of its existing data volume. Each
    replaced file is first hard-linked into the staging directory and the plan is written to a
    journal, so :func:`_roll_back` can restore the old files if the process dies midway.

    Returns:
        The existing files whose content the template replaced.
    """
    files = []
    for path in sorted(rendered.rglob("*")):
        relative = path.relative_to(rendered).as_posix()
        if not path.is_dir() and not (relative in keep and (target / relative).exists()):
            files.append(relative)
    existed = [relative for relative in files if (target / relative).exists()]
    new_dirs = sorted(
        {
            parent.as_posix()
            for relative in files
            for parent in Path(relative).parents
            if parent != Path() and not (target / parent).exists()
        }
    )
    overwritten = tuple(
        relative
        for relative in existed
        if (target / relative).read_bytes() != (rendered / relative).read_bytes()
    )
    backup = staging / "backup"
    journal = {"target": str(target), "files": files, "existed": existed, "new_dirs": new_dirs}
    with (staging / _JOURNAL).open("w", encoding="utf-8") as handle:
        json.dump(journal, handle)
        handle.flush()
        os.fsync(handle.fileno())
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative in existed:
            (backup / relative).parent.mkdir(parents=True, exist_ok=True)
            os.link(destination, backup / relative)
        (rendered / relative).replace(destination)
    (staging / _JOURNAL).unlink()
    return overwritten


def _roll_back(staging: Path) -> None:
    """Undo a ``--force`` merge that a killed process left half done (see :func:`_merge`)."""
    journal = json.loads((staging / _JOURNAL).read_text(encoding="utf-8"))
    target = Path(journal["target"])
    rendered = next(
        (child for child in staging.iterdir() if child.is_dir() and child.name != "backup"),
        staging / "missing",
    )
    existed = set(journal["existed"])
    for relative in journal["files"]:
        old, placed = staging / "backup" / relative, target / relative
        if relative in existed:
            if old.exists():
                old.replace(placed)
        elif placed.exists() and not (rendered / relative).exists():
            placed.unlink()
    for directory in reversed(journal["new_dirs"]):
        with contextlib.suppress(OSError):
            (target / directory).rmdir()


def remove_leftovers(out: Path) -> list[Path]:
    """Remove the staging directories of runs into ``out`` that died (SIGKILL, power loss).

    A live run holds a lock on its staging directory, so only abandoned ones are touched; one
    with a journal had begun a ``--force`` merge, which is rolled back first. The scan holds the
    output directory's lock, under which every run creates and locks its staging directory, so
    it never sees a live run's directory before that run holds its lock.

    Returns:
        The staging directories removed.
    """
    try:
        with _locked(out):
            return _remove_leftovers_locked(out)
    except OSError:
        # An output directory this user cannot read or lock holds nothing of this user's runs.
        return []


def _remove_leftovers_locked(out: Path) -> list[Path]:
    removed = []
    for entry in sorted(out.glob(f".*{STAGING_SUFFIX}")):
        if entry.is_symlink() or not entry.is_dir():
            continue
        try:
            with _locked(entry, blocking=False) as free:
                if free is None:
                    continue
                if (entry / _JOURNAL).is_file():
                    _roll_back(entry)
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        except OSError:
            # Another user's, or unreadable: not this run's to judge.
            continue
    return removed


def _new_staging(out: Path, name: str) -> tuple[Path, int]:
    """A new staging directory in ``out`` and the descriptor whose lock marks it as live.

    The caller closes the descriptor when done with the directory.

    Raises:
        FileNotFoundError: ``out`` was removed meanwhile (by a run that created it and failed).
    """
    with _locked(out) as held:
        assert held is not None  # a blocking lock is always held
        if out.stat().st_ino != os.fstat(held).st_ino:
            raise FileNotFoundError(errno.ENOENT, "removed meanwhile", str(out))
        _remove_leftovers_locked(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=STAGING_SUFFIX, dir=out))
        lock = os.open(staging, os.O_RDONLY)
        fcntl.flock(lock, fcntl.LOCK_EX)
    return staging, lock


def _remove_created(created: Sequence[Path]) -> None:
    for directory in created:
        try:
            directory.rmdir()
        except OSError:
            break


def generate(
    template: str,
    output_dir: Path | str = ".",
    *,
    answers: Mapping[str, object] | None = None,
    no_input: bool = True,
    force: bool = False,
    prompter: Prompter | None = None,
    on_written: Callable[[Written], None] | None = None,
) -> Path:
    """Render ``template`` into ``output_dir/<project_slug>`` and return that path.

    Args:
        template: Template name, as listed by :func:`scaffolder.templates.list_templates`.
        output_dir: Directory that receives the project directory; created if missing.
        answers: Answers given up front (``--set``, answers file); unknown keys are an error.
        no_input: Use defaults for everything not in ``answers`` instead of prompting.
        force: Overwrite the files the template produces in an existing project directory;
            other files there are left untouched.
        prompter: How to ask a question when ``no_input`` is false.
        on_written: Called once the project is in place, with SIGINT and SIGTERM still held
            back, so a caller learns of it before any signal can interrupt it.

    Raises:
        UserError: Unknown template, invalid answers, existing target without ``force`` or an
            output directory that cannot be written; nothing is written in any of these cases.
        RenderFailed: Cookiecutter failed; nothing is left behind.
        Interrupted: SIGINT or SIGTERM (with :class:`scaffolder.interrupt.Guard` installed)
            before the project was in place; nothing is left behind.
    """
    tpl = get_template(template)
    if not no_input and prompter is None:
        raise UserError("interactive generation needs a prompter")
    resolved = resolve_answers(tpl, answers or {}, prompter=None if no_input else prompter)
    out = Path(output_dir).expanduser().absolute()
    if out.is_dir():
        # First, so a half-done --force merge of a killed run is rolled back even when this run
        # stops at the check below.
        remove_leftovers(out)
    target = out / str(resolved["project_slug"])
    if target.exists() or target.is_symlink():
        if not force:
            raise TargetExists(path=str(target))
        if not target.is_dir() or target.is_symlink():
            raise UserError(f"`{target}` exists and is not a directory; nothing was written")
    # Runs into one new output directory race: one that fails removes the directory it created,
    # perhaps under another that is about to use it, which then makes it again.
    for attempt in range(1, 4):
        created = _make_output_dir(out)
        try:
            # Held back: a staging directory exists only together with its lock.
            with deferred():
                staging, lock = _new_staging(out, target.name)
            break
        except FileNotFoundError as error:
            if attempt == 3:
                raise OutputNotWritable(path=str(out), reason="removed while in use") from error
        except OSError as error:
            _remove_created(created)
            raise OutputNotWritable(path=str(out), reason=error.strerror or str(error)) from error
    try:
        try:
            rendered = _render(tpl, resolved, staging)
            written = _commit(rendered, target, staging, tpl, force=force, on_written=on_written)
        except OSError as error:
            # Rendering reports its own; this is locking or moving in the output directory.
            raise OutputNotWritable(path=str(out), reason=error.strerror or str(error)) from error
    except BaseException:
        # Held back so a second Ctrl-C cannot cut the clean-up short.
        with deferred():
            shutil.rmtree(staging, ignore_errors=True)
            _remove_created(created)
        raise
    finally:
        os.close(lock)
    return written.path


def _commit(
    rendered: Path,
    target: Path,
    staging: Path,
    template: Template,
    *,
    force: bool,
    on_written: Callable[[Written], None] | None,
) -> Written:
    """Put the rendered project in place, with SIGINT and SIGTERM held back until it is whole."""
    with deferred():
        try:
            _rename_noreplace(rendered, target)
        except FileExistsError:
            if not force:
                raise TargetExists(path=str(target), meanwhile=True) from None
        except OSError as error:
            raise OutputNotWritable(
                path=str(target.parent), reason=error.strerror or str(error)
            ) from error
        else:
            written = Written(target)
            shutil.rmtree(staging, ignore_errors=True)
            if on_written:
                on_written(written)
            return written
    if not target.is_dir() or target.is_symlink():
        raise UserError(f"`{target}` exists and is not a directory; nothing was written")
    # Two --force runs into one project take turns; waiting here can still be interrupted.
    with _locked(target):
        collisions = _collisions(rendered, target)
        if collisions:
            raise UserError(
                f"cannot overwrite `{target}` with --force: the template writes "
                f"{', '.join(f'`{c}`' for c in collisions)}, which exist there as another "
                "kind of file; nothing was written"
            )
        with deferred():
            keep = list(template.private.get("_local_secrets", []))
            try:
                overwritten = _merge(rendered, target, keep, staging)
            except BaseException as error:
                # A failed write (disk full) leaves the old files, as a killed run would.
                if (staging / _JOURNAL).is_file():
                    _roll_back(staging)
                if isinstance(error, OSError):
                    raise OutputNotWritable(
                        path=str(target),
                        reason=f"{error.strerror or error}; the existing files were kept",
                    ) from error
                raise
            written = Written(target, overwritten)
            shutil.rmtree(staging, ignore_errors=True)
            if on_written:
                on_written(written)
    return written


def _render(template: Template, answers: Answers, staging: Path) -> Path:
    """Render with cookiecutter, then complete the project in this process.

    The template's hooks call the same code (:mod:`scaffolder.hooks`) for plain cookiecutter;
    here the answers are already checked, and running the post-generation step in-process
    spares two interpreter start-ups, leaves no hook script holding the answers in the
    temporary directory, and leaves no child process behind on Ctrl-C.

    Raises:
        RenderFailed: Cookiecutter or the post-generation step failed; nothing is left behind.
    """
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_files
    from jinja2 import TemplateError

    from scaffolder.errors import ScaffolderError
    from scaffolder.hooks import complete

    # Cookiecutter logs failures with a traceback through the root logger's last-resort
    # handler; scaffolder reports them as one RenderFailed instead.
    cookiecutter_logger = logging.getLogger("cookiecutter")
    cookiecutter_logger.addHandler(logging.NullHandler())
    cookiecutter_logger.propagate = False
    context = _context(template, answers, staging)
    project: Path | None = None
    try:
        project = Path(
            generate_files(
                repo_dir=str(template.path),
                context=context,
                output_dir=str(staging),
                accept_hooks=False,
            )
        )
        complete(context["cookiecutter"], project)
    except BaseException as error:
        # As cookiecutter does when a hook fails: no half-made project stays behind.
        if project is not None:
            shutil.rmtree(project, ignore_errors=True)
        if isinstance(error, (CookiecutterException, TemplateError, OSError)) or (
            isinstance(error, ScaffolderError) and not isinstance(error, UserError)
        ):
            raise RenderFailed(
                template=template.name, reason=str(error) or type(error).__name__
            ) from error
        raise
    return project
