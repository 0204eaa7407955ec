"""Render a template into a new project, atomically.

Answers are resolved and checked before anything touches the disk. Cookiecutter renders into a
temporary directory next to the target, which is then moved into place; on any error, or Ctrl-C,
the temporary directory is removed and the target is as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scaffolder.answers import REGION_UNCHECKED, Answers, check_answers
from scaffolder.errors import (
    InvalidAnswer,
    InvalidAnswers,
    OutputNotWritable,
    RenderFailed,
    TargetExists,
    UserError,
)
from scaffolder.templates import Template, get_template

#: Asks one question: (name, default, choices or None) -> answer. ``check`` validates an answer
#: and raises ``InvalidAnswers`` so an interactive prompt can ask again.
Prompter = Callable[[str, str, "Sequence[str] | None", Callable[[object], object]], object]


def _render_default(raw: object, answers: Answers, template: Template) -> str:
    from cookiecutter.utils import create_env_with_context

    if isinstance(raw, list):
        return str(raw[0])
    context = {"cookiecutter": {**template.private, **answers}}
    env = create_env_with_context(context)
    return str(env.from_string(str(raw)).render(**context))


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

    Raises:
        InvalidAnswers: ``given`` names a question the template does not ask, or an answer is
            invalid.
    """
    questions = template.questions
    unknown = [key for key in given if key not in questions]
    if unknown:
        known = ", ".join(questions)
        raise InvalidAnswers(
            errors=[
                InvalidAnswer(
                    field=key,
                    value=given[key],
                    reason=f"is not an answer of template `{template.name}` (known: {known})",
                )
                for key in unknown
            ]
        )
    choices = template.choices
    answers: Answers = {}
    for name, raw in questions.items():
        if name in given:
            answers[name] = given[name]
            continue
        default = _render_default(raw, answers, template)
        if prompter is None:
            answers[name] = default
            continue

        def check(value: object, _name: str = name) -> object:
            # An earlier answer that changes this one's rule: the unlisted-region override.
            earlier = {k: answers[k] for k in (REGION_UNCHECKED,) if k in answers and k != _name}
            return check_answers({**earlier, _name: value}, choices=choices, cloud=template.cloud)[
                _name
            ]

        answers[name] = prompter(name, default, choices.get(name), check)
    return check_answers(answers, choices=choices, cloud=template.cloud)


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


def _merge(rendered: Path, target: Path, keep: Sequence[str]) -> None:
    """Move every rendered file over ``target``; files the template does not produce stay.

    Files listed in ``keep`` (the template's ``_local_secrets``) are written only when missing:
    a new random database password would lock the app out of its existing data volume.
    """
    for path in sorted(rendered.rglob("*")):
        relative = path.relative_to(rendered)
        destination = target / relative
        if path.is_dir():
            destination.mkdir(exist_ok=True)
        elif not (relative.as_posix() in keep and destination.exists()):
            path.replace(destination)


def generate(
    template: str,
    output_dir: Path | str = ".",
    *,
    answers: Mapping[str, object] | None = None,
    no_input: bool = True,
    force: bool = False,
    prompter: Prompter | None = None,
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

    Raises:
        UserError: Unknown template, invalid answers, existing target without ``force`` or an
            output directory that cannot be written; nothing is written in any of these cases.
        RenderFailed: Cookiecutter failed; nothing is left behind.
    """
    tpl = get_template(template)
    if not no_input and prompter is None:
        raise UserError("interactive generation needs a prompter")
    resolved = resolve_answers(tpl, answers or {}, prompter=None if no_input else prompter)
    out = Path(output_dir).expanduser().absolute()
    target = out / str(resolved["project_slug"])
    if target.exists() or target.is_symlink():
        if not force:
            raise TargetExists(path=str(target))
        if not target.is_dir() or target.is_symlink():
            raise UserError(f"`{target}` exists and is not a directory; nothing was written")
    created = _make_output_dir(out)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=out))
    except OSError as error:
        raise OutputNotWritable(path=str(out), reason=error.strerror or str(error)) from error
    try:
        rendered = _render(tpl, resolved, staging)
        if not target.exists():
            rendered.rename(target)
        else:
            collisions = _collisions(rendered, target)
            if collisions:
                raise UserError(
                    f"cannot overwrite `{target}` with --force: the template writes "
                    f"{', '.join(f'`{c}`' for c in collisions)}, which exist there as another "
                    "kind of file; nothing was written"
                )
            _merge(rendered, target, list(tpl.private.get("_local_secrets", [])))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for directory in created:
            try:
                directory.rmdir()
            except OSError:
                break
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return target


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
