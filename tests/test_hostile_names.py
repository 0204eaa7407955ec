"""Hostile project names through every template: every generated file still parses as its language.

`project_name` is free text; wherever it lands in generated source it must be escaped for that
language, so the Python compiles, the JavaScript passes `node --check`, the JSON, TOML, YAML and
HCL parse, the name reads back unchanged, and `validate` finds nothing.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffolder.generation import generate
from scaffolder.validation import validate
from scaffolder.validation.terraform import hcl

from .conftest import require_tool

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

NAMES = [
    "Billing API (C:\\Users\\ops)",
    'Say """hi""" and \'\'\'bye\'\'\' "quoted"',
    "{{ cookiecutter.project_slug }} {% if x %}{# c #}${HOME} $(shell id)",
    "Ünïcødé — “smart” 日本語 🚀 \\",
    "trailing backslash \\",
]
TEMPLATES = ("docker-dev", "gke", "eks")


def _render(tmp_path: Path, template: str, runtime: str, name: str) -> Path:
    answers = {"project_name": name, "project_slug": "hostile", "app_runtime": runtime}
    return generate(template, tmp_path, answers=answers)


def _check_every_file(project: Path, name: str, node: str) -> None:
    for path in sorted(project.rglob("*")):
        if not path.is_file() or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(project).as_posix()
        if path.suffix == ".py":
            ast.parse(text, filename=relative)
        elif path.suffix == ".js":
            result = subprocess.run(
                [node, "--check", str(path)], capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, f"{relative}: {result.stderr}"
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yaml", ".yml"}:
            list(yaml.safe_load_all(text))
        elif path.suffix in {".tf", ".tfvars"} or path.name.endswith(".tfvars.example"):
            hcl.parse(text, relative)
    record = json.loads((project / ".scaffolder.json").read_text())
    assert record["answers"]["project_name"] == name


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("runtime", ["python", "node"])
def test_hostile_names_yield_valid_source(tmp_path: Path, template: str, runtime: str) -> None:
    node = require_tool("node", shutil.which("node"))
    for index, name in enumerate(NAMES):
        project = _render(tmp_path / str(index), template, runtime, name)
        _check_every_file(project, name, node)
        app = project / "app"
        if runtime == "python":
            description = tomllib.loads((app / "pyproject.toml").read_text())["project"]
        else:
            description = json.loads((app / "package.json").read_text())
        assert description["description"] == name
        report = validate([project], cache=False)
        assert [(f.rule, f.path, f.message) for f in report.findings] == [], name
