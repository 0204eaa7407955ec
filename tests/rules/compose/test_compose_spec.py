"""COMPOSE001 against what Docker Compose itself accepts (regressions from awesome-compose)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.validation import validate

from ...conftest import build_tree

SERVICE = "services:\n  app:\n    image: app:1.0.0\n{extra}"


def _found(tmp_path: Path, text: str, *rules: str) -> list[tuple[str, int, int, str]]:
    build_tree(tmp_path, {"compose.yaml": text})
    report = validate([tmp_path], select=list(rules), cache=False, jobs=1)
    return [(f.rule, f.line, f.column, f.message) for f in report.findings]


@pytest.mark.parametrize(
    "extra",
    [
        "    deploy:\n      resources:\n        limits:\n          memory: 1.5G\n",
        "    volumes:\n      - ${MEDIA_PATH}:/media\n      - ~/data:/data\n",
        "    volumes:\n      - type: bind\n        source: ${HOME}/x\n        target: /x\n",
        "    platform: wasi/wasm\n",
        "    ports:\n      - ${PORT:-8080}:8080\n",
    ],
    ids=["fractional-bytes", "variable-and-home", "long-syntax-variable", "wasm", "port-variable"],
)
def test_what_compose_accepts_is_not_a_spec_error(tmp_path: Path, extra: str) -> None:
    assert _found(tmp_path, SERVICE.format(extra=extra), "COMPOSE001") == []


def test_an_error_after_a_value_set_aside_is_still_found(tmp_path: Path) -> None:
    text = SERVICE.format(extra="    platform: wasi/wasm\n    restart: sometimes\n")
    ((rule, line, column, message),) = _found(tmp_path, text, "COMPOSE001")
    assert (rule, line, column) == ("COMPOSE001", 5, 14)
    assert message.startswith("services.app.restart:")


def test_a_spec_error_does_not_hide_the_reference_checks(tmp_path: Path) -> None:
    text = SERVICE.format(extra="    depends_on: [db]\n    restart: sometimes\n")
    assert [rule for rule, *_ in _found(tmp_path, text, "COMPOSE001", "COMPOSE002")] == [
        "COMPOSE002",
        "COMPOSE001",
    ]
