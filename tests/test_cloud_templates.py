"""The cloud templates (those with a ``_platform``): layout, overlay, checkov, Spacelift wiring.

They share the app, the k8s base, the overlay structure and the Spacelift layer, so one set of
tests runs for each template :func:`list_templates` finds with a platform; what differs per
platform is written down in ``CLOUDS``. What every template does, cloud or not, is tested in
``test_templates.py``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from scaffolder.templates import list_templates
from scaffolder.validation.terraform.hcl import parse
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    Call,
    HclFile,
    Literal,
    ObjectExpr,
    Template,
    Traversal,
    TupleExpr,
    Variable,
    literal_value,
    object_key,
    string_value,
    walk,
)

from .conftest import RUNTIMES, run_checkov

Rendered = Callable[[str, str], Path]

CLOUDS = {
    "gke": {
        "image": "europe-west1-docker.pkg.dev/my-gcp-project/my-service/my-service",
        "backend": "prefix=my-service/infra",
        "inputs": {
            "cluster_name": "CLUSTER_NAME",
            "cluster_location": "CLUSTER_LOCATION",
            "project_id": "GCP_PROJECT_ID",
            "registry_url": "REGISTRY_URL",
            "database_instance": "DATABASE_INSTANCE",
        },
        "skips": {
            "CKV_GCP_12",
            "CKV_GCP_65",
            "CKV_GCP_84",
            "CKV_K8S_35",
            "CKV_K8S_43",
        },
        "bad": [
            ("gcp_project_id=Bad_Project", "gcp_project_id", "must be a GCP project id"),
            ("region=mars-north1", "region", "must be a GCP region"),
            ("node_machine_type=huge", "node_machine_type", "must be a GCP machine type"),
            ("node_max_count=0", "node_max_count", "must be an integer from 1"),
            ("admin_cidrs=0.0.0.0/0", "admin_cidrs", "must be up to 50 IPv4 networks"),
            ("admin_cidrs=203.0.113.7/24", "admin_cidrs", "must be up to 50 IPv4 networks"),
            ("admin_cidrs=2001:db8::/32", "admin_cidrs", "must be up to 50 IPv4 networks"),
            (
                "admin_cidrs=" + ",".join(f"198.51.100.{n}/32" for n in range(51)),
                "admin_cidrs",
                "must be up to 50 IPv4 networks",
            ),
            (
                "database_availability_type=MULTI_REGION",
                "database_availability_type",
                "must be REGIONAL (a standby in another zone, automatic failover) or ZONAL",
            ),
        ],
    },
    "eks": {
        "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-service",
        "backend": "key=my-service/infra.tfstate",
        "database_secret_generated": True,
        "inputs": {
            "cluster_name": "CLUSTER_NAME",
            "region": "CLUSTER_REGION",
            "ecr_repository_url": "ECR_REPOSITORY_URL",
            "database_url": "DATABASE_URL",
            "database_secret_arn": "DATABASE_SECRET_ARN",
        },
        "skips": {
            "CKV_AWS_109",
            "CKV_AWS_111",
            "CKV_AWS_287",
            "CKV_AWS_288",
            "CKV_AWS_289",
            "CKV_AWS_290",
            "CKV_AWS_355",
            "CKV_AWS_356",
            "CKV_K8S_35",
            "CKV_K8S_38",
            "CKV_K8S_43",
        },
        "bad": [
            ("aws_account_id=12345", "aws_account_id", "must be a 12-digit AWS account id"),
            ("region=eu-mars-1", "region", "must be an AWS region"),
            (
                "availability_zones=eu-west-1a,us-east-1b",
                "availability_zones",
                "must be zones of region eu-west-1",
            ),
            ("availability_zones=eu-west-1a", "availability_zones", "must be 2 or 3 distinct"),
            ("kubernetes_version=1.20", "kubernetes_version", "must be a supported EKS version"),
            ("node_machine_type=m7i", "node_machine_type", "must be an AWS machine type"),
        ],
    },
}
COMMON_BAD = [
    ("network_cidr=8.8.0.0/16", "network_cidr", "must be a private IPv4 range"),
    ("network_cidr=10.0.0.0/24", "network_cidr", "must have a prefix from /8 to /16"),
    ("node_min_count=7", "node_min_count", "must not be larger than node_max_count"),
    ("branch=bad..branch", "branch", "must be a git branch name"),
]
CLOUD_TEMPLATES = [template.name for template in list_templates() if template.platform]
CASES = [(cloud, runtime) for cloud in CLOUD_TEMPLATES for runtime in RUNTIMES]


def test_every_cloud_template_has_its_facts_written_down() -> None:
    assert sorted(CLOUDS) == sorted(CLOUD_TEMPLATES)
    # The tests find the production overlay, k8s/overlays/<platform>, by the template's name.
    for template in list_templates():
        assert template.platform is None or template.platform.name == template.name


def _hcl(directory: Path) -> list[HclFile]:
    return [parse(path.read_text(), path.name) for path in sorted(directory.glob("*.tf"))]


def _blocks(files: list[HclFile], kind: str, label: str | None = None) -> list[Block]:
    return [
        block
        for hcl in files
        for block in hcl.blocks(kind)
        if label is None or block.label(0) == label
    ]


@pytest.mark.parametrize(("cloud", "runtime"), CASES)
def test_renders_the_documented_layout(generated: Rendered, cloud: str, runtime: str) -> None:
    project = generated(cloud, runtime)
    for path in [
        "app/Dockerfile",
        "app/compose.yaml",
        "infra/versions.tf",
        "infra/backend.tf",
        "infra/outputs.tf",
        "k8s/base/kustomization.yaml",
        "k8s/overlays/local/kustomization.yaml",
        f"k8s/overlays/{cloud}/kustomization.yaml",
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


@pytest.mark.parametrize(("cloud", "runtime"), CASES)
def test_terraform_is_canonical(
    generated: Rendered, cloud: str, runtime: str, terraform: str
) -> None:
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(generated(cloud, runtime))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def _overlay(generated: Rendered, cloud: str, kubectl: str) -> dict[tuple[str, str], dict]:
    result = subprocess.run(
        [kubectl, "kustomize", str(generated(cloud, "python") / "k8s" / "overlays" / cloud)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(result.stdout)}


@pytest.mark.parametrize("cloud", CLOUD_TEMPLATES)
def test_overlay_renders_production_settings(generated: Rendered, cloud: str, kubectl: str) -> None:
    objects = _overlay(generated, cloud, kubectl)
    deployment = objects[("Deployment", "my-service")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"{CLOUDS[cloud]['image']}:0.1.0"
    assert deployment["spec"]["replicas"] == 3
    spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert objects[("HorizontalPodAutoscaler", "my-service")]["spec"]["minReplicas"] == 3
    assert objects[("PodDisruptionBudget", "my-service")]["spec"]["minAvailable"] == 2
    # No database in the cluster: a managed one outside it.
    assert not any(kind == "StatefulSet" for kind, _ in objects)
    if CLOUDS[cloud].get("database_secret_generated"):
        # Made by kustomize from the overlay's database.env, with a content hash in its name.
        env = {item["name"]: item for item in container["env"]}
        secret = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
        (generated_secret,) = [name for kind, name in objects if kind == "Secret"]
        assert secret == generated_secret
        assert secret.startswith("my-service-database-")
    else:
        # No Secret at all: gke's app signs in through the Cloud SQL Auth Proxy with IAM
        # (tests/test_gke_production.py).
        assert not any(kind == "Secret" for kind, _ in objects)


def test_gke_entry_point_and_workload_identity(generated: Rendered, kubectl: str) -> None:
    objects = _overlay(generated, "gke", kubectl)
    account = objects[("ServiceAccount", "my-service")]["metadata"]["annotations"]
    assert account["iam.gke.io/gcp-service-account"] == (
        "my-service-app@my-gcp-project.iam.gserviceaccount.com"
    )
    ingress = objects[("Ingress", "my-service")]["metadata"]["annotations"]
    assert ingress["kubernetes.io/ingress.global-static-ip-name"] == "my-service-ingress"
    assert ingress["kubernetes.io/ingress.class"] == "gce"
    service = objects[("Service", "my-service")]
    assert service["spec"]["type"] == "ClusterIP"
    assert json.loads(service["metadata"]["annotations"]["cloud.google.com/neg"]) == {
        "ingress": True
    }
    infra = _hcl(generated("gke", "python") / "infra")
    addresses = {b.label(1): b for b in _blocks(infra, "resource", "google_compute_global_address")}
    assert sorted(addresses) == ["database", "ingress"]
    # The Ingress's static IP is external (no `purpose`); the other is Private Service Access.
    assert "purpose" not in addresses["ingress"].attributes
    assert string_value(addresses["database"].attributes["purpose"].value) == "VPC_PEERING"


def test_eks_entry_point_and_pod_identity(generated: Rendered, kubectl: str) -> None:
    objects = _overlay(generated, "eks", kubectl)
    service = objects[("Service", "my-service")]
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["externalTrafficPolicy"] == "Local"
    annotations = service["metadata"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    assert ("Ingress", "my-service") not in objects
    # Pod Identity: infra associates the app's service account with its role, by these names.
    project = generated("eks", "python")
    infra = _hcl(project / "infra")
    associations = {
        string_value(b.attributes["service_account"].value)
        or _address(b.attributes["service_account"].value): b
        for b in _blocks(infra, "resource", "aws_eks_pod_identity_association")
    }
    assert set(associations) == {"var.app_service_account", "cluster-autoscaler"}
    for association in associations.values():
        assert _address(association.attributes["namespace"].value) == "var.app_namespace"
    tfvars = (project / "infra/terraform.tfvars").read_text()
    assert 'app_namespace       = "my-service"' in tfvars
    assert 'app_service_account = "my-service"' in tfvars
    assert objects[("ServiceAccount", "my-service")]["metadata"]["namespace"] == "my-service"


def test_eks_infra_keeps_its_promises(generated: Rendered) -> None:
    project = generated("eks", "python")
    infra = _hcl(project / "infra")
    (backend,) = [b for t in _blocks(infra, "terraform") for b in t.blocks("backend")]
    assert backend.label(0) == "s3"
    assert backend.attributes["use_lockfile"].value.value is True  # type: ignore[union-attr]
    assert not _blocks(infra, "resource", "aws_dynamodb_table")
    assert not _blocks(infra, "data", "aws_availability_zones")
    (cluster,) = _blocks(infra, "resource", "aws_eks_cluster")
    (access,) = cluster.blocks("access_config")
    assert access.attributes["authentication_mode"].value.value == "API"  # type: ignore[union-attr]
    text = (project / "infra/cluster.tf").read_text()
    for log_type in ("api", "audit", "authenticator", "controllerManager", "scheduler"):
        assert f'"{log_type}"' in text
    addons = {
        string_value(b.attributes["addon_name"].value) or "for_each"
        for b in _blocks(infra, "resource", "aws_eks_addon")
    }
    assert addons == {
        "eks-pod-identity-agent",
        "for_each",
        "aws-ebs-csi-driver",
        "vpc-cni",
        "metrics-server",
        "aws-secrets-store-csi-driver-provider",
    }
    assert 'toset(["coredns", "kube-proxy"])' in text
    # NetworkPolicy is enforced only when the VPC CNI is told to.
    (cni,) = [
        b
        for b in _blocks(infra, "resource", "aws_eks_addon")
        if string_value(b.attributes["addon_name"].value) == "vpc-cni"
    ]
    configuration = cni.attributes["configuration_values"].value
    assert isinstance(configuration, Call) and configuration.name == "jsonencode"
    assert literal_value(configuration.args[0]) == {"enableNetworkPolicy": "true"}
    nodes = (project / "infra/nodes.tf").read_text()
    assert 'http_tokens                 = "required"' in nodes
    assert "http_put_response_hop_limit = 1" in nodes
    assert "ami_type        = local.node_ami_type" in nodes
    assert "ignore_changes = [scaling_config[0].desired_size]" in nodes
    tfvars = (project / "infra/terraform.tfvars").read_text()
    assert 'availability_zones  = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]' in tfvars


@pytest.mark.parametrize("cloud", CLOUD_TEMPLATES)
def test_spacelift_wiring_agrees_across_files(generated: Rendered, cloud: str) -> None:
    """Slugs, project roots, outputs and inputs agree in spacelift/, config.yml, infra/, hooks."""
    project = generated(cloud, "python")
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
        "k8s": ("my-service-k8s", f"k8s/overlays/{cloud}"),
    }
    # Every stack slug has its config.yml entry with the same project root, and vice versa
    # (plus the hand-made management stack that runs spacelift/).
    expected = {slug: root for slug, root in stacks.values()} | {
        "my-service-management": "spacelift"
    }
    assert {slug: entry["project_root"] for slug, entry in config["stacks"].items()} == expected
    for root in expected.values():
        assert (project / root).is_dir(), root

    text = (project / "spacelift" / "stacks.tf").read_text()
    assert "stack_id            = spacelift_stack.k8s.id" in text
    assert "depends_on_stack_id = spacelift_stack.infra.id" in text

    # Every referenced output is an output of infra/, and every input is used by a k8s hook.
    inputs_local = re.search(r"k8s_inputs = \{(.*?)\n  \}", text, re.S)
    assert inputs_local is not None
    references = dict(re.findall(r'(\w+)\s*=\s*"([A-Z_]+)"', inputs_local.group(1)))
    assert references == CLOUDS[cloud]["inputs"]
    outputs = {block.label(0) for block in _blocks(infra, "output")}
    assert set(references) <= outputs, set(references) - outputs
    hooks = " ".join(config["stacks"]["my-service-k8s"]["before_init"])
    for input_name in references.values():
        assert f"${input_name}" in hooks, input_name
    used = set(re.findall(r"\$([A-Z_]+)", hooks))
    assert used <= set(references.values()), used - set(references.values())

    # The image the overlay deploys is the one the registry output names.
    kustomization = yaml.safe_load(
        (project / f"k8s/overlays/{cloud}/kustomization.yaml").read_text()
    )
    (image,) = kustomization["images"]
    assert image["newName"] == CLOUDS[cloud]["image"]
    assert 'namespace       = "my-service"' in text
    assert kustomization["namespace"] == "my-service"


@pytest.mark.parametrize("cloud", CLOUD_TEMPLATES)
def test_destructors_tear_down_workloads_before_the_cluster(
    generated: Rendered, cloud: str
) -> None:
    project = generated(cloud, "python")
    management = _hcl(project / "spacelift")
    destructors = {
        b.label(1): b for b in _blocks(management, "resource", "spacelift_stack_destructor")
    }
    assert set(destructors) == {"infra", "k8s"}
    text = (project / "spacelift" / "destructors.tf").read_text()
    k8s_block = text[text.index('"spacelift_stack_destructor" "k8s"') :]
    # Terraform destroys dependents first: the k8s destructor depends on the infra one.
    assert "spacelift_stack_destructor.infra" in k8s_block
    # Rights come from a role attachment; the deprecated `administrative` flag is never set.
    for stack in _blocks(management, "resource", "spacelift_stack"):
        assert "administrative" not in stack.attributes
    assert _blocks(management, "resource", "spacelift_role_attachment")


def _graph(files: list[HclFile]) -> dict[str, set[str]]:
    """Address -> the addresses it references or depends on (resources, data, locals)."""
    resource_types = {b.label(0) for hcl in files for b in hcl.blocks("resource")}

    def refs(node: Block | Attribute) -> set[str]:
        found: set[str] = set()
        items = [node] if isinstance(node, Attribute) else list(_attributes_deep(node))
        for item in items:
            for expr in walk(item.value):
                if not isinstance(expr, Traversal) or not isinstance(expr.source, Variable):
                    continue
                names = [getattr(step, "name", None) for step in expr.steps]
                head = expr.source.name
                if head == "local" and names:
                    found.add(f"local.{names[0]}")
                elif head == "data" and len(names) >= 2:
                    found.add(f"data.{names[0]}.{names[1]}")
                elif head in resource_types and names:
                    found.add(f"{head}.{names[0]}")
        return found

    graph: dict[str, set[str]] = {}
    for hcl in files:
        for block in hcl.blocks():
            if block.type == "locals":
                for attribute in block.attributes.values():
                    graph[f"local.{attribute.name}"] = refs(attribute)
            elif block.type in ("resource", "data") and len(block.labels) == 2:
                prefix = "data." if block.type == "data" else ""
                graph[f"{prefix}{block.label(0)}.{block.label(1)}"] = refs(block)
    return graph


def _attributes_deep(block: Block) -> list[Attribute]:
    return [*block.attributes.values(), *(a for b in block.blocks() for a in _attributes_deep(b))]


def _closure(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), set()) - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


@pytest.mark.parametrize("cloud", CLOUD_TEMPLATES)
def test_destructors_outlive_nothing_their_stack_runs_with(generated: Rendered, cloud: str) -> None:
    """Terraform destroys a resource before everything it depends on, so each destructor must
    depend, directly or not, on every credential of its stack (credentials.tf) and on the
    inputs and environment its destroy run reads."""
    project = generated(cloud, "python")
    management = _hcl(project / "spacelift")
    graph = _graph(management)
    credentials = [
        f"{b.label(0)}.{b.label(1)}"
        for b in parse(
            (project / "spacelift" / "credentials.tf").read_text(), "credentials.tf"
        ).blocks("resource")
    ]
    assert credentials
    for stack in ("infra", "k8s"):
        needs = {c for c in credentials if f"spacelift_stack.{stack}" in _closure(graph, c)}
        assert needs, stack
        kept = _closure(graph, f"spacelift_stack_destructor.{stack}")
        assert needs <= kept, (stack, needs - kept)
    assert "spacelift_environment_variable.infra_backend" in _closure(
        graph, "spacelift_stack_destructor.infra"
    )
    assert "spacelift_stack_dependency_reference.k8s_inputs" in _closure(
        graph, "spacelift_stack_destructor.k8s"
    )


#: Roles that can grant roles, or act as any service account: with one, an identity escalates.
IAM_ADMIN_ROLES = {
    "roles/owner",
    "roles/editor",
    "roles/iam.securityAdmin",
    "roles/iam.roleAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/resourcemanager.folderAdmin",
    "roles/resourcemanager.organizationAdmin",
}


def _roles(block: Block) -> list[str]:
    attrs = block.attributes
    if "for_each" in attrs:
        value = literal_value(attrs["for_each"].value.args[0])  # type: ignore[attr-defined]
        assert isinstance(value, list)
        return [str(role) for role in value]
    role = string_value(attrs["role"].value)
    assert role is not None
    return [role]


#: Roles that act as, or hand out, service accounts: on every account of a project, an identity
#: holding one acts as any of them, the default compute account (Editor) included.
IMPERSONATION_ROLES = {
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.workloadIdentityUser",
}
HAS_ONLY = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly("


def _project_grants(files: list[HclFile]) -> dict[str, list[str]]:
    """Project role grants by resource name, with the roles each grants."""
    grants: dict[str, list[str]] = {}
    for block in _blocks(files, "resource", "google_project_iam_member"):
        # A condition would have to be read to judge the grant: none of ours carries one.
        assert not list(block.blocks("condition")), block.label(1)
        grants[block.label(1)] = _roles(block)
    return grants


def _template(expr: object) -> str | None:
    """A string with interpolations of plain references, as written (``"${var.name}-db"``)."""
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    if not isinstance(expr, Template):
        return None
    text = ""
    for part in expr.parts:
        if isinstance(part, Literal):
            text += str(part.value)
        elif (address := _address(part)) is not None:
            text += "${" + address + "}"
        else:
            return None
    return text


def _bootstrap_condition(project: Path, name: str) -> list[str]:
    """The roles a bootstrap condition file (gcloud --condition-from-file) lets its holder grant."""
    condition = yaml.safe_load((project / "spacelift" / "bootstrap" / name).read_text())
    assert set(condition) == {"title", "description", "expression"}, name
    expression = condition["expression"]
    assert expression.startswith(HAS_ONLY) and expression.endswith("])"), expression
    roles = re.findall(r"'(roles/[^']+)'", expression[len(HAS_ONLY) :])
    # Nothing in the list but quoted roles: no `||` widening it.
    assert expression == HAS_ONLY + "[" + ", ".join(f"'{r}'" for r in roles) + "])", expression
    return roles


def test_no_gke_stack_identity_can_escalate(generated: Rendered) -> None:
    """Each grant of the stacks' identities, in code and in the README's one-time bootstrap:
    no unconditioned IAM admin role, no impersonation role on all service accounts, and every
    conditional Project IAM Admin limited to roles that are neither."""
    project = generated("gke", "python")
    management = _hcl(project / "spacelift")
    infra = _hcl(project / "infra")
    dangerous = IAM_ADMIN_ROLES | IMPERSONATION_ROLES

    stack_grants = _project_grants(management)
    assert set(stack_grants) == {"infra", "k8s"}
    for name, roles in stack_grants.items():
        assert not dangerous & set(roles), (name, dangerous & set(roles))
    assert stack_grants["k8s"] == ["roles/container.developer"]
    # Each stack grant carries its reason: a comment on the line above each role.
    text = (project / "spacelift" / "credentials.tf").read_text()
    for role in stack_grants["infra"]:
        above = text.splitlines()[text.splitlines().index(f'    "{role}",') - 1]
        assert above.strip().startswith("# ") and len(above.strip()) > 20, role

    # Service-account roles only on the two accounts infra/ creates, named as infra/ names them.
    accounts = {
        b.label(1): _template(b.attributes["account_id"].value)
        for b in _blocks(infra, "resource", "google_service_account")
    }
    assert accounts == {
        "nodes": "${local.account_prefix}-nodes",
        "app": "${local.account_prefix}-app",
    }
    (locals_block,) = [
        b for b in _blocks(management, "locals") if "service_accounts" in b.attributes
    ]
    named = _items(locals_block.attributes["service_accounts"].value)
    for key in ("nodes", "app"):
        assert _template(named[key]) == (
            f"projects/${{var.gcp_project_id}}/serviceAccounts/my-service-{key}"
            "@${var.gcp_project_id}.iam.gserviceaccount.com"
        )
    per_account = {
        b.label(1): (_address(b.attributes["service_account_id"].value), _roles(b))
        for b in _blocks(management, "resource", "google_service_account_iam_member")
    }
    assert per_account == {
        "infra_nodes": (
            "local.service_accounts.nodes",
            ["roles/iam.serviceAccountUser", "roles/iam.serviceAccountAdmin"],
        ),
        "infra_app": ("local.service_accounts.app", ["roles/iam.serviceAccountAdmin"]),
    }

    # infra/ itself grants project roles only to its own accounts, none of them dangerous.
    infra_grants = _project_grants(infra)
    granted_by_infra = sorted(r for roles in infra_grants.values() for r in roles)
    assert not dangerous & set(granted_by_infra)
    for block in _blocks(infra, "resource", "google_project_iam_member"):
        member = _template(block.attributes["member"].value) or ""
        assert re.fullmatch(
            r"serviceAccount:\$\{google_service_account\.(nodes|app)\.email\}", member
        )

    # The two conditional Project IAM Admin grants a project owner makes once (README step 5).
    management_may_grant = _bootstrap_condition(project, "management-condition.yaml")
    assert sorted(management_may_grant) == sorted(
        role for roles in stack_grants.values() for role in roles
    )
    infra_may_grant = _bootstrap_condition(project, "infra-condition.yaml")
    assert sorted(infra_may_grant) == granted_by_infra
    assert not dangerous & {*management_may_grant, *infra_may_grant}

    # The README grants project IAM admin only with those conditions, and everything else on
    # one resource (the state bucket, one service account).
    readme = (project / "README.md").read_text()
    commands = re.findall(
        r"^\s*(gcloud (?:projects|storage buckets|iam service-accounts) add-iam-policy-binding .*)$",
        readme,
        re.M,
    )
    assert len(commands) == 5, commands
    for command in commands:
        role = re.search(r"--role=(\S+)", command)
        assert role is not None, command
        if command.startswith("gcloud projects"):
            assert role.group(1) == "roles/resourcemanager.projectIamAdmin", command
            condition = re.search(r"--condition-from-file=spacelift/bootstrap/(\S+)", command)
            assert (
                condition is not None
                and (project / "spacelift/bootstrap" / condition.group(1)).is_file()
            )
        else:
            assert role.group(1) in {"roles/storage.admin", "roles/iam.serviceAccountAdmin"}, (
                command
            )
            assert "gs://my-gcp-project-tfstate " in command or re.search(
                r"add-iam-policy-binding my-service-(nodes|app)@my-gcp-project\.iam\.gserviceaccount\.com ",
                command,
            ), command


def _address(expr: object) -> str | None:
    """``a.b.c`` for a traversal of names (``aws_iam_role.k8s.arn``), else None."""
    if not isinstance(expr, Traversal) or not isinstance(expr.source, Variable):
        return None
    names = [getattr(step, "name", None) for step in expr.steps]
    if None in names:
        return None
    return ".".join([expr.source.name, *(str(name) for name in names)])


def _references(block: Block) -> set[str]:
    """Every address a block's attributes mention."""
    return {
        address
        for attribute in _attributes_deep(block)
        for expr in walk(attribute.value)
        if (address := _address(expr)) is not None
    }


