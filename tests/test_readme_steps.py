"""The README's steps, in order, need nothing that only a later step creates (``readme_steps``)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from . import readme_steps as rs
from .conftest import RUNTIMES, build_tree

NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: app
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: app:1
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef: {name: db, key: DATABASE_URL}
"""
KUSTOMIZATION = "resources:\n  - namespace.yaml\n  - deployment.yaml\n"
ROLE = (
    'resource "aws_iam_role" "ci" {\n  name               = "ci"\n  assume_role_policy = "{}"\n}\n'
)
ENTRY = """resource "aws_eks_access_entry" "ci" {
  cluster_name  = "c"
  principal_arn = "arn:aws:iam::123456789012:role/ci"
}
"""
POOL = """variable "project" {
  default = "p-1"
}

resource "google_container_cluster" "this" {
  name = "c"
  workload_identity_config {
    workload_pool = "${var.project}.svc.id.goog"
  }
}

resource "google_service_account_iam_member" "app" {
  service_account_id = "sa"
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project}.svc.id.goog[app/app]"
DEPENDS}
"""
SPACELIFT = """resource "spacelift_stack" "k8s" {
  name         = "k8s"
  project_root = "k8s"
  kubernetes {
    namespace = "app"
  }
}

resource "spacelift_stack" "infra" {
  name         = "infra"
  project_root = "a"
}

resource "spacelift_stack_dependency" "k8s" {
  stack_id            = spacelift_stack.k8s.id
  depends_on_stack_id = spacelift_stack.infra.id
}
"""


def _readme(*sections: tuple[str, str]) -> str:
    parts = ["# Project\n", "| `spacelift/` | the management stack |\n"]
    for number, (title, body) in enumerate(sections, 1):
        parts.append(f"## {number}. {title}\n\n{body}\n")
    return "\n".join(parts)


def _sh(*commands: str) -> str:
    return "```sh\n" + "\n".join(commands) + "\n```\n"


@pytest.fixture
def tools(make: str, kubectl: str) -> tuple[str, str]:
    return make, kubectl


def _problems(root: Path, tools: tuple[str, str]) -> list[str]:
    return rs.order_problems(rs.readme_steps(rs.Project(root, *tools)))


def _k8s_tree(tmp_path: Path, readme: str) -> Path:
    return build_tree(
        tmp_path,
        {
            "README.md": readme,
            "k8s/kustomization.yaml": KUSTOMIZATION,
            "k8s/namespace.yaml": NAMESPACE,
            "k8s/deployment.yaml": DEPLOYMENT,
        },
    )


def test_namespace_then_secret_then_deploy_passes(tmp_path: Path, tools: tuple[str, str]) -> None:
    readme = _readme(
        ("Namespace", _sh("kubectl create namespace app")),
        ("Secret", _sh("kubectl --namespace app create secret generic db --from-literal=A=b")),
        ("Deploy", _sh("kubectl apply --kustomize k8s")),
    )
    assert _problems(_k8s_tree(tmp_path, readme), tools) == []


def test_a_secret_before_its_namespace_fails(tmp_path: Path, tools: tuple[str, str]) -> None:
    readme = _readme(
        ("Secret", _sh("kubectl --namespace app create secret generic db --from-literal=A=b")),
        ("Deploy", _sh("kubectl apply -k k8s")),
    )
    assert _problems(_k8s_tree(tmp_path, readme), tools) == [
        "1. Secret: `kubectl --namespace app create secret generic db --from-literal=A=b` needs "
        "Namespace `app` in the local cluster (--namespace), which only 2. Deploy: "
        "`kubectl apply -k k8s` creates"
    ]


def test_a_deploy_before_its_secret_fails(tmp_path: Path, tools: tuple[str, str]) -> None:
    readme = _readme(
        ("Deploy", _sh("kubectl apply -k k8s")),
        ("Secret", _sh("kubectl -n app create secret generic db --from-literal=A=b")),
    )
    assert _problems(_k8s_tree(tmp_path, readme), tools) == [
        "1. Deploy: `kubectl apply -k k8s` needs Secret `app/db` in the local cluster "
        "(Deployment app), which only 2. Secret: "
        "`kubectl -n app create secret generic db --from-literal=A=b` creates"
    ]


