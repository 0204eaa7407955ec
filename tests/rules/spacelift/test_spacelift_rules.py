"""Spacelift rules: table tests on small repositories, and breaking each fact in generated ones."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.validation import validate
from scaffolder.validation.domain import rules_of
from scaffolder.validation.spacelift import DOMAIN

from ...conftest import build_tree

RULES = rules_of(DOMAIN)

SL = [rule.id for rule in RULES]

STACKS = """
locals {
  inputs = {
    cluster_name = "CLUSTER_NAME"
  }
}

resource "spacelift_stack" "infra" {
  name         = "app-infra"
  slug         = "app-infra"
  repository   = "app"
  branch       = "main"
  project_root = "infra"
}

resource "spacelift_stack" "k8s" {
  name         = "app-k8s"
  slug         = "app-k8s"
  repository   = "app"
  branch       = "main"
  project_root = "k8s"

  kubernetes {
    namespace = "app"
  }
}

resource "spacelift_stack" "app" {
  name         = "app-tf"
  slug         = "app-tf"
  repository   = "app"
  branch       = "main"
  project_root = "app"
}

resource "spacelift_stack_dependency" "k8s_on_infra" {
  stack_id            = spacelift_stack.k8s.id
  depends_on_stack_id = spacelift_stack.infra.id
}

resource "spacelift_stack_dependency" "app_on_infra" {
  stack_id            = spacelift_stack.app.id
  depends_on_stack_id = spacelift_stack.infra.id
}

resource "spacelift_stack_dependency_reference" "k8s" {
  for_each = local.inputs

  stack_dependency_id = spacelift_stack_dependency.k8s_on_infra.id
  output_name         = each.key
  input_name          = each.value
}

resource "spacelift_stack_dependency_reference" "app" {
  stack_dependency_id = spacelift_stack_dependency.app_on_infra.id
  output_name         = "cluster_name"
  input_name          = "TF_VAR_cluster"
}
"""
CONFIG = """version: "2"
stacks:
  app-infra:
    project_root: infra
  app-k8s:
    project_root: k8s
    before_init:
      - echo "$CLUSTER_NAME"
  app-tf:
    project_root: app
  app-management:
    project_root: spacelift
"""
BASE = {
    "spacelift/stacks.tf": STACKS,
    ".spacelift/config.yml": CONFIG,
    "infra/outputs.tf": 'output "cluster_name" {\n  value = "x"\n}\n',
    "app/variables.tf": 'variable "cluster" {\n  type = string\n}\n',
    "k8s/kustomization.yaml": "resources: []\n",
}


POLICY = """
resource "spacelift_policy" "plan" {
  name = "app-plan"
  type = "PLAN"
  body = file("${path.module}/policies/plan.rego")
}

resource "spacelift_policy_attachment" "infra" {
  policy_id = spacelift_policy.plan.id
  stack_id  = spacelift_stack.infra.id
}
"""
PLAIN_POLICY = """package spacelift