def _items(expr: object) -> dict[str, object]:
    """An HCL object's items by static key, values left as expressions."""
    assert isinstance(expr, ObjectExpr), expr
    found: dict[str, object] = {}
    for item in expr.items:
        key = object_key(item.key)
        assert key is not None
        found[key] = item.value
    return found


def _statements(block: Block) -> list[dict[str, object]]:
    """The statements of an IAM policy written as ``jsonencode({...})``."""
    policy = block.attributes["policy"].value
    assert isinstance(policy, Call) and policy.name == "jsonencode", block.label(1)
    statements = _items(policy.args[0])["Statement"]
    assert isinstance(statements, TupleExpr), block.label(1)
    return [_items(statement) for statement in statements.items]


def _actions(statement: dict[str, object]) -> list[str]:
    value = literal_value(statement["Action"])  # type: ignore[arg-type]
    assert isinstance(value, (str, list)), value
    return [value] if isinstance(value, str) else [str(action) for action in value]


def _grants(actions: list[str], action: str) -> bool:
    """Whether one of ``actions`` (IAM wildcards allowed) covers ``action``."""
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)


#: IAM actions that give a role rights: allowed only with the boundary on the role.
ROLE_GRANTS = (
    "iam:CreateRole",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:PutRolePermissionsBoundary",
)