def test_a_secret_in_another_cluster_than_the_deploy_fails(
    tmp_path: Path, tools: tuple[str, str]
) -> None:
    """The Secret lands in the cluster kubectl pointed at, which is not the cloud one yet."""
    readme = _readme(
        ("Secret", _sh("kubectl create namespace app", "kubectl -n app create secret generic db")),
        ("Cloud", _sh("gcloud container clusters get-credentials c", "kubectl apply -k k8s")),
    )
    assert _problems(_k8s_tree(tmp_path, readme), tools) == [
        "2. Cloud: `kubectl apply -k k8s` needs Secret `app/db` in the cloud cluster "
        "(Deployment app), which no step creates"
    ]


def test_a_secret_command_in_a_file_the_step_names_counts(
    tmp_path: Path, tools: tuple[str, str]
) -> None:
    commented = "# Create it first:\n#   kubectl --namespace app create secret generic db \\\n#     --from-literal=A=b\n"
    readme = _readme(
        ("Secret", "Create the Secret (the command is in `k8s/kustomization.yaml`)."),
        ("Deploy", _sh("kubectl apply -k k8s")),
    )
    root = _k8s_tree(tmp_path, readme)
    (root / "k8s/kustomization.yaml").write_text(commented + KUSTOMIZATION, encoding="utf-8")
    assert _problems(root, tools) == [
        "1. Secret: `k8s/kustomization.yaml: kubectl --namespace app create secret generic db "
        "--from-literal=A=b` needs Namespace `app` in the local cluster (--namespace), which only "
        "2. Deploy: `kubectl apply -k k8s` creates"
    ]


@pytest.mark.parametrize("order", ["role first", "entry first"])
def test_a_root_naming_a_role_another_root_creates_later_fails(
    tmp_path: Path, tools: tuple[str, str], order: str
) -> None:
    applies = [("Role", "make apply-b"), ("Entry", "terraform -chdir=a apply")]
    if order == "entry first":
        applies.reverse()
    root = build_tree(
        tmp_path,
        {
            "README.md": _readme(*[(title, _sh(command)) for title, command in applies]),
            "Makefile": "apply-b:\n\tterraform -chdir=b apply -auto-approve\n",
            "a/main.tf": ENTRY,
            "b/main.tf": ROLE,
        },
    )
    expected = (
        []
        if order == "role first"
        else [
            "1. Entry: `terraform -chdir=a apply` needs IAM role `ci` (a/main.tf:3), "
            "which only 2. Role: `make apply-b` creates"
        ]
    )
    assert _problems(root, tools) == expected


@pytest.mark.parametrize("order", ["bucket first", "init first"])
def test_init_before_its_state_bucket_fails(
    tmp_path: Path, tools: tuple[str, str], order: str
) -> None:
    commands = [
        ("Bucket", "make state-bucket"),
        ("Init", 'terraform -chdir=a init -backend-config="bucket=b-1" -backend-config="key=k"'),
    ]
    if order == "init first":
        commands.reverse()
    makefile = "BUCKET := b-1\nstate-bucket:\n\taws s3api create-bucket --bucket $(BUCKET)\n"
    root = build_tree(
        tmp_path,
        {
            "README.md": _readme(*[(title, _sh(command)) for title, command in commands]),
            "Makefile": makefile,
        },
    )
    expected = (
        []
        if order == "bucket first"
        else [
            '1. Init: `terraform -chdir=a init -backend-config="bucket=b-1" -backend-config="key=k"` '
            "needs state bucket `b-1` (-backend-config), which only 2. Bucket: "
            "`make state-bucket` creates"
        ]
    )
    assert _problems(root, tools) == expected


