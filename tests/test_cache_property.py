"""Property: after any sequence of edits, renames, deletions, moved roots and environment
changes, a cached run reports exactly what a run without the cache reports."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scaffolder.validation import validate

from .conftest import build_tree

BASE = {
    "infra/main.tf": 'terraform {\n  required_version = ">= 1.10"\n}\nlocals {\n  a = var.name\n}\n'
    'output "a" {\n  value = local.a\n}\n',
    "infra/variables.tf": 'variable "name" {\n  type = string\n}\n',
    "compose.yaml": "services:\n  app:\n    image: app:1\n    build: ./app\n    env_file: .env\n"
    "    ports: ['127.0.0.1:8000:8000']\n",
    ".env": "A=1\n",
    "app/Dockerfile": "FROM python:3.12.8-slim\nUSER 10001\nHEALTHCHECK CMD true\nEXPOSE 8000\n",
    "k8s/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n",
    ".spacelift/config.yml": "version: 1\nstacks:\n  app:\n    project_root: infra\n",
}
#: Other contents each file may take: broken, changed meaning, or another reference.
VARIANTS = {
    "infra/main.tf": ["locals {\n  a = var.missing\n}\n", "locals {\n  a = \n"],
    "infra/variables.tf": ['variable "other" {\n  type = string\n}\n'],
    "compose.yaml": [
        "services:\n  app:\n    image: app:1\n    build: ./elsewhere\n",
        "services:\n  app:\n    image: app:1\n    env_file: .env.local\n",
        "services: [\n",
    ],
    ".env": ["A=2\n"],
    "app/Dockerfile": ["FROM python\n", "FROM python:3.12.8-slim\nRUN apt-get install -y curl\n"],
    "k8s/kustomization.yaml": ["resources:\n  - gone.yaml\n", "resources:\n  - ../../shared\n"],
    "k8s/cm.yaml": ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: 3\n"],
    ".spacelift/config.yml": ["version: 1\nstacks:\n  app:\n    project_root: nowhere\n"],
}
NAMES = sorted(BASE)

operations = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(NAMES), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("restore"), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("move-root"), st.just(""), st.just(0)),
    st.tuples(st.just("env"), st.just(""), st.integers(0, 1)),
    st.tuples(st.just("outside"), st.just(""), st.integers(0, 1)),
)


def _rows(root: Path, *, cache: bool) -> list[tuple[str, str, int, int, str]]:
    report = validate([root], cache=cache, jobs=1)
    return [(f.rule, f.path, f.line, f.column, f.message) for f in report.findings]


def _apply(root: Path, operation: tuple[str, str, int]) -> Path:
    kind, name, choice = operation
    path = root / name
    if kind == "edit":
        options = VARIANTS.get(name, [])
        if options:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(options[choice % len(options)], encoding="utf-8")
    elif kind == "delete":
        path.unlink(missing_ok=True)
    elif kind == "rename" and path.exists():
        path.rename(path.with_name("renamed-" + path.name))
    elif kind == "restore":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BASE[name], encoding="utf-8")
    elif kind == "move-root":
        moved = root.with_name(root.name + "-moved")
        root.rename(moved)
        return moved
    elif kind == "env":
        if choice:
            os.environ["HADOLINT_IGNORE"] = "DL3008,DL3007"
        else:
            os.environ.pop("HADOLINT_IGNORE", None)
    elif kind == "outside":
        # A kustomize base outside the validated root.
        shared = root.parent / "shared"
        shared.mkdir(exist_ok=True)
        (shared / "kustomization.yaml").write_text("resources:\n  - more.yaml\n")
        (shared / "more.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  namespace: n\n"
            + ("data: 3\n" if choice else "")
        )
    return root


@example([("edit", "k8s/kustomization.yaml", 1), ("outside", "", 0), ("outside", "", 1)])
@example([("delete", ".env", 0), ("restore", ".env", 0), ("rename", "app/Dockerfile", 0)])
@example([("env", "", 1), ("edit", "app/Dockerfile", 1), ("env", "", 0)])
@example([("edit", "k8s/kustomization.yaml", 0), ("move-root", "", 0)])
@example([("delete", "infra/variables.tf", 0), ("edit", ".spacelift/config.yml", 0)])
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(operations, min_size=1, max_size=6))
def test_cached_results_equal_fresh_ones(steps: list[tuple[str, str, int]]) -> None:
    workspace = Path(tempfile.mkdtemp())
    saved = {key: os.environ.get(key) for key in ("SCAFFOLDER_CACHE_DIR", "HADOLINT_IGNORE")}
    os.environ["SCAFFOLDER_CACHE_DIR"] = str(workspace / "cache")
    try:
        root = build_tree(workspace / "root" / "repo", BASE)
        assert _rows(root, cache=True) == _rows(root, cache=False)
        for step in steps:
            root = _apply(root, step)
            assert _rows(root, cache=True) == _rows(root, cache=False), step
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(workspace, ignore_errors=True)
