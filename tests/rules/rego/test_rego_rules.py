"""Rego rules: OPA's parser over small policy files, and a broken policy in a generated project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.validation import validate
from scaffolder.validation.rego import engine

from ...conftest import build_tree, require_module

REGO = ["REGO001", "REGO002"]
GOOD = 'package spacelift\n\ndeny contains "open" if {\n\tinput.a == sanitized("b")\n}\n'


def _run(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int, int, str]]:
    report = validate([build_tree(tmp_path, files)], select=REGO, cache=False, jobs=1)
    return [(f.rule, f.path, f.line, f.column, f.message) for f in report.findings]


@pytest.fixture(autouse=True)
def _opa() -> None:
    require_module("opa_bindings")


SYNTAX = [
    (
        {"p.rego": 'package p\n\nr if {\n  input.a == "x\n}\n'},
        [
            ("REGO001", "p.rego", 4, 14, "OPA: illegal token"),
            ("REGO001", "p.rego", 4, 14, "OPA: non-terminated string"),
        ],
    ),
    (
        {"policies/v0.rego": "package p\n\nr { true }\n"},
        [
            (
                "REGO001",
                "policies/v0.rego",
                3,
                1,
                "OPA: `if` keyword is required before rule body",
            )
        ],
    ),
    (
        {"p.rego": "package p\n\nr if {\n  input.a ==\n}\n"},
        [("REGO001", "p.rego", 5, 1, "OPA: unexpected } token")],
    ),
    (
        {"p.rego": "pkg p\n"},
        [
            ("REGO001", "p.rego", 1, 1, "OPA: package expected"),
            ("REGO001", "p.rego", 1, 1, "OPA: var cannot be used for rule name"),
        ],
    ),
]


@pytest.mark.parametrize(("files", "expected"), SYNTAX)
def test_syntax_errors_are_reported_at_opas_position(
    tmp_path: Path, files: dict[str, str], expected: list[tuple[str, str, int, int, str]]
) -> None:
    assert _run(tmp_path, files) == expected


def test_a_policy_using_spacelifts_helpers_parses(tmp_path: Path) -> None:
    # sanitized() is Spacelift's built-in, unknown to OPA: parsing does not resolve functions.
    assert _run(tmp_path, {"plan.rego": GOOD}) == []


def test_without_the_engine_each_file_is_an_info_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "parse_problems", lambda name, source: None)
    monkeypatch.setattr(engine, "engine_version", lambda: None)
    monkeypatch.setattr("scaffolder.validation.rego.domain.engine_version", lambda: None)
    assert _run(tmp_path, {"a/plan.rego": GOOD}) == [
        (
            "REGO002",
            "a/plan.rego",
            1,
            1,
            "`a/plan.rego` was not parsed: pip install --ignore-requires-python 'service-scaffolder[rego]'",
        )
    ]


def test_a_suppression_silences_a_syntax_error(tmp_path: Path) -> None:
    files = {
        "p.rego": "package p\n\n# scaffolder:ignore REGO001 kept broken on purpose\nr { true }\n"
    }
    assert _run(tmp_path, files) == []


def test_a_broken_generated_policy_is_reported_at_its_line(tmp_path: Path) -> None:
    project = generate("gke", tmp_path / "out", answers={})
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    policy = copy / "spacelift" / "policies" / "plan.rego"
    lines = policy.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("is(v, s) if v == s"))
    lines[number - 1] = "is(v, s) if v == s }\n"
    policy.write_text("".join(lines))
    found = [
        (f.rule, f.path, f.line, f.column, f.message)
        for f in validate([copy], cache=False, jobs=1).findings
        if f.rule.startswith("REGO")
    ]
    assert found == [
        ("REGO001", "spacelift/policies/plan.rego", number, 20, "OPA: unexpected } token")
    ]


def test_an_empty_policy_is_reported_on_its_first_line(tmp_path: Path) -> None:
    # Regression found by the fuzz suite: OPA places "empty module" on line 0.
    require_module("opa_bindings")
    (tmp_path / "empty.rego").write_text("# nothing here\n")
    (finding,) = validate([tmp_path], select=["REGO001"], cache=False).findings
    assert (finding.line, finding.column) == (1, 1)
    assert "empty module" in finding.message