def _policies(files: list[HclFile]) -> list[Block]:
    return [
        *_blocks(files, "resource", "aws_iam_role_policy"),
        *_blocks(files, "resource", "aws_iam_policy"),
    ]


def test_every_eks_infra_role_carries_the_permissions_boundary(generated: Rendered) -> None:
    infra = _hcl(generated("eks", "python") / "infra")
    roles = _blocks(infra, "resource", "aws_iam_role")
    assert {role.label(1) for role in roles} == {
        "cluster",
        "ebs_csi",
        "nodes",
        "flow_logs",
        "app",
        "database_monitoring",
        "cluster_autoscaler",
    }
    for role in roles:
        boundary = role.attributes.get("permissions_boundary")
        assert boundary is not None, role.label(1)
        assert _address(boundary.value) == "var.permissions_boundary_arn", role.label(1)
    (variable,) = [
        b for b in _blocks(infra, "variable") if b.label(0) == "permissions_boundary_arn"
    ]
    assert string_value(variable.attributes["description"].value)
    assert list(variable.blocks("validation"))


def test_the_eks_infra_stack_grants_roles_only_within_the_boundary(generated: Rendered) -> None:
    management = _hcl(generated("eks", "python") / "spacelift")
    boundaries = {b.label(1): b for b in _blocks(management, "resource", "aws_iam_policy")}
    # The roles infra/ creates carry `boundary`; the stacks' own roles `stack_boundary`.
    assert set(boundaries) == {"boundary", "stack_boundary"}
    boundary = boundaries["boundary"]
    assert string_value(boundary.attributes["name"].value) == "my-service-boundary"
    # The boundary itself allows nothing in IAM that hands out rights.
    for statement in _statements(boundary):
        for action in (*ROLE_GRANTS, "iam:PassRole", "iam:CreatePolicyVersion"):
            assert not _grants(_actions(statement), action), action

    granting = 0
    # Boundaries cap and grant nothing: the grants are in the roles' own policies.
    for policy in _blocks(management, "resource", "aws_iam_role_policy"):
        for statement in _statements(policy):
            if string_value(statement["Effect"]) != "Allow":  # type: ignore[arg-type]
                continue
            actions = _actions(statement)
            if any(_grants(actions, action) for action in ROLE_GRANTS):
                granting += 1
                condition = _items(statement["Condition"])
                equals = _items(condition["StringEquals"])
                assert _address(equals["iam:PermissionsBoundary"]) == "aws_iam_policy.boundary.arn"
            if _grants(actions, "iam:PassRole"):
                condition = _items(statement["Condition"])
                services = literal_value(_items(condition["StringEquals"])["iam:PassedToService"])  # type: ignore[arg-type]
                assert sorted(services) == sorted(  # type: ignore[arg-type]
                    [
                        "eks.amazonaws.com",
                        "ec2.amazonaws.com",
                        "vpc-flow-logs.amazonaws.com",
                        "pods.eks.amazonaws.com",
                        "monitoring.rds.amazonaws.com",
                    ]
                )
    assert granting == 1

    (infra_iam,) = [p for p in _policies(management) if p.label(1) == "infra_iam"]
    denied = {
        action
        for statement in _statements(infra_iam)
        if string_value(statement["Effect"]) == "Deny"  # type: ignore[arg-type]
        for action in _actions(statement)
    }
    assert {
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
    } <= denied
    # The infra stack's variable arrives from the management stack, as the boundary's ARN.
    (variable,) = [
        b
        for b in _blocks(management, "resource", "spacelift_environment_variable")
        if string_value(b.attributes["name"].value) == "TF_VAR_permissions_boundary_arn"
    ]
    assert _address(variable.attributes["stack_id"].value) == "spacelift_stack.infra.id"
    assert _address(variable.attributes["value"].value) == "aws_iam_policy.boundary.arn"


