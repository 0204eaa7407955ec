"""Property tests: mangled Terraform, YAML and Dockerfiles never escape as exceptions, and findings point at real lines."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffolder.validation import validate
from scaffolder.validation.terraform import analyze

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
    result = analyze([("main.tf", data)])
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


YAML_SOURCES = [
    (REPO / "tests" / "fixtures" / "kubernetes" / "realistic" / "workloads.yaml").read_bytes(),
    (REPO / "examples" / "docker-dev-python" / "compose.yaml").read_bytes(),
    (REPO / "examples" / "gke" / ".spacelift" / "config.yml").read_bytes(),
]
DOCKERFILES = [
    (REPO / "examples" / "docker-dev-python" / "app" / "Dockerfile").read_bytes(),
    (REPO / "examples" / "docker-dev-node" / "app" / "Dockerfile").read_bytes(),
]


@st.composite
def mangled_text(draw: st.DrawFn, sources: list[bytes]) -> bytes:
    """A real file with deletions, truncation, inserted bytes or a broken indent."""
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete", "truncate", "insert", "indent"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "delete":
            del data[position : position + draw(st.integers(1, 12))]
        elif kind == "truncate":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=6))
        else:
            data[position:position] = b"\n   - :"
    return bytes(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mangled_text(YAML_SOURCES), st.sampled_from(["deployment.yaml", "compose.yaml", "config.yml"])
)
def test_mangled_yaml_gives_findings_on_existing_lines(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        target = root / ".spacelift" / name if name == "config.yml" else root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        report = validate([root], cache=False, jobs=1)
    lines = data.decode("utf-8", errors="replace").count("\n") + 1
    for finding in report.findings:
        assert 1 <= finding.line <= lines, finding
        assert finding.column >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_text(DOCKERFILES))
def test_mangled_dockerfiles_give_findings_on_existing_lines(data: bytes) -> None:

    from scaffolder.validation.dockerfile.rules import build, runtime

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "Dockerfile").write_text(text, encoding="utf-8")
        rules = [rule.id for rule in (*build.RULES, *runtime.RULES)]
        report = validate([directory], select=rules, cache=False, jobs=1)
    lines = text.count("\n") + 1
    for finding in report.findings:
        assert 1 <= finding.line <= lines, finding
        assert finding.column >= 1
