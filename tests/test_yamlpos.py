"""YAML with positions: libyaml and the pure-Python parser agree on every node and mark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffolder.validation.yamlpos import YamlSyntaxError, load_documents

from .conftest import REPO


def _valid_yaml(path: Path) -> bool:
    try:
        yaml.safe_load_all(path.read_text(encoding="utf-8")).__next__()
    except (yaml.YAMLError, StopIteration):
        return False
    return True


# Rendered projects and fixtures: the templates themselves are Jinja, not YAML yet.
YAML_FILES = sorted(
    path
    for top in ("examples", "tests/fixtures")
    for pattern in ("*.yaml", "*.yml")
    for path in (REPO / top).rglob(pattern)
    if _valid_yaml(path)
)


def _shape(node: yaml.Node) -> list[Any]:
    """Every node's tag, value (for scalars) and start and end marks, depth first."""
    found: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        start, end = current.start_mark, current.end_mark
        scalar = current.value if isinstance(current, yaml.ScalarNode) else None
        found.append((current.tag, scalar, start.line, start.column, end.line, end.column))
        if isinstance(current, yaml.MappingNode):
            stack.extend(item for pair in reversed(current.value) for item in reversed(pair))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return found


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(YAML_FILES) >= 50


def test_libyaml_is_what_runs() -> None:
    assert hasattr(yaml, "CSafeLoader"), "PyYAML without libyaml: YAML parses ten times slower"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_both_parsers_build_the_same_documents(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, pure = load_documents(text), load_documents(text, pure=True)
    assert [d.data for d in fast] == [d.data for d in pure]
    assert [_shape(d.node) for d in fast] == [_shape(d.node) for d in pure]


@pytest.mark.parametrize(
    "text",
    [
        "kind: ConfigMap\ndata: [1\n",
        "a: b\n  c: d\n",
        "\0a: b",
        "a: b\n\x07",
        "key: [a, b]]",
        "a: &x 1\nb: *y\n",
        "{a: 1",
        "- a\n-b: c\n  d",
    ],
)
def test_errors_are_reported_the_same_way(text: str) -> None:
    with pytest.raises(YamlSyntaxError) as fast:
        load_documents(text)
    with pytest.raises(YamlSyntaxError) as pure:
        load_documents(text, pure=True)
    assert (fast.value.line, fast.value.column, fast.value.message) == (
        pure.value.line,
        pure.value.column,
        pure.value.message,
    )


@pytest.mark.parametrize("text", ["!!float abc\n", "a: !!int abc\n", "- !!timestamp x\n"])
def test_a_tag_that_cannot_convert_is_a_syntax_error(text: str) -> None:
    # Regression: PyYAML's constructor raised ValueError, which escaped as a traceback.
    with pytest.raises(YamlSyntaxError, match="cannot construct a value"):
        load_documents(text)


def test_a_tab_after_a_value_is_accepted_as_kubernetes_accepts_it() -> None:
    # The pure-Python parser refuses it; libyaml, like the YAML parser Kubernetes uses, does not.
    (document,) = load_documents("a: b\tc\n")
    assert document.data == {"a": "b\tc"}