def test_the_eks_k8s_stack_role_only_reaches_the_cluster(generated: Rendered) -> None:
    management = _hcl(generated("eks", "python") / "spacelift")
    attached = [
        b
        for b in _blocks(management, "resource", "aws_iam_role_policy_attachment")
        if "aws_iam_role.k8s.name" in _references(b) or "aws_iam_role.k8s.id" in _references(b)
    ]
    assert attached == []
    inline = [
        p
        for p in _policies(management)
        if _references(p) & {"aws_iam_role.k8s.id", "aws_iam_role.k8s.name"}
    ]
    assert inline
    actions = [action for policy in inline for s in _statements(policy) for action in _actions(s)]
    assert actions == ["eks:DescribeCluster"]
    assert not [a for a in actions if a == "*" or a.lower().startswith("iam:")]
    # Cluster access is an access entry for the k8s role, made where the role is made (an
    # entry for a role that does not exist yet is refused), not by infra/, applied before it.
    (entry,) = _blocks(management, "resource", "aws_eks_access_entry")
    assert _address(entry.attributes["principal_arn"].value) == "aws_iam_role.k8s.arn"
    (association,) = _blocks(management, "resource", "aws_eks_access_policy_association")
    assert _address(association.attributes["principal_arn"].value) == (
        "aws_eks_access_entry.k8s.principal_arn"
    )
    tfvars = parse(
        (generated("eks", "python") / "infra" / "terraform.tfvars").read_text(), "terraform.tfvars"
    )
    admins = {a.name: a for a in tfvars.body if isinstance(a, Attribute)}["admin_principal_arns"]
    assert literal_value(admins.value) == []


