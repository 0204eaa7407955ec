"""What the templates' cookiecutter hooks do, in one place.

Every template's ``hooks/pre_gen_project.py`` and ``hooks/post_gen_project.py`` is a symlink to the
one copy in ``templates/_hooks/``: a few lines that find this package and call :func:`pre_gen` or
:func:`post_gen`, so ``scaffolder new`` and plain ``cookiecutter`` produce the same project from the
same rules. Standard library and cookiecutter only at import time: the hooks run in the
interpreter that runs cookiecutter; filling a module README's terraform-docs section imports
scaffolder's HCL adapter (python-hcl2, a scaffolder dependency) when a template has one.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.answers import check_answers
from scaffolder.errors import (
    PartConflict,
    PartRenderFailed,
    ScaffolderError,
    UnknownPart,
)
from scaffolder.templates import SHARED_DIR, Template, load_template

RECORD_FILE = ".scaffolder.json"
#: A part's files with this suffix are libraries: macros and values other parts' files import
#: (``{% import "spacelift.jinja" as platform with context %}``); they are never written.
LIBRARY_SUFFIX = ".jinja"
# What a part directory may hold that is not part of it: caches of running its code in place.
_IGNORED_DIRS = frozenset({"__pycache__", "node_modules"})


def _public(context: Mapping[str, Any]) -> dict[str, object]:
    return {key: value for key, value in context.items() if not key.startswith("_")}


def pre_gen(context: Mapping[str, Any]) -> int:
    """Check the answers before cookiecutter writes anything; return the hook's exit status."""
    try:
        template = load_template(Path(context["_repo_dir"]))
        check_answers(_public(context), choices=template.choices, cloud=template.cloud)
    except ScaffolderError as error:
        print(f"scaffolder: {error}", file=sys.stderr)
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class _Part:
    """One entry of a template's ``_shared``: a part directory and where in the project it goes."""

    name: str
    directory: Path
    destination: str


