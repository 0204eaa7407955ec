"""Dev/prod parity: breaking one fact in a generated project gives exactly the right finding."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.templates import list_templates
from scaffolder.validation import validate
from scaffolder.validation.domain import rules_of
from scaffolder.validation.parity import DOMAIN
from scaffolder.validation.parity.pairs import image_name

RULES = rules_of(DOMAIN)

IDS = [rule.id for rule in RULES]
Rendered = Callable[[str], Path]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    cache: dict[str, Path] = {}

    def render(template: str) -> Path:
        if template not in cache:
            cache[template] = generate(template, tmp_path_factory.mktemp(template), answers={})
        return cache[template]

    return render


# (template, file, old, new, rule, path, line, message)
BREAKS = [
    (
        "docker-dev",
        "k8s/base/deployment.yaml",
        "image: my-service:0.1.0",
        "image: my-api:0.1.0",
        "PAR001",
        "compose.yaml",
        9,
        "builds image `my-service`, but no Kubernetes workload runs it",
    ),
    (
        "docker-dev",
        "k8s/base/deployment.yaml",
        "containerPort: 8000",
        "containerPort: 9000",
        "PAR002",
        "compose.yaml",
        19,
        "listens on 8000, but `Deployment/my-service` declares containerPort 9000 (k8s/base/deployment.yaml:49)",
    ),
    (
        "gke",
        "app/Dockerfile",
        "EXPOSE 8000",
        "EXPOSE 8080",
        "PAR002",
        "app/Dockerfile",
        28,
        "EXPOSE 8080 disagrees with containerPort 8000",
    ),
    (
        "gke",
        "k8s/base/deployment.yaml",
        "path: /healthz",
        "path: /livez",
        "PAR003",
        "app/compose.yaml",
        31,
        "checks `/healthz`, but the probes of `Deployment/my-service` use `/livez`, `/readyz`",
    ),
    (
        "eks",
        "k8s/base/configmap.yaml",
        '  PORT: "8000"\n',
        "",
        "PAR004",
        "app/compose.yaml",
        14,
        "sets `PORT`, which `Deployment/my-service` does not get",
    ),
]


@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_generated_projects_are_at_parity(project: Rendered, template: str) -> None:
    assert validate([project(template)], select=IDS, cache=False).findings == ()


@pytest.mark.parametrize(
    ("template", "file", "old", "new", "rule", "path", "line", "message"),
    BREAKS,
    ids=[f"{b[4]}-{b[0]}" for b in BREAKS],
)
def test_breaking_one_fact_names_both_places(
    project: Rendered,
    tmp_path: Path,
    template: str,
    file: str,
    old: str,
    new: str,
    rule: str,
    path: str,
    line: int,
    message: str,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(project(template), copy)
    target = copy / file
    text = target.read_text()
    assert text.count(old) == 1, old
    target.write_text(text.replace(old, new))
    found = [f for f in validate([copy], select=IDS, cache=False).findings if f.rule == rule]
    # A changed containerPort also disagrees with EXPOSE: both places are reported then.
    at = [f for f in found if (f.path, f.line) == (path, line)]
    assert len(at) == 1 and len(found) <= 2, found
    assert message in at[0].message


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("my-service:0.1.0", "my-service"),
        ("europe-west1-docker.pkg.dev/p/repo/my-service:0.1.0", "my-service"),
        ("123.dkr.ecr.eu-west-1.amazonaws.com/my-service@sha256:" + "a" * 64, "my-service"),
        ("localhost:5000/app", "app"),
    ],
)
def test_image_names_ignore_registry_and_tag(image: str, name: str) -> None:
    assert image_name(image) == name


def test_without_kubernetes_manifests_nothing_is_compared(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    build: .\n    image: a:1\n")
    (tmp_path / "Dockerfile").write_text("FROM a:1\n")
    assert validate([tmp_path], select=IDS, cache=False).findings == ()
