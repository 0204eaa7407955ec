"""A cached result equals a fresh one: every input a unit reads is in its key (regressions)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffolder.validation import validate

from .conftest import build_tree, require_tool


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(directory))
    return directory


def _rows(root: Path, **options: object) -> list[tuple[str, str, int, str]]:
    report = validate([root], **options)  # type: ignore[arg-type]
    return [(f.rule, f.path, f.line, f.message) for f in report.findings]


def test_a_removed_project_root_is_seen_through_the_cache(tmp_path: Path, cache: Path) -> None:
    root = build_tree(
        tmp_path / "repo",
        {
            ".spacelift/config.yml": "version: 1\nstacks:\n  app:\n    project_root: deploy\n",
            "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n",
        },
    )
    assert _rows(root) == []
    shutil.rmtree(root / "deploy")
    # The config did not change; the tree did. Before, the cached clean result came back.
    assert [row[0] for row in _rows(root)] == ["SL004"]
    assert _rows(root) == _rows(root, cache=False)


def test_a_moved_root_does_not_get_another_directorys_messages(
    tmp_path: Path, cache: Path, kubectl: str
) -> None:
    first = build_tree(tmp_path / "first", {"k/kustomization.yaml": "resources:\n  - gone.yaml\n"})
    before = _rows(first)
    assert [row[0] for row in before] == ["K8S002"]
    moved = tmp_path / "second"
    first.rename(moved)
    after = _rows(moved)
    assert after == _rows(moved, cache=False)
    # No absolute path in the message: the missing entry is named as the kustomization names it.
    assert "names `gone.yaml`, which does not exist" in after[0][3]
    assert str(first) not in after[0][3] and str(moved) not in after[0][3]
    assert after == before
    assert after[0][1:3] == ("k/kustomization.yaml", 2)


def test_a_dotted_key_in_a_rendered_object_is_placed_on_its_line(
    tmp_path: Path, kubectl: str
) -> None:
    # Regression: the field path was rebuilt from the message by splitting on dots, so a key
    # such as `example.com/team` was looked up as `example`, `com/team`.
    root = build_tree(
        tmp_path,
        {
            "k/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "k/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n"
            "  example.com/team: 3\n",
        },
    )
    (finding,) = validate([root], select=["K8S001"], cache=False).findings
    assert (finding.path, finding.line, finding.column) == ("k/cm.yaml", 6, 3)
    assert "example.com/team" in finding.message and "(rendered by k)" in finding.message


def test_an_infra_pairing_sees_a_patch_file_the_overlay_reads(tmp_path: Path, cache: Path) -> None:
    # The JSON patch is no YAML the infra domain claims; kustomize reads it all the same.
    require_tool("kubectl", shutil.which("kubectl"))
    root = build_tree(
        tmp_path / "repo",
        {
            "spacelift/stacks.tf": 'resource "spacelift_stack" "k8s" {\n'
            '  project_root = "k8s/prod"\n  kubernetes {\n    namespace = "shop"\n  }\n}\n',
            "k8s/prod/kustomization.yaml": "resources:\n  - cm.yaml\npatches:\n"
            "  - path: ns.json\n    target:\n      kind: ConfigMap\n",
            "k8s/prod/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            "k8s/prod/ns.json": '[{"op": "add", "path": "/metadata/namespace", "value": "shop"}]',
        },
    )
    assert _rows(root, select=["INFRA"]) == []
    (root / "k8s/prod/ns.json").write_text(
        '[{"op": "add", "path": "/metadata/namespace", "value": "store"}]'
    )
    assert [row[0] for row in _rows(root, select=["INFRA"])] == ["INFRA001"]