def _walk(root: Path) -> Iterator[str]:
    """Every file under ``root`` as a normalised relative path, in a stable order."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_DIRS)
        relative = Path(directory).relative_to(root)
        for name in sorted(files):
            yield (relative / name).as_posix()


def _listed_parts(
    template: Template, context: Mapping[str, Any], render: Callable[[str], str]
) -> list[_Part]:
    """The parts ``_shared`` names, in order; destinations and names may use the context."""
    shared_root = template.path.resolve().parent / SHARED_DIR
    parts = []
    for destination, sources in dict(context.get("_shared", {})).items():
        for source in [sources] if isinstance(sources, str) else sources:
            name = render(source)
            directory = shared_root / name
            if not directory.is_dir():
                raise UnknownPart(template=template.name, part=name)
            parts.append(_Part(name, directory, posixpath.normpath(render(destination))))
    return parts


def _own_files(template: Template, render: Callable[[str], str]) -> list[str]:
    """The files the template writes itself (under its ``{{cookiecutter.project_slug}}``)."""
    (project,) = (
        child for child in template.path.iterdir() if child.is_dir() and "{{" in child.name
    )
    return [render(relative) for relative in _walk(project)]


def _plan(
    template: Template, parts: list[_Part], render: Callable[[str], str]
) -> tuple[dict[str, Path], list[tuple[_Part, str]]]:
    """Decide, before anything is written, which source writes each file and library.

    Returns:
        Each library's file by its name, and every (part, file relative to the part) to render.

    Raises:
        PartConflict: Two parts, or a part and the template itself, would write one project
            path, or two parts provide a library of the same name.
    """
    owners = {path: f"template `{template.name}`" for path in _own_files(template, render)}
    providers: dict[str, _Part] = {}
    files = []
    for part in parts:
        for relative in _walk(part.directory):
            if relative.endswith(LIBRARY_SUFFIX):
                if relative in providers:
                    sources = [f"part `{providers[relative].name}`", f"part `{part.name}`"]
                    raise PartConflict(template=template.name, path=relative, sources=sources)
                providers[relative] = part
                continue
            path = posixpath.normpath(posixpath.join(part.destination, render(relative)))
            if path in owners:
                sources = [owners[path], f"part `{part.name}`"]
                raise PartConflict(template=template.name, path=path, sources=sources)
            owners[path] = f"part `{part.name}`"
            files.append((part, relative))
    return {name: part.directory / name for name, part in providers.items()}, files


def render_shared_parts(context: Mapping[str, Any], project_dir: Path) -> list[Path]:
    """Render the shared parts a template names in ``_shared`` into ``project_dir``.

    ``_shared`` maps a destination inside the project to a part directory under
    ``templates/_shared``, or to a list of them; both may use the cookiecutter context
    (``app-{{ cookiecutter.app_runtime }}``). A part is neutral (``spacelift``) or belongs
    to one platform (``spacelift-gke``); a neutral part's file asks for what differs per platform
    by importing a library (``spacelift.jinja``) that the template's platform part provides.
    Files are rendered by cookiecutter's own ``generate_file`` with the template's environment,
    so a shared file behaves exactly like a file of the template.

    Returns:
        The files written, relative to ``project_dir``.

    Raises:
        UnknownPart: ``_shared`` names a part that does not exist.
        PartConflict: Two sources would write one path; nothing has been written then.
        PartRenderFailed: A part's file does not render, e.g. it imports a library that none of
            the template's parts provides.
    """
    # Imported here: cookiecutter pulls in jinja2, which `scaffolder --help` must not pay for.
    from cookiecutter.generate import generate_file
    from cookiecutter.utils import create_env_with_context, work_in
    from jinja2 import ChoiceLoader, FileSystemLoader, FunctionLoader, TemplateNotFound
    from jinja2 import TemplateError as JinjaError

    template = load_template(Path(context["_repo_dir"]))
    full_context = {"cookiecutter": dict(context)}
    env = create_env_with_context(full_context)

    def render(text: str) -> str:
        return str(env.from_string(text).render(**full_context))

    parts = _listed_parts(template, context, render)
    libraries, files = _plan(template, parts, render)

    def load_library(name: str) -> tuple[str, str, Callable[[], bool]] | None:
        path = libraries.get(name)
        if path is None:
            return None
        return path.read_text(encoding="utf-8"), str(path), lambda: True

    project = project_dir.resolve()
    written: list[Path] = []
    for part, relative in files:
        target_root = project / part.destination
        with work_in(part.directory):
            env.loader = ChoiceLoader([FileSystemLoader(["."]), FunctionLoader(load_library)])
            (target_root / render(relative)).parent.mkdir(parents=True, exist_ok=True)
            try:
                generate_file(str(target_root), relative, full_context, env)
            except TemplateNotFound as error:
                raise PartRenderFailed(
                    template=template.name,
                    part=part.name,
                    path=relative,
                    reason=f"imports `{error.name}`, which none of the template's parts provides "
                    f"(its parts: {', '.join(p.name for p in parts)})",
                ) from error
            except JinjaError as error:
                raise PartRenderFailed(
                    template=template.name, part=part.name, path=relative, reason=str(error)
                ) from error
        written.append((target_root / render(relative)).relative_to(project))
    return written


def record(context: Mapping[str, Any], project_dir: Path) -> Path:
    """Write ``.scaffolder.json``: template name and version, and every answer."""
    template = load_template(Path(context["_repo_dir"]))
    answers = check_answers(_public(context), choices=template.choices, cloud=template.cloud)
    document = {
        "template": template.name,
        "template_version": template.version,
        "answers": dict(sorted(answers.items())),
    }
    path = project_dir / RECORD_FILE
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


_EMPTY_PASSWORD = re.compile(r"^(?P<key>[A-Z0-9_]*PASSWORD)=$", re.MULTILINE)


def fill_local_secrets(example: str) -> str:
    """Turn a ``.env``-style example into a file with fresh random passwords.

    Every empty ``*PASSWORD=`` line gets a random value, and ``${KEY}`` references to it are
    replaced; the generated project's Makefile applies the same rule with ``sed``.
    """
    values: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        values[match["key"]] = secrets.token_hex(24)
        return f"{match['key']}={values[match['key']]}"

    text = _EMPTY_PASSWORD.sub(fill, example)
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    return text


def write_local_secrets(context: Mapping[str, Any], project_dir: Path) -> list[Path]:
    """Create the git-ignored local secret files the template names in ``_local_secrets``.

    Each is made from the ``<name>.example`` file next to it, so the project runs at once with
    ``docker compose up`` and ``kubectl apply -k``, and no credential is ever part of the template.
    """
    written = []
    for relative in context.get("_local_secrets", []):
        path = project_dir / relative
        example = path.with_name(path.name + ".example")
        if path.exists() or not example.is_file():
            continue
        path.write_text(fill_local_secrets(example.read_text(encoding="utf-8")), encoding="utf-8")
        path.chmod(0o600)
        written.append(path)
    return written


def complete(context: Mapping[str, Any], project_dir: Path) -> None:
    """Add the shared parts, module references, local secrets and the answers record.

    Raises:
        OSError: A file could not be written.
        ScaffolderError: A part is missing or two parts write one path.
    """
    from scaffolder.terraform_docs import fill

    render_shared_parts(context, project_dir)
    fill(project_dir)
    write_local_secrets(context, project_dir)
    record(context, project_dir)


def post_gen(context: Mapping[str, Any], project_dir: Path) -> int:
    """The post-generation hook: :func:`complete`, with the exit status cookiecutter wants."""
    try:
        complete(context, project_dir)
    except (OSError, ScaffolderError) as error:
        print(f"scaffolder: post-generation step failed: {error}", file=sys.stderr)
        return 1
    return 0