def test_each_eks_integration_trusts_only_its_own_stack(generated: Rendered) -> None:
    management = _hcl(generated("eks", "python") / "spacelift")
    integrations = _blocks(management, "resource", "spacelift_aws_integration")
    assert sorted(b.label(1) for b in integrations) == ["infra", "k8s"]
    names = {b.label(1): b for b in _blocks(management, "resource", "aws_iam_role")}
    assert sorted(names) == ["infra", "k8s"]
    for stack, other in (("infra", "k8s"), ("k8s", "infra")):
        (integration,) = [b for b in integrations if b.label(1) == stack]
        assert f"local.integration_role_names.{stack}" in _references(integration)
        assert _address(names[stack].attributes["name"].value) == (
            f"local.integration_role_names.{stack}"
        )
        for kind, source in (
            ("resource", "spacelift_aws_integration_attachment"),
            ("data", "spacelift_aws_integration_attachment_external_id"),
        ):
            (block,) = [b for b in _blocks(management, kind, source) if b.label(1) == stack]
            attrs = block.attributes
            assert (
                _address(attrs["integration_id"].value) == f"spacelift_aws_integration.{stack}.id"
            )
            assert _address(attrs["stack_id"].value) == f"spacelift_stack.{stack}.id"
        trust = {
            address
            for expr in walk(names[stack].attributes["assume_role_policy"].value)
            if (address := _address(expr)) is not None
        }
        assert trust == {
            f"data.spacelift_aws_integration_attachment_external_id.{stack}"
            ".assume_role_policy_statement"
        }, (stack, other)


