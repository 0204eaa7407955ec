"""What the templates' cookiecutter hooks do, in one place.

Each template's ``hooks/pre_gen_project.py`` and ``hooks/post_gen_project.py`` is a few lines that
find this package and call :func:`pre_gen` or :func:`post_gen`, so ``scaffolder new`` and plain
``cookiecutter`` produce the same project from the same rules. Standard library and cookiecutter
only: the hooks run in the interpreter that runs cookiecutter.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scaffolder.answers import check_answers
from scaffolder.errors import InvalidAnswers
from scaffolder.templates import SHARED_DIR, load_template

RECORD_FILE = ".scaffolder.json"
# Kinds of shared files that may be platform-specific and so render to nothing elsewhere.
_TEXT_SUFFIXES = {".yaml", ".yml", ".tf", ".md"}


def _public(context: Mapping[str, Any]) -> dict[str, object]:
    return {key: value for key, value in context.items() if not key.startswith("_")}


def pre_gen(context: Mapping[str, Any]) -> int:
    """Check the answers before cookiecutter writes anything; return the hook's exit status."""
    template = load_template(Path(context["_repo_dir"]))
    try:
        check_answers(_public(context), choices=template.choices, cloud=template.cloud)
    except InvalidAnswers as error:
        print(f"scaffolder: {error}", file=sys.stderr)
        return 1
    return 0


def render_shared_parts(context: Mapping[str, Any], project_dir: Path) -> list[Path]:
    """Render the shared parts a template names in ``_shared`` into ``project_dir``.

    ``_shared`` maps a destination inside the project to a part directory under
    ``templates/_shared``, or to a list of them; both may use the cookiecutter context
    (``app-{{ cookiecutter.app_runtime }}``). Files are rendered by cookiecutter's own
    ``generate_file`` with the template's environment, so a shared file behaves exactly like a
    file of the template.

    Returns:
        The files written, relative to ``project_dir``.
    """
    # Imported here: cookiecutter pulls in jinja2, which `scaffolder --help` must not pay for.
    from cookiecutter.generate import generate_file
    from cookiecutter.utils import create_env_with_context, work_in
    from jinja2 import FileSystemLoader

    full_context = {"cookiecutter": dict(context)}
    env = create_env_with_context(full_context)
    shared_root = Path(context["_repo_dir"]).resolve().parent / SHARED_DIR
    written: list[Path] = []
    parts = [
        (destination, source)
        for destination, sources in dict(context.get("_shared", {})).items()
        for source in ([sources] if isinstance(sources, str) else sources)
    ]
    for destination, source in parts:
        part_dir = shared_root / env.from_string(source).render(**full_context)
        if not part_dir.is_dir():
            raise FileNotFoundError(f"shared part `{part_dir.name}` not found in {shared_root}")
        target_root = (project_dir / env.from_string(destination).render(**full_context)).resolve()
        with work_in(part_dir):
            env.loader = FileSystemLoader(["."])
            for root, dirs, files in os.walk("."):
                dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", "node_modules"})
                for name in sorted(files):
                    infile = os.path.normpath(os.path.join(root, name))  # noqa: PTH118
                    out_rel = env.from_string(infile).render(**full_context)
                    (target_root / out_rel).parent.mkdir(parents=True, exist_ok=True)
                    generate_file(str(target_root), infile, full_context, env)
                    output = target_root / out_rel
                    # A part's file for another platform renders to nothing: leave it out.
                    if output.suffix in _TEXT_SUFFIXES and not output.read_text("utf-8").strip():
                        output.unlink()
                        continue
                    written.append(output.relative_to(project_dir.resolve()))
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


def post_gen(context: Mapping[str, Any], project_dir: Path) -> int:
    """Add the shared parts, local secrets and the answers record; return the exit status."""
    try:
        render_shared_parts(context, project_dir)
        write_local_secrets(context, project_dir)
        record(context, project_dir)
    except (OSError, ValueError, InvalidAnswers) as error:
        print(f"scaffolder: post-generation step failed: {error}", file=sys.stderr)
        return 1
    return 0
