"""Property test: mangled Terraform never escapes as an exception, and findings point at real lines."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffolder.validation import validate
from scaffolder.validation.terraform import analyze_module

from .conftest import REPO

SOURCES = sorted((REPO / "tests" / "fixtures" / "terraform" / "realistic").glob("*.tf"))
TEXTS = [path.read_bytes() for path in SOURCES]


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A realistic file with one or more edits a human or a disk could make."""
    data = bytearray(draw(st.sampled_from(TEXTS)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete", "truncate", "insert", "swap", "brace"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "delete" and data:
            end = position + draw(st.integers(1, 12))
            del data[position:end]
        elif kind == "truncate":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "swap":
            tokens = bytes(data).split(b" ")
            if len(tokens) > 2:
                i = draw(st.integers(0, len(tokens) - 2))
                tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
                data = bytearray(b" ".join(tokens))
        else:
            braces = [i for i, byte in enumerate(data) if byte in b'{}[]()"']
            if braces:
                del data[draw(st.sampled_from(braces))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_mangled_files_give_findings_on_existing_lines(data: bytes) -> None:
    result = analyze_module("fuzz", [("main.tf", data)])
    text = data.decode("utf-8", errors="replace")
    line_count = text.count("\n") + 1
    for finding in result.findings:
        assert 1 <= finding.line <= line_count, (finding, line_count)
        assert finding.column >= 1


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_through_the_whole_engine(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "main.tf").write_bytes(data)
        report = validate([root], cache=False, jobs=1)
    for finding in report.findings:
        assert finding.line >= 1
        assert finding.column >= 1