@pytest.mark.parametrize("cloud", CLOUD_TEMPLATES)
def test_checkov_has_zero_failures_and_every_skip_has_a_reason(
    generated: Rendered, checkov: str, tmp_path: Path, cloud: str
) -> None:
    both = tmp_path / "both"
    for runtime in RUNTIMES:
        shutil.copytree(
            generated(cloud, runtime), both / runtime, ignore=shutil.ignore_patterns(".env")
        )
    reports = run_checkov(checkov, both, "terraform,kubernetes,dockerfile")
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
    assert skipped == CLOUDS[cloud]["skips"]


@pytest.mark.parametrize("cloud", CLOUD_TEMPLATES)
def test_readme_teaches_the_path_in_order(generated: Rendered, cloud: str) -> None:
    # That every `make` command the README uses exists and runs: test_templates.py.
    project = generated(cloud, "python")
    readme = (project / "README.md").read_text()
    used = re.findall(r"^make ([a-z0-9-]+)", readme, re.M)
    # The path, in order: compose, local Kubernetes, state bucket, infra, image, Spacelift.
    assert used[:2] == ["secrets", "up"]
    steps = ("up", "k8s-local", "state-bucket", "infra-apply", "image-push")
    order = [used.index(step) for step in steps]
    assert order == sorted(order)
    assert readme.index("make image-push") < readme.index("## 5. Hand it to Spacelift")
    # The backend settings the Makefile passes are the ones infra/backend.tf documents.
    backend = (project / "infra/backend.tf").read_text()
    setting = CLOUDS[cloud]["backend"]
    assert setting in backend and setting in (project / "Makefile").read_text()


@pytest.mark.parametrize(
    ("cloud", "answer", "field", "rule"),
    [(cloud, *case) for cloud in CLOUD_TEMPLATES for case in [*CLOUDS[cloud]["bad"], *COMMON_BAD]],
)
def test_bad_answers_name_the_field_exit_2_and_write_nothing(
    run_cli, tmp_path: Path, cloud: str, answer: str, field: str, rule: str
) -> None:
    result = run_cli("new", cloud, "--no-input", "--set", answer, "-o", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert f"`{field}` {rule}" in result.stderr
    assert list(tmp_path.iterdir()) == []
