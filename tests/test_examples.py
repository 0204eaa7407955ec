from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from scaffolder.templates import list_templates

from .conftest import REPO, tree

spec = importlib.util.spec_from_file_location("examples_render", REPO / "examples" / "render.py")
assert spec and spec.loader
render = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render)


@pytest.mark.parametrize("name", sorted(render.EXAMPLES))
def test_committed_example_matches_a_fresh_render(tmp_path: Path, name: str) -> None:
    fresh = tree(render.render_example(name, tmp_path / name))
    committed = tree(REPO / "examples" / name)
    assert sorted(committed) == sorted(fresh), "files differ: run `make examples`"
    drifted = [path for path in fresh if committed[path] != fresh[path]]
    assert drifted == [], f"content drifted in {drifted}: run `make examples`"


def test_every_template_has_an_example() -> None:
    assert {template for template, _ in render.EXAMPLES.values()} == {
        template.name for template in list_templates()
    }
