"""What every template promises, whatever it deploys to: each test runs for every template.

The templates are enumerated with :func:`scaffolder.list_templates`, so a new template is covered
here without naming it. What only one template or the cloud templates do lives in
``test_docker_dev.py`` and ``test_cloud_templates.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from scaffolder.templates import get_template, list_templates
from scaffolder.validation import validate

from .conftest import RUNTIMES

Generated = Callable[[str, str], Path]
TEMPLATES = [template.name for template in list_templates()]
CASES = [(template, runtime) for template in TEMPLATES for runtime in RUNTIMES]


def _values(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of a ``.env``-style file."""
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _targets(makefile: Path) -> set[str]:
    return {
        line.split(":", 1)[0]
        for line in makefile.read_text().splitlines()
        if line and not line[0].isspace() and ":" in line and "=" not in line.split(":", 1)[0]
    }


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_only_choice_is_the_runtime(name: str) -> None:
    # Tests render every runtime of every template; another choice would multiply the cases.
    assert get_template(name).choices == {"app_runtime": list(RUNTIMES)}


@pytest.mark.parametrize(("name", "runtime"), CASES)
def test_renders_records_its_answers_and_validates_clean(
    generated: Generated, name: str, runtime: str
) -> None:
    project = generated(name, runtime)
    record = json.loads((project / ".scaffolder.json").read_text())
    assert record["template"] == name
    assert record["template_version"] == get_template(name).version
    assert record["answers"]["app_runtime"] == runtime
    # No shared file renders to nothing: a platform's own files live in its own parts.
    for path in project.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".yml", ".tf", ".md", ".json"}:
            assert path.read_text().strip(), path
    report = validate([project], cache=False)
    assert report.findings == ()
    assert report.files >= 15


@pytest.mark.parametrize("name", TEMPLATES)
def test_local_secrets_are_git_ignored_and_nowhere_else(generated: Generated, name: str) -> None:
    project = generated(name, "python")
    secrets = set(get_template(name).private["_local_secrets"])
    assert secrets <= set((project / ".gitignore").read_text().splitlines())
    passwords = {_values(project / secret)["POSTGRES_PASSWORD"] for secret in secrets}
    assert len(passwords) == len(secrets) and all(len(p) == 48 for p in passwords)
    for path in project.rglob("*"):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and relative not in secrets:
            text = path.read_text(errors="ignore")
            assert not any(password in text for password in passwords), relative
            assert "BEGIN PRIVATE KEY" not in text, relative
            assert not re.search(r"AKIA[0-9A-Z]{16}", text), relative


@pytest.mark.parametrize("name", TEMPLATES)
def test_makefile_creates_missing_local_secrets_once(
    generated: Generated, name: str, tmp_path: Path, make: str
) -> None:
    project = shutil.copytree(generated(name, "node"), tmp_path / "project")
    compose_env, cluster_env = get_template(name).private["_local_secrets"]
    for secret in (compose_env, cluster_env):
        (project / secret).unlink()
    subprocess.run([make, "--silent", "secrets"], cwd=project, check=True, capture_output=True)
    cluster = _values(project / cluster_env)
    assert len(cluster["POSTGRES_PASSWORD"]) == 48
    assert (
        cluster["DATABASE_URL"]
        == f"postgresql://app:{cluster['POSTGRES_PASSWORD']}@my-service-postgres:5432/app"
    )
    compose = _values(project / compose_env)
    assert len(compose["POSTGRES_PASSWORD"]) == 48
    assert compose["POSTGRES_PASSWORD"] != cluster["POSTGRES_PASSWORD"]
    first = (project / compose_env).read_bytes()
    subprocess.run([make, "--silent", "secrets"], cwd=project, check=True, capture_output=True)
    assert (project / compose_env).read_bytes() == first


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_make_command_the_readme_teaches_exists_and_runs_dry(
    generated: Generated, name: str, make: str
) -> None:
    project = generated(name, "python")
    readme = (project / "README.md").read_text()
    used = set(re.findall(r"\bmake ([a-z0-9][a-z0-9-]*)", readme))
    assert {"up", "down", "test", "lint", "k8s-local", "k8s-delete"} <= used
    targets = _targets(project / "Makefile")
    assert used <= targets, used - targets
    for target in sorted(used):
        dry = subprocess.run(
            [make, "--dry-run", target], cwd=project, capture_output=True, text=True, check=False
        )
        assert dry.returncode == 0, (target, dry.stderr)


@pytest.mark.parametrize("name", TEMPLATES)
def test_ci_runs_the_makefile_tests_and_builds_the_image(generated: Generated, name: str) -> None:
    project = generated(name, "python")
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "lint", "validate", "image"}
    assert {"run": "make test"} in jobs["test"]["steps"]
    # CI lints with the Makefile's own target, which creates the compose file's env file first.
    assert {"run": "make lint"} in jobs["lint"]["steps"]
    assert jobs["image"]["needs"] == ["test", "lint", "validate"]


@pytest.mark.parametrize(("name", "runtime"), CASES)
def test_local_overlay_renders_and_passes_strict_schemas(
    generated: Generated, name: str, runtime: str, kubectl: str
) -> None:
    import kubernetes_validate

    result = subprocess.run(
        [kubectl, "kustomize", str(generated(name, runtime) / "k8s" / "overlays" / "local")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    kinds = sorted(str(obj["kind"]) for obj in objects)
    assert kinds == sorted(
        [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Namespace",
            "NetworkPolicy",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Secret",
            "Service",
            "Service",
            "ServiceAccount",
            "StatefulSet",
        ]
    )
    for obj in objects:
        kubernetes_validate.validate(obj, "1.33", strict=True)
    deployment = next(obj for obj in objects if obj["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert deployment["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsUser"] >= 10000
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    secret = next(obj for obj in objects if obj["kind"] == "Secret")
    # kustomize rewrote the reference to the generated, hash-suffixed Secret.
    ref = container["env"][0]["valueFrom"]["secretKeyRef"]["name"]
    assert ref == secret["metadata"]["name"] and ref.startswith("my-service-database-")
    namespace = next(obj for obj in objects if obj["kind"] == "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
