"""One suppression grammar for every format: which rules a comment names, and its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.validation import validate
from scaffolder.validation.suppress import parse

from .conftest import build_tree


@pytest.mark.parametrize(
    ("comment", "rules", "reason"),
    [
        ("# scaffolder:ignore TF101 set by the caller", ("TF101",), "set by the caller"),
        (
            "# scaffolder:ignore K8S104 K8S105 the agent needs it",
            ("K8S104", "K8S105"),
            "the agent needs it",
        ),
        ("# scaffolder:ignore K8S104,K8S105, why", ("K8S104", "K8S105"), "why"),
        ("// scaffolder:ignore TF306 generated", ("TF306",), "generated"),
        ("# scaffolder:ignore DL3008 apt pins drift", ("DL3008",), "apt pins drift"),
        ("# scaffolder:ignore COMPOSE002", ("COMPOSE002",), ""),
        ("# scaffolder:ignore TF101 IPv6 Ranges", ("TF101",), "IPv6 Ranges"),
        ("key: 1  # scaffolder:ignore SL002 extension", ("SL002",), "extension"),
    ],
)
def test_grammar(comment: str, rules: tuple[str, ...], reason: str) -> None:
    directive = parse(comment)
    assert directive is not None
    assert (directive.rules, directive.reason) == (rules, reason)


def test_text_without_a_directive() -> None:
    assert parse("# an ordinary comment") is None


COMPOSE = (
    "services:\n  a:\n    image: a:1\n    ports: ['8080:80']\n  b:\n    image: b:1\n"
    "    ports:\n      # scaffolder:ignore COMPOSE007 COMPOSE008 both are dev-only services\n"
    "      - '8080:81'\n"
)


def test_a_yaml_comment_naming_several_rules_silences_each(tmp_path: Path) -> None:
    # Regression: YAML and Dockerfiles used to read `ignore A B reason` as suppressing A only.
    root = build_tree(tmp_path, {"compose.yaml": COMPOSE})
    report = validate([root], cache=False)
    assert [(f.rule, f.line) for f in report.findings] == [("COMPOSE008", 4)]
    unsuppressed = COMPOSE.replace(
        "      # scaffolder:ignore COMPOSE007 COMPOSE008 both are dev-only services\n", ""
    )
    (root / "compose.yaml").write_text(unsuppressed)
    assert [(f.rule, f.line) for f in validate([root], cache=False).findings] == [
        ("COMPOSE008", 4),
        ("COMPOSE007", 8),
        ("COMPOSE008", 8),
    ]


def test_a_dockerfile_comment_naming_several_rules_silences_each(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12.8-slim-bookworm\n"
        "# scaffolder:ignore DOCKER008 DOCKER009 the token is a build-time placeholder\n"
        "ARG API_TOKEN\nUSER 10001\nHEALTHCHECK CMD true\nEXPOSE 8000\n"
    )
    root = build_tree(tmp_path, {"Dockerfile": dockerfile})
    assert validate([root], select=["DOCKER009"], cache=False).findings == ()
    (root / "Dockerfile").write_text(dockerfile.replace("DOCKER008 DOCKER009", "DOCKER008"))
    assert [f.rule for f in validate([root], select=["DOCKER009"], cache=False).findings] == [
        "DOCKER009"
    ]


@pytest.mark.parametrize(
    ("files", "rule", "line", "column"),
    [
        ({"main.tf": "# scaffolder:ignore TF101 K8S104\nlocals {}\n"}, "TF003", 1, 1),
        ({"c.yaml": "a: 1  # scaffolder:ignore K8S001\n"}, "K8S006", 1, 7),
        ({"Dockerfile": "FROM a:1\n# scaffolder:ignore DL3008, DOCKER004\n"}, "DOCKER003", 2, 1),
    ],
)
def test_a_directive_without_a_reason_is_a_warning_everywhere(
    tmp_path: Path, files: dict[str, str], rule: str, line: int, column: int
) -> None:
    report = validate([build_tree(tmp_path, files)], select=[rule], cache=False)
    assert [(f.rule, f.line, f.column) for f in report.findings] == [(rule, line, column)]
    assert "gives no reason" in report.findings[0].message


def test_a_directive_on_the_same_line_silences_it(tmp_path: Path) -> None:
    compose = (
        "services:\n  app:\n    image: a:1\n"
        "    depends_on: [other]  # scaffolder:ignore COMPOSE002 other comes from an override\n"
    )
    assert validate([build_tree(tmp_path, {"compose.yaml": compose})], cache=False).findings == ()
