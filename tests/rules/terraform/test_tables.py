"""The shipped parse tables are what the installed python-hcl2 and Lark compute, and are data."""

from __future__ import annotations

import json

import pytest

from scaffolder.validation.terraform import hcl, tables

from ...conftest import REPO

REALISTIC = sorted(
    path
    for path in (REPO / "tests" / "fixtures" / "terraform" / "realistic").rglob("*.tf")
    if ".terraform" not in path.parts
)


def test_shipped_tables_are_for_the_installed_grammar_and_lark() -> None:
    # Lark numbers states in hash order, so two compiles differ in form; what must hold is
    # that the tables are for this grammar and Lark, and parse like a fresh compile (below).
    stored = json.loads(tables.TABLES.read_text(encoding="utf-8"))
    assert stored["fingerprint"] == tables.fingerprint(), "run `make tables`"


def test_tables_are_json_data_not_code() -> None:
    # A cache that can run code when loaded (Lark's pickle) is what this replaces.
    assert tables.TABLES.read_bytes()[:1] == b"{"
    assert tables.shipped() is not None


def test_parsing_with_the_tables_equals_parsing_with_a_compiled_grammar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [path.read_text(encoding="utf-8") for path in REALISTIC]
    assert texts
    hcl._parser.cache_clear()
    with_tables = [hcl.parse(text, "x.tf") for text in texts]
    monkeypatch.setattr(tables, "shipped", lambda: None)
    hcl._parser.cache_clear()
    try:
        compiled = [hcl.parse(text, "x.tf") for text in texts]
    finally:
        hcl._parser.cache_clear()
    assert with_tables == compiled


@pytest.mark.parametrize(
    "stored",
    [None, {}, {"fingerprint": "other"}, {"fingerprint": "__now__", "data": {}, "memo": 3}],
)
def test_tables_for_other_versions_or_broken_ones_are_not_used(stored: object) -> None:
    if isinstance(stored, dict) and stored.get("fingerprint") == "__now__":
        stored = {**stored, "fingerprint": tables.fingerprint()}
    assert tables.load(stored) is None


@pytest.mark.parametrize("text", ["not json", '{"k": [[[1], 2]]}', "[" * 100_000])
def test_malformed_tables_text_is_refused(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)):
        tables.decode(text)
