"""Render examples/ from the templates: `make examples`. tests/test_examples.py fails on drift.

Each example is a template rendered with its default answers (the runtime varied), minus the
local secret files, which are random and git-ignored.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from scaffolder.generation import generate
from scaffolder.templates import get_template

EXAMPLES = {
    "docker-dev-python": ("docker-dev", {"app_runtime": "python"}),
    "docker-dev-node": ("docker-dev", {"app_runtime": "node"}),
    "gke": ("gke", {}),
    "eks": ("eks", {}),
}


def render_example(name: str, destination: Path) -> Path:
    """Render example ``name`` into ``destination`` (which must not exist) and return it."""
    template, answers = EXAMPLES[name]
    with tempfile.TemporaryDirectory() as scratch:
        project = generate(template, scratch, answers=answers)
        for relative in get_template(template).private.get("_local_secrets", []):
            (project / relative).unlink(missing_ok=True)
        shutil.copytree(project, destination)
    return destination


def main() -> None:
    """Re-render every example in place."""
    root = Path(__file__).resolve().parent
    for name in EXAMPLES:
        target = root / name
        shutil.rmtree(target, ignore_errors=True)
        render_example(name, target)
        print(f"rendered {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