@pytest.mark.parametrize(
    ("depends", "expected"),
    [
        (
            "",
            [
                "1. Apply: `terraform -chdir=a apply`: a/main.tf:15 `google_service_account_iam_member.app` names what `google_container_cluster.this` creates without referencing it"
            ],
        ),
        ("  depends_on         = [google_container_cluster.this]\n", []),
    ],
    ids=["no reference", "depends_on"],
)
def test_a_binding_to_a_pool_its_root_creates_must_reference_it(
    tmp_path: Path, tools: tuple[str, str], depends: str, expected: list[str]
) -> None:
    root = build_tree(
        tmp_path,
        {
            "README.md": _readme(("Apply", _sh("terraform -chdir=a apply"))),
            "a/main.tf": POOL.replace("DEPENDS", depends),
        },
    )
    assert _problems(root, tools) == expected


def test_the_management_stack_runs_its_stacks_in_dependency_order(
    tmp_path: Path, tools: tuple[str, str]
) -> None:
    root = build_tree(
        tmp_path,
        {
            "README.md": _readme(("Spacelift", "`spacelift/` is the management stack.")),
            "spacelift/stacks.tf": SPACELIFT,
            "a/main.tf": ROLE,
            "k8s/kustomization.yaml": KUSTOMIZATION,
            "k8s/namespace.yaml": NAMESPACE,
            "k8s/deployment.yaml": DEPLOYMENT,
        },
    )
    steps = rs.readme_steps(rs.Project(root, *tools))
    assert [step.command for step in steps] == [
        "Spacelift applies spacelift/",
        "Spacelift stack `infra` applies a",
        "Spacelift stack `k8s` applies k8s",
    ]
    assert rs.Thing("IAM role", "ci") in steps[1].creates
    assert rs.Thing("Namespace", "app", "cloud") in steps[2].creates
    assert rs.order_problems(steps) == [
        "1. Spacelift: `Spacelift stack `k8s` applies k8s` needs Secret `app/db` in the cloud "
        "cluster (Deployment app), which no step creates"
    ]


@pytest.fixture(scope="module")
def projects(
    generated: Callable[[str, str], Path], tmp_path_factory: pytest.TempPathFactory, make: str
) -> Callable[[str, str], Path]:
    """A copy of a generated project after its README's first step, `make secrets`."""
    cache: dict[tuple[str, str], Path] = {}

    def copy(template: str, runtime: str) -> Path:
        if (template, runtime) not in cache:
            target = tmp_path_factory.mktemp(f"steps-{template}-{runtime}") / "project"
            shutil.copytree(generated(template, runtime), target)
            subprocess.run(
                [make, "secrets"], cwd=target, check=True, capture_output=True, timeout=60
            )
            cache[template, runtime] = target
        return cache[template, runtime]

    return copy


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("template", ["gke", "eks"])
def test_generated_readme_steps_in_order(
    projects: Callable[[str, str], Path], tools: tuple[str, str], template: str, runtime: str
) -> None:
    steps = rs.readme_steps(rs.Project(projects(template, runtime), *tools))
    assert rs.order_problems(steps) == []


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("template", ["gke", "eks"])
def test_generated_readme_steps_are_found(
    projects: Callable[[str, str], Path], tools: tuple[str, str], template: str, runtime: str
) -> None:
    """The walk reaches every stage: cloud infra, the management root and both stacks."""
    steps = rs.readme_steps(rs.Project(projects(template, runtime), *tools))
    commands = [step.command for step in steps]
    assert commands.index("make state-bucket") < commands.index("make infra-init")
    assert "make infra-apply" in commands
    assert "Spacelift applies spacelift/" in commands
    stacks = [c for c in commands if c.startswith("Spacelift stack")]
    assert stacks == [
        "Spacelift stack `infra` applies infra",
        f"Spacelift stack `k8s` applies k8s/overlays/{template}",
    ]
    deployed = steps[commands.index(stacks[1])]
    assert rs.Thing("Namespace", "my-service", "cloud") in deployed.creates