# Compares a plan value with a literal.
deny contains sprintf("%s is open", [change.address]) if {
  some change in input.terraform.resource_changes
  change.type == "aws_security_group_rule"
  change.change.after.type == "ingress"
}
"""


def _run(tmp_path: Path, changes: dict[str, str | None]) -> list[tuple[str, str, int, int, str]]:
    files = {**BASE, **changes}
    build_tree(tmp_path, {k: v for k, v in files.items() if v is not None})
    report = validate([tmp_path], select=SL, cache=False, jobs=1)
    return [(f.rule, f.path, f.line, f.column, f.message) for f in report.findings]


def test_the_base_repository_is_clean(tmp_path: Path) -> None:
    assert _run(tmp_path, {}) == []


FIRING = [
    (
        "SL108",
        {
            ".spacelift/config.yml": CONFIG.replace(
                "project_root: app\n  app-management", "project_root: k8s\n  app-management"
            )
        },
        (".spacelift/config.yml", 10, 19, "`app-tf` has project_root `k8s` here but `app`"),
    ),
    (
        "SL001",
        {".spacelift/config.yml": "stacks: [\n"},
        (".spacelift/config.yml", 2, 1, "invalid YAML"),
    ),
    (
        "SL002",
        {".spacelift/config.yml": CONFIG.replace("    before_init:", "    before_int:")},
        (".spacelift/config.yml", 7, 5, "unknown stack setting `stacks.app-k8s.before_int`"),
    ),
    (
        "SL002",
        {".spacelift/config.yml": "stack:\n  a: {}\n" + CONFIG},
        (".spacelift/config.yml", 1, 1, "unknown top-level key `stack`"),
    ),
    (
        "SL003",
        {
            ".spacelift/config.yml": CONFIG.replace(
                '    before_init:\n      - echo "$CLUSTER_NAME"',
                "    before_init: echo $CLUSTER_NAME",
            )
        },
        (
            ".spacelift/config.yml",
            7,
            18,
            "`stacks.app-k8s.before_init` must be a list of command strings",
        ),
    ),
    (
        "SL004",
        {
            ".spacelift/config.yml": CONFIG.replace(
                "project_root: infra", "project_root: infrastructure"
            )
        },
        (
            ".spacelift/config.yml",
            4,
            19,
            "`stacks.app-infra.project_root` `infrastructure` is not a directory",
        ),
    ),
    (
        "SL101",
        {
            "spacelift/stacks.tf": STACKS.replace(
                'depends_on_stack_id = spacelift_stack.infra.id\n}\n\nresource "spacelift_stack_dependency" "app_on_infra"',
                'depends_on_stack_id = "app-nope"\n}\n\nresource "spacelift_stack_dependency" "app_on_infra"',
            )
        },
        (
            "spacelift/stacks.tf",
            38,
            25,
            "depends_on_stack_id names `app-nope`, which no spacelift_stack here declares",
        ),
    ),
    (
        "SL102",
        {
            "spacelift/stacks.tf": STACKS
            + '\nresource "spacelift_stack_dependency" "infra_on_app" {\n  stack_id            = spacelift_stack.infra.id\n  depends_on_stack_id = spacelift_stack.app.id\n}\n'
        },
        (
            "spacelift/stacks.tf",
            8,
            1,
            "stack dependencies form a cycle: `app-infra` → `app-tf` → `app-infra`",
        ),
    ),
    (
        "SL103",
        {
            "spacelift/stacks.tf": STACKS.replace(
                'output_name         = "cluster_name"', 'output_name         = "cluster_id"'
            )
        },
        ("spacelift/stacks.tf", 56, 3, "`app-infra` has no output `cluster_id` in `infra`"),
    ),
    (
        "SL104",
        {"app/variables.tf": 'variable "cluster_id" {\n  type = string\n}\n'},
        (
            "spacelift/stacks.tf",
            57,
            3,
            "`app-tf` has no variable `cluster` for input `TF_VAR_cluster`",
        ),
    ),
    (
        "SL104",
        {".spacelift/config.yml": CONFIG.replace('echo "$CLUSTER_NAME"', "echo hello")},
        (
            "spacelift/stacks.tf",
            51,
            3,
            "input `CLUSTER_NAME` of `app-k8s` is used by none of its hooks",
        ),
    ),
    (
        "SL105",
        {".spacelift/config.yml": CONFIG.replace("  app-tf:\n    project_root: app\n", "")},
        ("spacelift/stacks.tf", 28, 1, "stack `app-tf` has no entry under `stacks`"),
    ),
    (
        "SL106",
        {".spacelift/config.yml": CONFIG + "  app-old:\n    project_root: app\n"},
        (
            ".spacelift/config.yml",
            13,
            3,
            "config.yml configures `app-old`, which no spacelift_stack here creates",
        ),
    ),
    (
        "SL107",
        {
            "spacelift/stacks.tf": STACKS.replace(
                'depends_on_stack_id = spacelift_stack.infra.id\n}\n\nresource "spacelift_stack_dependency" "app_on_infra"',
                'depends_on_stack_id = spacelift_stack.infra.id\n}\n\nresource "spacelift_stack_dependency" "app_on_infra"',
            ).replace(
                "stack_id            = spacelift_stack.app.id\n  depends_on_stack_id = spacelift_stack.infra.id",
                "stack_id            = spacelift_stack.app.id\n  depends_on_stack_id = spacelift_stack.k8s.id",
            )
        },
        (
            "spacelift/stacks.tf",
            56,
            3,
            "`app-k8s` is a Kubernetes stack: it has no output `cluster_name`",
        ),
    ),
    (
        "SL109",
        {"spacelift/policies.tf": POLICY, "spacelift/policies/plan.rego": PLAIN_POLICY},
        (
            "spacelift/stacks.tf",
            8,
            1,
            "`app-infra` runs plan policy `spacelift_policy.plan`, which compares plan values "
            'as text (`== "ingress"` at spacelift/policies/plan.rego:7), but the stack\'s '
            "default sanitization hashes every string: set `terraform_smart_sanitization = true`",
        ),
    ),
]


@pytest.mark.parametrize(
    ("rule", "changes", "expected"), FIRING, ids=[c[0] + f"-{i}" for i, c in enumerate(FIRING)]
)
def test_rule_fires_at_the_place(
    tmp_path: Path, rule: str, changes: dict[str, str], expected: tuple[str, int, int, str]
) -> None:
    found = [f for f in _run(tmp_path, changes) if f[0] == rule]
    assert len(found) == 1, _run(tmp_path, changes)
    _, path, line, column, message = found[0]
    assert (path, line, column) == expected[:3], found
    assert expected[3] in message


SMART = STACKS.replace(
    'project_root = "infra"\n}',
    'project_root = "infra"\n\n  terraform_smart_sanitization = true\n}',
)
QUIET = [
    ("smart sanitization", {"spacelift/stacks.tf": SMART}),
    (
        "sanitization off by label",
        {
            "spacelift/stacks.tf": STACKS.replace(
                'project_root = "infra"\n}',
                'project_root = "infra"\n  labels       = local.labels\n}',
            ).replace(
                "locals {\n",
                'locals {\n  labels = ["feature:disable_resource_sanitization"]\n',
            )
        },
    ),
    (
        "compares through sanitized()",
        {"spacelift/policies/plan.rego": PLAIN_POLICY.replace('"ingress"', 'sanitized("ingress")')},
    ),
    (
        "reads no plan values",
        {
            "spacelift/policies/plan.rego": 'package spacelift\n\nwarn contains "x" if {\n  some change in input.terraform.resource_changes\n  change.type == "aws_iam_user"\n}\n'
        },
    ),
    (
        "a native OpenTofu stack (smart by default)",
        {
            "spacelift/stacks.tf": STACKS.replace(
                'project_root = "infra"\n}',
                'project_root = "infra"\n\n  opentofu {\n    version = "1.10.6"\n  }\n}',
            )
        },
    ),
    (
        "not a plan policy",
        {"spacelift/policies.tf": POLICY.replace('type = "PLAN"', 'type = "TRIGGER"')},
    ),
]


@pytest.mark.parametrize(("case", "changes"), QUIET, ids=[case for case, _ in QUIET])
def test_plan_policy_on_a_stack_that_shows_plain_values_is_fine(
    tmp_path: Path, case: str, changes: dict[str, str]
) -> None:
    files = {"spacelift/policies.tf": POLICY, "spacelift/policies/plan.rego": PLAIN_POLICY}
    assert [f for f in _run(tmp_path, {**files, **changes}) if f[0] == "SL109"] == []


def test_every_spacelift_rule_has_a_firing_case() -> None:
    assert {case[0] for case in FIRING} == set(SL)


Rendered = Callable[[str], Path]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    cache: dict[str, Path] = {}

    def render(cloud: str) -> Path:
        if cloud not in cache:
            cache[cloud] = generate(cloud, tmp_path_factory.mktemp(cloud), answers={})
        return cache[cloud]

    return render


BREAKS = [
    # (cloud, file, old, new, rule, message)
    (
        "gke",
        "infra/outputs.tf",
        'output "registry_url"',
        'output "registry"',
        "SL103",
        "has no output `registry_url`",
    ),
    (
        "eks",
        "infra/outputs.tf",
        'output "region"',
        'output "aws_region"',
        "SL103",
        "has no output `region`",
    ),
    (
        "gke",
        ".spacelift/config.yml",
        '--location "$CLUSTER_LOCATION"',
        "--location europe-west1",
        "SL104",
        "input `CLUSTER_LOCATION`",
    ),
    (
        "eks",
        ".spacelift/config.yml",
        "  my-service-k8s:",
        "  my-service-kube:",
        "SL105",
        "stack `my-service-k8s` has no entry",
    ),
    (
        "gke",
        "spacelift/stacks.tf",
        'project_root = "infra"',
        'project_root = "infrastructure"',
        "SL004",
        "project_root `infrastructure` is not a directory",
    ),
    (
        "eks",
        "spacelift/stacks.tf",
        'project_root = "infra"',
        'project_root = "app"',
        "SL108",
        "has project_root `infra` here but `app`",
    ),
    (
        "eks",
        ".spacelift/config.yml",
        "project_root: infra",
        "project_root: infrastructure",
        "SL004",
        "is not a directory",
    ),
    (
        "gke",
        "spacelift/stacks.tf",
        "terraform_smart_sanitization = true",
        "terraform_smart_sanitization = false",
        "SL109",
        "`my-service-infra` runs plan policy `spacelift_policy.plan`",
    ),
    (
        "eks",
        ".spacelift/config.yml",
        "opentofu_version:",
        "opentofu_versoin:",
        "SL002",
        "unknown stack setting `stacks.my-service-management.opentofu_versoin`",
    ),
]


@pytest.mark.parametrize("cloud", ["gke", "eks"])
def test_a_stack_that_lost_smart_sanitization_is_reported_at_its_line(
    project: Rendered, tmp_path: Path, cloud: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(project(cloud), copy)
    stacks = copy / "spacelift" / "stacks.tf"
    lines = stacks.read_text().splitlines(keepends=True)
    stacks.write_text("".join(text for text in lines if "terraform_smart_sanitization" not in text))
    line = next(
        i
        for i, text in enumerate(lines, 1)
        if text.startswith('resource "spacelift_stack" "infra"')
    )
    found = validate([copy], cache=False, jobs=1).findings
    assert [(f.rule, f.path, f.line, f.column) for f in found] == [
        ("SL109", "spacelift/stacks.tf", line, 1)
    ]
    assert "(`endswith(…)` at spacelift/policies/plan.rego:" in found[0].message


PLAIN = [
    ('x := input.a\ny := x.after.b == "c"', ['`== "c"`']),
    ('r if {\n  v := input.after\n  endswith(v.cidr, "/0")\n}', ["`endswith(…)`"]),
    ('r if { input.after.a == sanitized("c") }', []),
    ('r if { sanitized("c") == input.after.a }', []),
    ('r if { c := input.after\n  c.kind in {"a", "b"} }', ['`in {"a", …}`']),
    ('r if { input.after.x\n  some a in change.change.actions\n  a in {"create", "update"} }', []),
    ('r if { input.after.x\n  startswith(change.type, "aws_") }', []),
    ('r if { input.after.x\n  input.spacelift.stack.name == "infra" }', []),
    ('# input.after == "x"\nr if { input.type == "x" }', []),
]


@pytest.mark.parametrize(("body", "expected"), PLAIN)
def test_plain_comparisons_are_found_outside_sanitized(body: str, expected: list[str]) -> None:
    from scaffolder.validation.spacelift.policy import plain_comparisons

    found = plain_comparisons("package p\n\n" + body + "\n")
    assert [c.what for c in found] == expected


@pytest.mark.parametrize(("cloud", "file", "old", "new", "rule", "message"), BREAKS)
def test_breaking_a_generated_project_is_found(
    project: Rendered,
    tmp_path: Path,
    cloud: str,
    file: str,
    old: str,
    new: str,
    rule: str,
    message: str,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(project(cloud), copy)
    assert validate([copy], select=SL, cache=False, jobs=1).findings == ()
    path = copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    found = validate([copy], select=SL, cache=False, jobs=1).findings
    assert any(f.rule == rule and message in f.message for f in found), found


def test_graph_command_draws_the_generated_wiring(project: Rendered, run_cli) -> None:
    result = run_cli("graph", str(project("gke")), "--format", "json")
    assert result.returncode == 0, result.stderr
    graph = json.loads(result.stdout)
    assert graph["stacks"] == [
        {"slug": "my-service-infra", "project_root": "infra", "kind": "terraform"},
        {"slug": "my-service-k8s", "project_root": "k8s/overlays/gke", "kind": "kubernetes"},
    ]
    (edge,) = graph["dependencies"]
    assert (edge["parent"], edge["child"]) == ("my-service-infra", "my-service-k8s")
    assert {r["output"]: r["input"] for r in edge["references"]} == {
        "cluster_location": "CLUSTER_LOCATION",
        "cluster_name": "CLUSTER_NAME",
        "project_id": "GCP_PROJECT_ID",
        "registry_url": "REGISTRY_URL",
        "database_instance": "DATABASE_INSTANCE",
    }
    mermaid = run_cli("graph", str(project("eks"))).stdout
    assert mermaid.startswith("flowchart LR\n")
    assert re.search(
        r'my_service_infra -->\|".*region → CLUSTER_REGION.*"\| my_service_k8s', mermaid
    )
    dot = run_cli("graph", str(project("eks")), "--format", "dot").stdout
    assert '"my-service-infra" -> "my-service-k8s"' in dot
    missing = run_cli("graph", "/nonexistent/path")
    assert missing.returncode == 2


def test_an_empty_config_and_one_without_stacks_are_valid(
    project: Rendered, tmp_path: Path
) -> None:
    # Regressions: an empty config.yml was SL001, and stacks without a `stacks` section SL105.
    copy = tmp_path / "p"
    shutil.copytree(project("gke"), copy)
    config = copy / ".spacelift" / "config.yml"
    for text in (
        "",
        "version: 1\nstack_defaults:\n  runner_image: public.ecr.aws/spacelift/runner-terraform:latest\n",
    ):
        config.write_text(text)
        rules = {f.rule for f in validate([copy], select=SL, cache=False).findings}
        assert not rules & {"SL001", "SL105"}, (text, rules)


def test_a_stack_of_another_repository_has_its_project_root_there(tmp_path: Path) -> None:
    # terraform-provider-spacelift's examples: `repository = "core-infra"` stacks whose
    # project roots are in core-infra, not here.
    other = STACKS.replace(
        'resource "spacelift_stack" "app" {',
        'resource "spacelift_stack" "elsewhere" {\n  name         = "cluster"\n'
        '  repository   = "core-infra"\n  branch       = "main"\n  project_root = "cluster"\n}\n\n'
        'resource "spacelift_stack" "app" {',
    )
    assert other != STACKS
    assert [r for r in _run(tmp_path, {"spacelift/stacks.tf": other}) if r[0] == "SL004"] == []
    # Named like the repository's directory, the stack is this repository's.
    here = other.replace('"core-infra"', f'"{tmp_path.name}"')
    assert [r[0] for r in _run(tmp_path, {"spacelift/stacks.tf": here}) if r[0] == "SL004"] == [
        "SL004"
    ]
