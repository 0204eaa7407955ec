"""Table tests: each rule with an inline snippet, asserting rule id, message and position."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffolder.rules_docs import docs_root
from scaffolder.validation import validate
from scaffolder.validation.registry import Registry, default_registry

from ..conftest import build_tree

CASES = [
    (
        "DOCKER001",
        {
            "Dockerfile": "FROM python:3.12.8-slim-bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
        },
        ("Dockerfile", 2, 1, "DL3008: Pin versions in apt get install"),
    ),
    (
        "COMPOSE001",
        {"compose.yaml": "services:\n  web:\n    image: nginx:1.27.3\n    bogus: 1\n"},
        ("compose.yaml", 3, 5, 'extension key `bogus` does not start with "x-"'),
    ),
    (
        "COMPOSE001",
        {"compose.yaml": "services:\n  web: [\n"},
        ("compose.yaml", 3, 1, "invalid YAML"),
    ),
    (
        "COMPOSE002",
        {
            "compose.yaml": "services:\n  app:\n    image: a:1\n    depends_on:\n      database:\n        condition: service_healthy\n"
        },
        (
            "compose.yaml",
            5,
            7,
            "service `app` depends on `database`, which is not a service of this file",
        ),
    ),
    (
        "COMPOSE003",
        {
            "compose.yaml": "services:\n  db:\n    image: postgres:17.2-bookworm\n    volumes:\n      - db-data:/data\n"
        },
        (
            "compose.yaml",
            5,
            9,
            "service `db` mounts volume `db-data`, which top-level `volumes` does not declare",
        ),
    ),
    (
        "K8S001",
        {
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: eighty\n"
        },
        ("svc.yaml", 7, 13, "`Service/web` at `spec.ports.0.port`"),
    ),
    (
        "K8S002",
        {"k/kustomization.yaml": "resources:\n  - missing.yaml\n"},
        ("k/kustomization.yaml", 2, 5, "`resources.0` names `missing.yaml`, which does not exist"),
    ),
    (
        "K8S003",
        {"w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"},
        ("w.yaml", 1, 1, "`Widget/w`: no schema for `example.com/v1` `Widget`"),
    ),
    (
        "COMPOSE004",
        {
            "compose.yaml": "services:\n  app:\n    image: a:1\n    # scaffolder:ignore COMPOSE002\n    depends_on: [x]\n"
        },
        ("compose.yaml", 4, 5, "`scaffolder:ignore COMPOSE002` gives no reason"),
    ),
    (
        "K8S006",
        {
            "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  # scaffolder:ignore K8S001\n  name: x\n"
        },
        ("cm.yaml", 4, 3, "`scaffolder:ignore K8S001` gives no reason"),
    ),
    (
        "DOCKER003",
        {"Dockerfile": "# scaffolder:ignore DOCKER001\nFROM python:3.12.8-slim-bookworm\n"},
        ("Dockerfile", 1, 1, "`scaffolder:ignore DOCKER001` gives no reason"),
    ),
    (
        "K8S005",
        {"bad.yaml": "apiVersion: v1\nkind: ConfigMap\ndata: [1\n"},
        ("bad.yaml", 4, 1, "invalid YAML"),
    ),
]


@pytest.mark.parametrize(
    ("rule", "files", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_reports_exact_finding(
    tmp_path: Path, rule: str, files: dict[str, str], expected: tuple[str, int, int, str]
) -> None:
    if rule == "K8S002" and shutil.which("kubectl") is None:
        pytest.skip("kubectl not on PATH")
    report = validate([build_tree(tmp_path, files)], select=[rule])
    assert len(report.findings) == 1, report.findings
    finding = report.findings[0]
    path, line, column, message = expected
    assert (finding.rule, finding.path, finding.line, finding.column) == (rule, path, line, column)
    assert message in finding.message


def test_suppression_comment_on_the_line_above(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "services:\n  app:\n    image: a:1\n    depends_on:\n"
        "      # scaffolder:ignore COMPOSE002 the service comes from another file\n      - other\n"
    }
    assert validate([build_tree(tmp_path, files)]).findings == ()


def test_clean_snippets_give_no_findings(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "services:\n  app:\n    image: a:1\n    depends_on: [db]\n    volumes: [data:/d, ./src:/src]\n"
        "  db:\n    image: postgres:17.2-bookworm\nvolumes:\n  data:\n",
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: y\ndata:\n  a: b\n",
        "notes.yaml": "just: some config\n",
    }
    assert validate([build_tree(tmp_path, files)]).findings == ()


def test_every_rule_has_a_doc_page_and_every_page_a_rule() -> None:
    registry = default_registry()
    pages = {path.stem for path in docs_root().glob("*.md")}
    assert pages == {rule.id for rule in registry}
    for rule in registry:
        text = (docs_root() / f"{rule.id}.md").read_text()
        assert text.startswith(f"# {rule.id} {rule.name}\n")
        for heading in ("## Example", "## Why", "## How to fix"):
            assert heading in text, (rule.id, heading)


def test_registry_rejects_duplicates_and_unknown_ids() -> None:
    registry = default_registry()
    rule = next(iter(registry))
    with pytest.raises(ValueError, match="registered twice"):
        Registry([rule, rule])
    with pytest.raises(Exception, match="unknown rule `NOPE`"):
        registry.active(["NOPE"], None)


def test_without_kubectl_kustomization_resources_are_validated_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_which = shutil.which
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name, **kwargs: None if name == "kubectl" else real_which(name, **kwargs),
    )
    files = {
        "k/kustomization.yaml": "resources:\n  - svc.yaml\n",
        "k/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  portz: []\n",
        "k/patch.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  bad: 1\n",
    }
    report = validate([build_tree(tmp_path, files)])
    assert [(f.rule, f.path, f.line) for f in report.findings] == [
        ("K8S004", "k/kustomization.yaml", 1),
        ("K8S001", "k/svc.yaml", 6),
    ]
    assert "kubectl not found" in report.findings[0].message
    assert "'portz' was unexpected" in report.findings[1].message
