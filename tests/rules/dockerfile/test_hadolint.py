"""DOCKER001 and DOCKER002: hadolint's findings as scaffolder reports them (real hadolint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.validation import validate
from scaffolder.validation.dockerfile.rules.hadolint import hadolint_binary
from scaffolder.validation.model import Severity

from ...conftest import build_tree, require_tool


@pytest.fixture(autouse=True)
def _hadolint() -> None:
    require_tool("hadolint", hadolint_binary())


def _findings(tmp_path: Path, files: dict[str, str]) -> list[tuple[int, Severity, str, str]]:
    build_tree(tmp_path, files)
    report = validate([tmp_path], select=["DOCKER001", "DOCKER002"], cache=False, jobs=1)
    return [(f.line, f.severity, f.rule, f.message) for f in report.findings]


# Dockerfile -> (line, hadolint code) of every DOCKER001 finding.
CASES: list[tuple[str, str, list[tuple[int, str]]]] = [
    ("fires", "FROM debian:12.8\nWORKDIR app\n", [(2, "DL3000")]),
    (
        # awesome-compose: BuildKit accepts a comment or an instruction right after a
        # heredoc; hadolint 2.x does not parse it (DL1000) and lints nothing else.
        "heredoc-then-comment",
        "FROM debian:12.8\nRUN <<EOF\nset -e\necho hi\nEOF\n# next\nWORKDIR app\n"
        "COPY <<-CONF /etc/x.conf\n\tk = v\n\tCONF\nWORKDIR other\n",
        [(7, "DL3000"), (11, "DL3000")],
    ),
    (
        # awesome-compose: `COPY --from=` may name an image rather than a stage.
        "copy-from-image",
        "FROM debian:12.8\nCOPY --from=gloursdocker/docker:1.0 /bin/x /bin/x\n"
        "COPY --from=nginx@sha256:" + "a" * 64 + " /etc/nginx /etc/nginx\n",
        [],
    ),
    (
        "copy-from-unknown-stage",
        "FROM debian:12.8 AS build\nFROM debian:12.8\nCOPY --from=biuld /x /x\n",
        [(3, "DL3022")],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hadolint_findings(tmp_path: Path, files: str, expected: list[tuple[int, str]]) -> None:
    found = _findings(tmp_path, {"Dockerfile": files})
    assert [(line, message.split(":")[0]) for line, _, _, message in found] == expected
    assert all(rule == "DOCKER001" for _, _, rule, _ in found)


def test_hadolint_errors_are_warnings_of_a_warning_rule(tmp_path: Path) -> None:
    # DL3020 (ADD for COPY) is an error to hadolint; DOCKER001 is a warning rule.
    found = _findings(tmp_path, {"Dockerfile": "FROM debian:12.8\nADD a.txt /a.txt\n"})
    assert found == [
        (2, Severity.WARNING, "DOCKER001", "DL3020: Use COPY instead of ADD for files and folders")
    ]


def test_a_config_hadolint_cannot_read_is_info_not_an_error(tmp_path: Path) -> None:
    found = _findings(
        tmp_path,
        {"Dockerfile": "FROM debian:12.8\nWORKDIR app\n", ".hadolint.yaml": "ignored: 3\n"},
    )
    assert [(line, severity, rule) for line, severity, rule, _ in found] == [
        (1, Severity.INFO, "DOCKER002"),
        (2, Severity.WARNING, "DOCKER001"),
    ]
    message = found[0][3]
    assert message.startswith("hadolint failed (Error parsing your config file in '.hadolint.yaml'")
    assert message.endswith("; linted without it")
