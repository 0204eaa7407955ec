"""The gke template: renders for every choice, validates, passes checkov, and its wiring agrees."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from scaffolder.generation import generate
from scaffolder.templates import get_template
from scaffolder.validation import validate
from scaffolder.validation.terraform.hcl import parse
from scaffolder.validation.terraform.syntax import Block, HclFile, Template, string_value

from .conftest import RUNTIMES

Rendered = Callable[[str], Path]
CHOICES = get_template("gke").choices


@pytest.fixture(scope="module")
def gke(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    cache: dict[str, Path] = {}

    def render(runtime: str) -> Path:
        if runtime not in cache:
            out = tmp_path_factory.mktemp(f"gke-{runtime}")
            cache[runtime] = generate("gke", out, answers={"app_runtime": runtime})
        return cache[runtime]

    return render


def _hcl(directory: Path) -> list[HclFile]:
    return [parse(path.read_text(), path.name) for path in sorted(directory.glob("*.tf"))]


def _blocks(files: list[HclFile], kind: str, label: str | None = None) -> list[Block]:
    return [
        block
        for hcl in files
        for block in hcl.blocks(kind)
        if label is None or block.label(0) == label
    ]


def test_choice_answers_cover_every_combination() -> None:
    assert {"app_runtime": list(RUNTIMES)} == CHOICES
    combinations = list(itertools.product(*CHOICES.values()))
    assert len(combinations) == len(RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_renders_the_documented_layout(gke: Rendered, runtime: str) -> None:
    project = gke(runtime)
    for path in [
        "app/Dockerfile",
        "app/compose.yaml",
        "infra/versions.tf",
        "infra/backend.tf",
        "infra/outputs.tf",
        "k8s/base/kustomization.yaml",
        "k8s/overlays/local/kustomization.yaml",
        "k8s/overlays/gke/kustomization.yaml",
        "spacelift/stacks.tf",
        ".spacelift/config.yml",
        "README.md",
        "Makefile",
        ".gitignore",
        ".editorconfig",
        ".pre-commit-config.yaml",
        ".github/workflows/ci.yml",
    ]:
        assert (project / path).is_file(), path
    record = json.loads((project / ".scaffolder.json").read_text())
    assert record["template"] == "gke"
    assert record["answers"]["app_runtime"] == runtime


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_scaffolder_validate_reports_nothing(gke: Rendered, runtime: str) -> None:
    report = validate([gke(runtime)], cache=False)
    assert report.findings == ()
    assert report.files >= 35


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_terraform_is_canonical(gke: Rendered, runtime: str) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform not on PATH: `terraform fmt` not run")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(gke(runtime))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_gke_overlay_renders_and_wires_production(gke: Rendered, kubectl: str) -> None:
    project = gke("python")
    result = subprocess.run(
        [kubectl, "kustomize", str(project / "k8s" / "overlays" / "gke")],
        capture_output=True,
        text=True,
        check=True,
    )
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(result.stdout)}
    deployment = objects[("Deployment", "my-service")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == (
        "europe-west1-docker.pkg.dev/my-gcp-project/my-service/my-service:0.1.0"
    )
    assert deployment["spec"]["replicas"] == 3
    assert objects[("HorizontalPodAutoscaler", "my-service")]["spec"]["minReplicas"] == 3
    assert objects[("PodDisruptionBudget", "my-service")]["spec"]["minAvailable"] == 2
    account = objects[("ServiceAccount", "my-service")]["metadata"]["annotations"]
    assert account["iam.gke.io/gcp-service-account"] == (
        "my-service-app@my-gcp-project.iam.gserviceaccount.com"
    )
    ingress = objects[("Ingress", "my-service")]
    assert ingress["metadata"]["annotations"]["kubernetes.io/ingress.global-static-ip-name"] == (
        "my-service-ingress"
    )
    # No database in the cluster: the app reads DATABASE_URL from a Secret made out of band.
    assert ("StatefulSet", "my-service-postgres") not in objects
    assert not any(kind == "Secret" for kind, _ in objects)
    env = {item["name"]: item for item in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "my-service-database"


def test_spacelift_wiring_agrees_across_files(gke: Rendered) -> None:
    """Slugs, project roots, outputs and inputs agree in spacelift/, config.yml, infra/, hooks."""
    project = gke("python")
    management = _hcl(project / "spacelift")
    infra = _hcl(project / "infra")
    config = yaml.safe_load((project / ".spacelift" / "config.yml").read_text())
    assert config["version"] == "2"

    stacks = {}
    for block in _blocks(management, "resource", "spacelift_stack"):
        attrs = block.attributes
        slug = string_value(attrs["slug"].value)
        root = string_value(attrs["project_root"].value)
        assert slug and root, block.label(1)
        stacks[block.label(1)] = (slug, root)
    assert stacks == {
        "infra": ("my-service-infra", "infra"),
        "k8s": ("my-service-k8s", "k8s/overlays/gke"),
    }
    # Every stack slug has its config.yml entry with the same project root, and vice versa
    # (plus the hand-made management stack that runs spacelift/).
    expected = {slug: root for slug, root in stacks.values()} | {
        "my-service-management": "spacelift"
    }
    assert {slug: entry["project_root"] for slug, entry in config["stacks"].items()} == expected
    for root in expected.values():
        assert (project / root).is_dir(), root

    (dependency,) = _blocks(management, "resource", "spacelift_stack_dependency")
    assert str(dependency.attributes["stack_id"].value) != str(
        dependency.attributes["depends_on_stack_id"].value
    )
    text = (project / "spacelift" / "stacks.tf").read_text()
    assert "stack_id            = spacelift_stack.k8s.id" in text
    assert "depends_on_stack_id = spacelift_stack.infra.id" in text

    # Every referenced output is an output of infra/, and every input is used by a k8s hook.
    inputs_local = re.search(r"k8s_inputs = \{(.*?)\n  \}", text, re.S)
    assert inputs_local is not None
    references = dict(re.findall(r'(\w+)\s*=\s*"([A-Z_]+)"', inputs_local.group(1)))
    outputs = {block.label(0) for block in _blocks(infra, "output")}
    assert set(references) <= outputs, set(references) - outputs
    assert {"cluster_name", "cluster_location", "project_id", "registry_url"} <= set(references)
    hooks = " ".join(config["stacks"]["my-service-k8s"]["before_init"])
    for input_name in references.values():
        assert f"${input_name}" in hooks, input_name
    used = set(re.findall(r"\$([A-Z_]+)", hooks))
    assert used <= set(references.values()), used - set(references.values())

    # The image the overlay deploys is in the registry infra's registry_url output names.
    kustomization = yaml.safe_load((project / "k8s/overlays/gke/kustomization.yaml").read_text())
    (image,) = kustomization["images"]
    registry_output = next(b for b in _blocks(infra, "output") if b.label(0) == "registry_url")
    assert isinstance(registry_output.attributes["value"].value, Template)
    tfvars = dict(
        re.findall(
            r'^(\w+)\s*=\s*"([^"]*)"', (project / "infra/terraform.tfvars").read_text(), re.M
        )
    )
    registry = f"{tfvars['region']}-docker.pkg.dev/{tfvars['project_id']}/{tfvars['name']}"
    assert image["newName"] == f"{registry}/my-service"
    # The Kubernetes stack's namespace is the app's namespace.
    assert 'namespace       = "my-service"' in text
    assert tfvars["app_namespace"] == kustomization["namespace"] == "my-service"


def test_destructors_tear_down_workloads_before_the_cluster(gke: Rendered) -> None:
    management = _hcl(gke("python") / "spacelift")
    destructors = {
        b.label(1): b for b in _blocks(management, "resource", "spacelift_stack_destructor")
    }
    assert set(destructors) == {"infra", "k8s"}
    text = (gke("python") / "spacelift" / "destructors.tf").read_text()
    k8s_block = text[text.index('"spacelift_stack_destructor" "k8s"') :]
    # Terraform destroys dependents first: the k8s destructor depends on the infra one.
    assert "spacelift_stack_destructor.infra" in k8s_block
    # Rights come from a role attachment; the deprecated `administrative` flag is never set.
    for stack in _blocks(management, "resource", "spacelift_stack"):
        assert "administrative" not in stack.attributes
    assert _blocks(management, "resource", "spacelift_role_attachment")


def test_checkov_has_zero_failures_and_every_skip_has_a_reason(
    gke: Rendered, checkov: str, tmp_path: Path
) -> None:
    both = tmp_path / "both"
    for runtime in RUNTIMES:
        shutil.copytree(gke(runtime), both / runtime, ignore=shutil.ignore_patterns(".env"))
    result = subprocess.run(
        [
            checkov,
            "--directory",
            str(both),
            "--framework",
            "terraform,kubernetes,dockerfile",
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert {r["check_type"] for r in reports} == {"terraform", "kubernetes", "dockerfile"}
    skipped = set()
    for report in reports:
        assert report["results"]["failed_checks"] == [], [
            (c["check_id"], c["file_path"]) for c in report["results"]["failed_checks"]
        ]
        assert report["summary"]["passed"] > 0
        for check in report["results"]["skipped_checks"]:
            skipped.add(check["check_id"])
            assert len(check["check_result"].get("suppress_comment") or "") > 40, check
    assert skipped == {
        "CKV_GCP_12",
        "CKV_GCP_41",
        "CKV_GCP_49",
        "CKV_GCP_65",
        "CKV_GCP_84",
        "CKV_K8S_35",
        "CKV_K8S_43",
    }


def test_no_credentials_in_generated_files(gke: Rendered) -> None:
    project = gke("python")
    secrets = {"app/.env", "k8s/overlays/local/postgres.env"}
    ignored = (project / ".gitignore").read_text().splitlines()
    assert secrets <= set(ignored)
    password = next(
        line.split("=", 1)[1]
        for line in (project / "app/.env").read_text().splitlines()
        if line.startswith("POSTGRES_PASSWORD=")
    )
    for path in project.rglob("*"):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and relative not in secrets:
            text = path.read_text(errors="ignore")
            assert password not in text, relative
            assert "BEGIN PRIVATE KEY" not in text and "private_key" not in text, relative


def test_readme_teaches_the_path_with_real_commands(gke: Rendered) -> None:
    project = gke("python")
    readme = (project / "README.md").read_text()
    makefile = (project / "Makefile").read_text()
    targets = {
        line.split(":", 1)[0]
        for line in makefile.splitlines()
        if line and not line[0].isspace() and ":" in line and "=" not in line.split(":", 1)[0]
    }
    used = re.findall(r"^make ([a-z0-9-]+)", readme, re.M)
    # The path, in order: compose, local Kubernetes, state bucket, infra, image, Spacelift.
    assert used[:2] == ["secrets", "up"]
    order = [
        used.index(t) for t in ("up", "k8s-local", "state-bucket", "infra-apply", "image-push")
    ]
    assert order == sorted(order)
    assert readme.index("make image-push") < readme.index("## 5. Hand it to Spacelift")
    assert set(used) <= targets, set(used) - targets
    make = shutil.which("make")
    if make is None:
        pytest.skip("make not on PATH")
    for target in sorted(set(used)):
        dry = subprocess.run(
            [make, "--dry-run", target], cwd=project, capture_output=True, text=True, check=False
        )
        assert dry.returncode == 0, (target, dry.stderr)
    # The terraform commands the Makefile runs are the ones infra/backend.tf documents.
    backend = (project / "infra/backend.tf").read_text()
    assert "prefix=my-service/infra" in backend and "prefix=my-service/infra" in makefile


@pytest.mark.parametrize(
    ("answer", "field", "rule"),
    [
        ("gcp_project_id=Bad_Project", "gcp_project_id", "must be a GCP project id"),
        ("region=mars-north1", "region", "must be a GCP region"),
        ("network_cidr=8.8.0.0/16", "network_cidr", "must be a private IPv4 range"),
        ("network_cidr=10.0.0.0/24", "network_cidr", "must have a prefix from /8 to /16"),
        ("node_min_count=5", "node_min_count", "must not be larger than node_max_count (3)"),
        ("node_max_count=0", "node_max_count", "must be an integer from 1"),
        ("node_machine_type=huge", "node_machine_type", "must be a GCP machine type"),
        ("branch=bad..branch", "branch", "must be a git branch name"),
    ],
)
def test_bad_answers_name_the_field_exit_2_and_write_nothing(
    run_cli, tmp_path: Path, answer: str, field: str, rule: str
) -> None:
    result = run_cli("new", "gke", "--no-input", "--set", answer, "-o", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert f"`{field}` {rule}" in result.stderr
    assert list(tmp_path.iterdir()) == []
