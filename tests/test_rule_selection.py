"""--select/--ignore/--extend-select by id or prefix, suggestions for typos, suppressions of no rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import UserError
from scaffolder.validation import validate
from scaffolder.validation.registry import default_registry

from .conftest import build_tree

TREE = {
    "main.tf": 'variable "x" {}\noutput "o" {\n  value = var.nope\n}\n',
    "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: x\n",
}


def _rules(tmp_path: Path, **options: list[str]) -> set[str]:
    build_tree(tmp_path, TREE)
    report = validate([tmp_path], cache=False, jobs=1, **options)  # type: ignore[arg-type]
    return {finding.rule for finding in report.findings}


def test_prefixes_select_and_ignore_families(tmp_path: Path) -> None:
    everything = _rules(tmp_path)
    assert {"TF101", "TF210", "K8S001"} <= everything
    assert _rules(tmp_path, select=["TF1"]) == {"TF101"}
    # A selected prefix takes its off-by-default rules too (TF301 documentation, ...).
    family = _rules(tmp_path, select=["tf"])
    assert {r for r in everything if r.startswith("TF")} < family
    assert all(r.startswith("TF") for r in family)
    assert _rules(tmp_path, ignore=["K8S", "TF2"]) == {
        r for r in everything if not r.startswith(("K8S", "TF2"))
    }


def test_extend_select_adds_to_the_defaults_or_the_selection(tmp_path: Path) -> None:
    registry = default_registry()
    off = sorted(rule.id for rule in registry if not rule.enabled)
    assert registry.active(None, None, off) == {r.id for r in registry}
    assert registry.active(["TF101"], None, ["K8S001"]) == {"TF101", "K8S001"}
    assert _rules(tmp_path, select=["TF101"], extend_select=["K8S0"]) == {"TF101", "K8S001"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("TF1O1", "TF101"), ("K8SI04", "K8S104"), ("COMPOES001", "COMPOSE001"), ("tf2100", "TF210")],
)
def test_an_unknown_rule_suggests_the_one_meant(typed: str, meant: str) -> None:
    with pytest.raises(UserError, match=f"unknown rule `{typed}`; did you mean `{meant}`"):
        default_registry().active([typed], None)


def test_a_suppression_naming_no_rule_is_a_warning(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "main.tf": "locals {\n  # scaffolder:ignore TF1O1 generated elsewhere\n  a = 1\n}\n",
            "Dockerfile": "FROM debian:12.8\n# scaffolder:ignore DL3008 pinned by the base\n"
            "# scaffolder:ignore DOCKER0O4 runs as the base's user\nRUN true\n",
        },
    )
    report = validate([tmp_path], cache=False, jobs=1, select=["TF003", "DOCKER003"])
    assert [(f.rule, f.path, f.line, f.message) for f in report.findings] == [
        (
            "DOCKER003",
            "Dockerfile",
            3,
            "`scaffolder:ignore DOCKER0O4` names no rule scaffolder has; did you mean `DOCKER004`?",
        ),
        (
            "TF003",
            "main.tf",
            2,
            "`scaffolder:ignore TF1O1` names no rule scaffolder has; did you mean `TF101`?",
        ),
    ]


def test_a_misspelt_option_value_suggests_the_one_meant(run_cli: Any) -> None:
    for option, typed, meant in [("--format", "jsn", "json"), ("--fail-on", "warn", "warning")]:
        result = run_cli("validate", option, typed)
        assert result.returncode == 2
        assert f"Did you mean '{meant}'?" in result.stderr, result.stderr
    assert "Did you mean" not in run_cli("validate", "--format", "xml").stderr


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"DOCKER004", "DOCKER005", "DL3008", "DL3000"}),
        ({"select": ["DL3008"]}, {"DL3008"}),
        ({"ignore": ["dl3008"]}, {"DOCKER004", "DOCKER005", "DL3000"}),
        ({"select": ["DL3000", "DOCKER004"]}, {"DOCKER004", "DL3000"}),
        ({"select": ["DOCKER001"]}, {"DL3008", "DL3000"}),
        (
            {"ignore": ["DOCKER001"], "extend_select": ["DL3000"]},
            {"DOCKER004", "DOCKER005", "DL3000"},
        ),
    ],
)
def test_hadolint_ids_select_and_ignore_within_docker001(
    tmp_path: Path, options: dict[str, list[str]], expected: set[str]
) -> None:
    build_tree(
        tmp_path,
        {
            "Dockerfile": "FROM debian:12.8\nRUN apt-get install -y --no-install-recommends curl\nWORKDIR app\n"
        },
    )
    report = validate([tmp_path], cache=False, jobs=1, **options)  # type: ignore[arg-type]
    found = {f.message.split(":")[0] if f.rule == "DOCKER001" else f.rule for f in report.findings}
    assert found - {"DL3009", "DL3015"} == expected
