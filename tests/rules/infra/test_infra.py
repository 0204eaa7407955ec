"""Infra ↔ Kubernetes: breaking one fact in a generated project names both places; small trees."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.templates import list_templates
from scaffolder.validation import validate
from scaffolder.validation.domain import rules_of
from scaffolder.validation.infra import DOMAIN

from ...conftest import build_tree, require_tool

IDS = [rule.id for rule in rules_of(DOMAIN)]
Rendered = Callable[[str], Path]


@pytest.fixture(autouse=True)
def _kubectl() -> None:
    # Overlays are what a cluster runs: without kustomize the domain has no sets to pair.
    require_tool("kubectl", shutil.which("kubectl"))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    cache: dict[str, Path] = {}

    def render(template: str) -> Path:
        if template not in cache:
            cache[template] = generate(template, tmp_path_factory.mktemp(template), answers={})
        return cache[template]

    return render


# (template, file, old, new, rule, path, line, message naming the other place)
BREAKS = [
    (
        "gke",
        "spacelift/stacks.tf",
        'namespace       = "my-service"',
        'namespace       = "shop"',
        "INFRA001",
        "spacelift/stacks.tf",
        78,
        "`spacelift_stack.k8s` deploys to namespace `shop`, but its overlay `k8s/overlays/gke` "
        "puts its objects in `my-service` (k8s/overlays/gke/kustomization.yaml:10)",
    ),
    (
        # Moving the overlay instead also moves the pods away from their Pod Identity
        # (INFRA005): the stack's side is the one fact only INFRA001 sees.
        "eks",
        "spacelift/stacks.tf",
        'namespace       = "my-service"',
        'namespace       = "shop"',
        "INFRA001",
        "spacelift/stacks.tf",
        83,
        "`spacelift_stack.k8s` deploys to namespace `shop`, but its overlay "
        "`k8s/overlays/eks` puts its objects in `my-service` "
        "(k8s/overlays/eks/kustomization.yaml:10)",
    ),
    (
        "gke",
        "infra/cluster.tf",
        'datapath_provider = "ADVANCED_DATAPATH"',
        'datapath_provider = "LEGACY_DATAPATH"',
        "INFRA002",
        "k8s/base/networkpolicy.yaml",
        5,
        "3 NetworkPolicies (`NetworkPolicy/default-deny-all` first) would be ignored: "
        '`google_container_cluster.this` has `datapath_provider = "LEGACY_DATAPATH"` and no '
        "enabled `network_policy`, so the cluster does not enforce NetworkPolicy "
        "(infra/cluster.tf:13)",
    ),
    (
        "eks",
        "infra/cluster.tf",
        'jsonencode({ enableNetworkPolicy = "true" })',
        'jsonencode({ enableNetworkPolicy = "false" })',
        "INFRA002",
        "k8s/overlays/eks/cluster-autoscaler.yaml",
        216,
        "would be ignored: the `vpc-cni` add-on `aws_eks_addon.vpc_cni` sets no "
        '`enableNetworkPolicy = "true"`, so the cluster does not enforce NetworkPolicy '
        "(infra/cluster.tf:128)",
    ),
    (
        "gke",
        "infra/registry.tf",
        'name        = "${var.name}-ingress"',
        'name        = "${var.name}-lb"',
        "INFRA003",
        "k8s/overlays/gke/ingress.yaml",
        17,
        "`Ingress/my-service` uses the global static IP `my-service-ingress`, which the "
        "Terraform does not create: it creates `my-service-lb` (infra/registry.tf:45)",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        "gcp-service-account: my-service-app@",
        "gcp-service-account: other-app@",
        "INFRA004",
        "k8s/overlays/gke/kustomization.yaml",
        83,
        "`ServiceAccount/my-service` acts as `other-app@my-gcp-project.iam.gserviceaccount.com`, "
        "which the Terraform does not create: it creates "
        "`my-service-app@my-gcp-project.iam.gserviceaccount.com` (infra/iam.tf:25)",
    ),
    (
        "gke",
        "infra/terraform.tfvars",
        'app_service_account = "my-service"',
        'app_service_account = "other"',
        "INFRA004",
        "k8s/overlays/gke/kustomization.yaml",
        83,
        "`ServiceAccount/my-service` in namespace `my-service` acts as "
        "`google_service_account.app` (infra/iam.tf:25), but `roles/iam.workloadIdentityUser` "
        "on it is granted to `my-service/other` (infra/iam.tf:33) only",
    ),
    (
        "eks",
        "k8s/base/deployment.yaml",
        "serviceAccountName: my-service",
        "serviceAccountName: other",
        "INFRA005",
        "infra/registry.tf",
        57,
        "`aws_eks_pod_identity_association.app` gives the role to `my-service/my-service`, but "
        "no workload runs as it: the workloads run as `my-service/cluster-autoscaler` "
        "(k8s/overlays/eks/cluster-autoscaler.yaml:137), `my-service/other` "
        "(k8s/base/deployment.yaml:34)",
    ),
    (
        "eks",
        "infra/terraform.tfvars",
        'app_service_account = "my-service"',
        'app_service_account = "other"',
        "INFRA005",
        "infra/registry.tf",
        57,
        "`aws_eks_pod_identity_association.app` gives the role to `my-service/other`, but no "
        "workload runs as it",
    ),
    (
        # The app's pods mount the database password with Pod Identity: without the
        # association they get no role, and INFRA005 has no association to look at.
        "eks",
        "infra/registry.tf",
        'resource "aws_eks_pod_identity_association" "app" {\n'
        "  cluster_name    = aws_eks_cluster.this.name\n"
        "  namespace       = var.app_namespace\n"
        "  service_account = var.app_service_account\n"
        "  role_arn        = aws_iam_role.app.arn\n"
        "}\n",
        "",
        "INFRA008",
        "k8s/base/deployment.yaml",
        34,
        "`Deployment/my-service` mounts the AWS SecretProviderClass `my-service-database` with "
        "usePodIdentity (k8s/overlays/eks/secret-provider-class.yaml:22) as "
        "`my-service/my-service`, but no `aws_eks_pod_identity_association` gives that "
        "ServiceAccount a role: the associations name `my-service/cluster-autoscaler` "
        "(infra/autoscaler.tf:66)",
    ),
    (
        "eks",
        "k8s/overlays/eks/secret-provider-class.yaml",
        '    usePodIdentity: "true"\n',
        "",
        "INFRA008",
        "k8s/base/deployment.yaml",
        34,
        "`Deployment/my-service` mounts the AWS SecretProviderClass `my-service-database` "
        "(k8s/overlays/eks/secret-provider-class.yaml:19) as `my-service/my-service`, so the "
        "AWS provider fetches it through IRSA, but the ServiceAccount carries no "
        "`eks.amazonaws.com/role-arn` annotation: `ServiceAccount/my-service` "
        "(k8s/base/serviceaccount.yaml:5) has none",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        "          iam.gke.io/gcp-service-account: ",
        "          iam.gke.io/gcp-service-acct: ",
        "INFRA008",
        "k8s/base/deployment.yaml",
        34,
        "`Deployment/my-service` runs the Cloud SQL Auth Proxy "
        "(k8s/overlays/gke/kustomization.yaml:110) as `my-service/my-service`, which has no "
        "`iam.gke.io/gcp-service-account` annotation (`ServiceAccount/my-service`, "
        "k8s/base/serviceaccount.yaml:5): on `google_container_cluster.this` "
        "(infra/cluster.tf:48), which enables Workload Identity",
    ),
    (
        # No serviceAccountName: the pods run as the namespace's `default`, found at the proxy.
        "gke",
        "k8s/base/deployment.yaml",
        "      serviceAccountName: my-service\n",
        "",
        "INFRA008",
        "k8s/overlays/gke/kustomization.yaml",
        110,
        "runs the Cloud SQL Auth Proxy (k8s/overlays/gke/kustomization.yaml:110) as "
        "`my-service/default`, which has no `iam.gke.io/gcp-service-account` annotation",
    ),
    (
        "gke",
        "infra/cluster.tf",
        "horizontal_pod_autoscaling {\n      disabled = false",
        "horizontal_pod_autoscaling {\n      disabled = true",
        "INFRA006",
        "k8s/base/hpa.yaml",
        9,
        "`HorizontalPodAutoscaler/my-service` never scales: `google_container_cluster.this` "
        "disables the HorizontalPodAutoscaling add-on (infra/cluster.tf:84)",
    ),
    (
        "eks",
        "infra/cluster.tf",
        'addon_name                  = "metrics-server"',
        'addon_name                  = "kube-proxy"',
        "INFRA006",
        "k8s/base/hpa.yaml",
        15,
        "`HorizontalPodAutoscaler/my-service` scales on resource metrics, but nothing serves "
        "`metrics.k8s.io` on `aws_eks_cluster.this` (infra/cluster.tf:41)",
    ),
    (
        "eks",
        "k8s/overlays/eks/kustomization.yaml",
        "path: /spec/minAvailable\n        value: 2",
        "path: /spec/minAvailable\n        value: 3",
        "INFRA020",
        "k8s/overlays/eks/kustomization.yaml",
        82,
        "`PodDisruptionBudget/my-service` has minAvailable 3, but "
        "`HorizontalPodAutoscaler/my-service` minReplicas 3 "
        "(k8s/overlays/eks/kustomization.yaml:63) can leave only 3 pods running",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        "path: /spec/minAvailable\n        value: 2",
        'path: /spec/minAvailable\n        value: "100%"',
        "INFRA020",
        "k8s/overlays/gke/kustomization.yaml",
        74,
        "`PodDisruptionBudget/my-service` has minAvailable 100%, but "
        "`HorizontalPodAutoscaler/my-service` minReplicas 3 "
        "(k8s/overlays/gke/kustomization.yaml:55) can leave only 3 pods running",
    ),
    (
        "eks",
        "k8s/overlays/eks/kustomization.yaml",
        "  - name: my-service-database\n    envs",
        "  - name: my-service-db\n    envs",
        "INFRA022",
        "k8s/base/deployment.yaml",
        60,
        "`Deployment/my-service` reads Secret `my-service-database`, which nothing in the "
        "repository creates in namespace `my-service` and no "
        "`infra.scaffolder.dev/external-secrets` annotation declares: it creates "
        "`my-service-db` (k8s/overlays/eks/kustomization.yaml:16)",
    ),
    (
        "eks",
        "k8s/overlays/eks/database.env",
        "DATABASE_URL=",
        "DB_URL=",
        "INFRA022",
        "k8s/base/deployment.yaml",
        60,
        "`Deployment/my-service` reads key `DATABASE_URL` of Secret `my-service-database`, "
        "which k8s/overlays/eks/kustomization.yaml:16 creates without it (keys: `DB_URL`)",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        "@127.0.0.1:5432/",
        "@127.0.0.1:6432/",
        "INFRA023",
        "k8s/overlays/gke/kustomization.yaml",
        103,
        "`Deployment/my-service` container `app`'s DATABASE_URL connects to 127.0.0.1:6432, "
        "but the Cloud SQL proxy listens on 127.0.0.1:5432 "
        "(k8s/overlays/gke/kustomization.yaml:118)",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        "?sslmode=disable",
        "?sslmode=require",
        "INFRA023",
        "k8s/overlays/gke/kustomization.yaml",
        103,
        "asks for sslmode=require, but the Cloud SQL proxy listens on 127.0.0.1:5432 "
        "(k8s/overlays/gke/kustomization.yaml:118) without TLS",
    ),
    (
        "eks",
        "k8s/overlays/eks/database.env",
        "sslmode=verify-full",
        "sslmode=disable",
        "INFRA023",
        "k8s/overlays/eks/database.env",
        4,
        "`Deployment/my-service` container `app`'s DATABASE_URL uses sslmode=disable, but "
        "`aws_db_instance.this` sets `rds.force_ssl = 1` (infra/database.tf:40)",
    ),
    (
        "eks",
        "infra/database.tf",
        "port           = 5432",
        "port           = 5433",
        "INFRA023",
        "k8s/overlays/eks/database.env",
        4,
        "`Deployment/my-service` container `app`'s DATABASE_URL connects to port 5432, but "
        "`aws_db_instance.this` listens on 5433 (infra/database.tf:82)",
    ),
    (
        "eks",
        "infra/terraform.tfvars",
        "node_max_count      = 6",
        "node_max_count      = 2",
        "INFRA021",
        "k8s/overlays/eks/kustomization.yaml",
        66,
        "`HorizontalPodAutoscaler/my-service` at maxReplicas 20: the workloads request "
        "1 x 100m (Deployment/cluster-autoscaler) + 20 x 250m (Deployment/my-service) = 5100m "
        "CPU, but the nodes give at most 2 nodes x 1930m allocatable (m7i.large) of "
        "`aws_eks_node_group.this` (infra/nodes.tf:75) = 3860m",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        "            cpu: 250m",
        '            cpu: "2"',
        "INFRA021",
        "k8s/overlays/gke/kustomization.yaml",
        58,
        "the workloads request 20 x 2050m (Deployment/my-service) = 41000m CPU, but the nodes "
        "give at most 3 nodes x 3 zones x 3920m allocatable (e2-standard-4) of "
        "`google_container_node_pool.primary` (infra/cluster.tf:121) = 35280m",
    ),
    (
        "gke",
        "infra/registry.tf",
        "repository_id = var.name",
        'repository_id = "${var.name}-images"',
        "INFRA010",
        "k8s/overlays/gke/kustomization.yaml",
        19,
        "`Deployment/my-service` container `app` runs "
        "`europe-west1-docker.pkg.dev/my-gcp-project/my-service/my-service`, which is in no "
        "repository the Terraform creates: it creates "
        "`europe-west1-docker.pkg.dev/my-gcp-project/my-service-images` (infra/registry.tf:4)",
    ),
    (
        "eks",
        "k8s/overlays/eks/kustomization.yaml",
        "newName: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-service",
        "newName: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/my-service",
        "INFRA010",
        "k8s/overlays/eks/kustomization.yaml",
        27,
        "runs `123456789012.dkr.ecr.eu-west-2.amazonaws.com/my-service`, which is in no "
        "repository the Terraform creates: it creates "
        "`123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-service` (infra/registry.tf:2)",
    ),
    (
        # The address exists, but regional: a global load balancer cannot take it.
        "gke",
        "infra/registry.tf",
        'resource "google_compute_global_address" "ingress"',
        'resource "google_compute_address" "ingress"',
        "INFRA003",
        "k8s/overlays/gke/ingress.yaml",
        17,
        "`Ingress/my-service` uses the global static IP `my-service-ingress`, but the Terraform "
        "creates `my-service-ingress` as a regional static IP (infra/registry.tf:45), which "
        "this annotation cannot use",
    ),
    (
        "gke",
        "k8s/overlays/gke/kustomization.yaml",
        'newTag: "0.1.0"',
        "newTag: latest",
        "INFRA011",
        "k8s/overlays/gke/kustomization.yaml",
        20,
        "deploys `europe-west1-docker.pkg.dev/my-gcp-project/my-service/my-service` with the tag "
        "`latest`, but `google_artifact_registry_repository.app` keeps tags immutable "
        "(`immutable_tags = true`, infra/registry.tf:10)",
    ),
    (
        "eks",
        "k8s/overlays/eks/kustomization.yaml",
        'newTag: "0.1.0"',
        'newTag: "latest"',
        "INFRA011",
        "k8s/overlays/eks/kustomization.yaml",
        28,
        "with the tag `latest`, but `aws_ecr_repository.app` keeps tags immutable "
        '(`image_tag_mutability = "IMMUTABLE"`, infra/registry.tf:3)',
    ),
    (
        # The public subnets' association moved to a private route table: no subnet of the VPC
        # routes to the internet gateway, which is what EKS's service controller looks for.
        "eks",
        "infra/network.tf",
        "route_table_id = aws_route_table.public.id",
        "route_table_id = aws_route_table.private[count.index].id",
        "INFRA030",
        "k8s/overlays/eks/kustomization.yaml",
        135,
        "`Service/my-service` asks for an internet-facing load balancer, which EKS's service "
        "controller puts only in public subnets (a route to an internet gateway) of "
        "`aws_vpc.this` not tagged for another cluster, and there is none: `aws_subnet.public` "
        "(infra/network.tf:34) routes through `aws_route_table.private` (infra/network.tf:97)",
    ),
    (
        "eks",
        "infra/network.tf",
        '"kubernetes.io/role/elb" = "1"',
        '"kubernetes.io/cluster/other" = "shared"',
        "INFRA030",
        "k8s/overlays/eks/kustomization.yaml",
        135,
        "without an internet gateway route; `aws_subnet.public` (infra/network.tf:34) is tagged "
        "for another cluster",
    ),
    (
        # A deny-all above GKE's own health-check rule (priority 1000); the policy's allow is
        # evaluated after the VPC rules, so it comes too late.
        "gke",
        "infra/network.tf",
        "priority    = 65534",
        "priority    = 900",
        "INFRA031",
        "k8s/overlays/gke/ingress.yaml",
        23,
        "`Ingress/my-service`'s load balancer health-checks port 8000 (the container port `http` "
        "of `Deployment/my-service` (k8s/base/deployment.yaml:51), with container-native load "
        "balancing), but `google_compute_firewall.deny_all_ingress` (infra/network.tf:118) "
        "denies 35.191.0.0/16 and 130.211.0.0/22 there at priority 900, before GKE's own "
        "health-check rule (priority 1000); "
        "`google_compute_network_firewall_policy_rule.allow_health_checks` "
        "(infra/network.tf:72) allows it but is evaluated after it",
    ),
]


@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_generated_projects_are_clean(project: Rendered, template: str) -> None:
    assert validate([project(template)], select=IDS, cache=False).findings == ()


@pytest.mark.parametrize(
    ("template", "file", "old", "new", "rule", "path", "line", "message"),
    BREAKS,
    ids=[f"{b[4]}-{b[0]}-{b[1]}" for b in BREAKS],
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
    _edit(copy, file, old, new)
    _assert_names_both_places(copy, rule, path, line, message)


# Facts whose value comes from elsewhere than the line that uses it (a variable's default, a
# local): (template, [(file, old, new)], rule, path, line, message naming the other place).
RESOLVED = [
    (
        "eks",
        [
            (
                "spacelift/stacks.tf",
                'namespace       = "my-service"',
                "namespace       = var.k8s_namespace",
            ),
            (
                "spacelift/variables.tf",
                'variable "repository" {',
                'variable "k8s_namespace" {\n  type    = string\n  default = "shop"\n}\n\n'
                'variable "repository" {',
            ),
        ],
        "INFRA001",
        "spacelift/stacks.tf",
        83,
        "`spacelift_stack.k8s` deploys to namespace `shop`, but its overlay `k8s/overlays/eks` "
        "puts its objects in `my-service` (k8s/overlays/eks/kustomization.yaml:10)",
    ),
    (
        "gke",
        [
            (
                "spacelift/stacks.tf",
                'namespace       = "my-service"',
                "namespace       = local.k8s_namespace",
            ),
            (
                "spacelift/variables.tf",
                'variable "repository" {',
                'locals {\n  k8s_namespace = "app"\n}\n\nvariable "repository" {',
            ),
        ],
        "INFRA001",
        "spacelift/stacks.tf",
        78,
        "`spacelift_stack.k8s` deploys to namespace `app`, but its overlay `k8s/overlays/gke` "
        "puts its objects in `my-service` (k8s/overlays/gke/kustomization.yaml:10)",
    ),
    (
        "eks",
        [
            ("infra/database.tf", "port           = 5432", "port           = var.database_port"),
            (
                "infra/variables.tf",
                'variable "account_id" {',
                'variable "database_port" {\n  type    = number\n  default = 5433\n}\n\n'
                'variable "account_id" {',
            ),
        ],
        "INFRA023",
        "k8s/overlays/eks/database.env",
        4,
        "`Deployment/my-service` container `app`'s DATABASE_URL connects to port 5432, but "
        "`aws_db_instance.this` listens on 5433 (infra/database.tf:82)",
    ),
]


@pytest.mark.parametrize(
    ("template", "edits", "rule", "path", "line", "message"),
    RESOLVED,
    ids=[f"{b[2]}-{b[0]}-{b[1][0][2].split()[-1]}" for b in RESOLVED],
)
def test_breaking_one_fact_through_a_variable_names_both_places(
    project: Rendered,
    tmp_path: Path,
    template: str,
    edits: list[tuple[str, str, str]],
    rule: str,
    path: str,
    line: int,
    message: str,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(project(template), copy)
    for file, old, new in edits:
        _edit(copy, file, old, new)
    _assert_names_both_places(copy, rule, path, line, message)


def _edit(copy: Path, file: str, old: str, new: str) -> None:
    target = copy / file
    text = target.read_text()
    assert text.count(old) == 1, old
    target.write_text(text.replace(old, new))


def _assert_names_both_places(copy: Path, rule: str, path: str, line: int, message: str) -> None:
    found = validate([copy], select=IDS, cache=False).findings
    assert [(f.rule, f.path, f.line) for f in found] == [(rule, path, line)], found
    assert message in found[0].message
    # The other place is a related location too (SARIF `relatedLocations`), and it is real:
    # every other `file:line` of the copy the message names, and nothing else.
    named = {
        (match[1], int(match[2]))
        for match in re.finditer(r"([\w./-]+):(\d+)", found[0].message)
        if (copy / match[1]).is_file() and (match[1], int(match[2])) != (path, line)
    }
    related = {(place.path, place.line) for place in found[0].related}
    assert named and related == named, found[0]
    for place_path, place_line in related:
        assert place_line <= len((copy / place_path).read_text().splitlines())


POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny
spec:
  podSelector: {}
"""

EKS_ADDON = """\
resource "aws_eks_cluster" "this" {
  name = "c"
}

resource "aws_eks_addon" "cni" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "vpc-cni"
%s}
"""


def _findings(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    build_tree(tmp_path, files)
    return [
        (f.rule, f.path, f.line) for f in validate([tmp_path], select=IDS, cache=False).findings
    ]


@pytest.mark.parametrize(
    ("terraform", "expected"),
    [
        # Dataplane V2 and the Calico add-on enforce policies; Autopilot always runs V2.
        (
            'resource "google_container_cluster" "c" {\n  datapath_provider = "ADVANCED_DATAPATH"\n}\n',
            [],
        ),
        (
            'resource "google_container_cluster" "c" {\n  network_policy {\n    enabled = true\n  }\n}\n',
            [],
        ),
        ('resource "google_container_cluster" "c" {\n  enable_autopilot = true\n}\n', []),
        (
            'resource "google_container_cluster" "c" {\n  name = "c"\n}\n',
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        (
            'resource "google_container_cluster" "c" {\n  network_policy {\n    enabled = false\n  }\n}\n',
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        # What the adapter cannot evaluate stays unjudged.
        ('resource "google_container_cluster" "c" {\n  datapath_provider = var.datapath\n}\n', []),
        (
            'resource "google_container_cluster" "c" {\n  dynamic "network_policy" {\n    for_each = []\n    content {}\n  }\n}\n',
            [],
        ),
        (EKS_ADDON % '  configuration_values = jsonencode({ enableNetworkPolicy = "true" })\n', []),
        (EKS_ADDON % '  configuration_values = "{\\"enableNetworkPolicy\\": \\"true\\"}"\n', []),
        (EKS_ADDON % "", [("INFRA002", "k8s/policy.yaml", 4)]),
        (
            EKS_ADDON % "  configuration_values = jsonencode({ env = {} })\n",
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        (EKS_ADDON % "  configuration_values = local.cni\n", []),
        # A cluster without a vpc-cni add-on runs a CNI the Terraform does not describe.
        ('resource "aws_eks_cluster" "this" {\n  name = "c"\n}\n', []),
        # Two clusters: which one runs the manifests is not written down anywhere.
        (
            'resource "google_container_cluster" "a" {}\nresource "google_container_cluster" "b" {}\n',
            [],
        ),
    ],
)
def test_network_policy_enforcement(
    tmp_path: Path, terraform: str, expected: list[tuple[str, str, int]]
) -> None:
    assert _findings(tmp_path, {"infra/main.tf": terraform, "k8s/policy.yaml": POLICY}) == expected


def test_sets_not_paired_with_a_cluster_are_not_judged(tmp_path: Path) -> None:
    unenforced = 'resource "google_container_cluster" "c" {}\n'
    files = {"infra/main.tf": unenforced, "k8s/a/policy.yaml": POLICY, "k8s/b/policy.yaml": POLICY}
    assert _findings(tmp_path, files) == []


STACK = """\
resource "spacelift_stack" "k8s" {
  name         = "k8s"
  project_root = "%s"

  kubernetes {
    namespace = "%s"
  }
}
"""

OVERLAY = {
    "k8s/base/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "k8s/base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    "k8s/prod/kustomization.yaml": "namespace: shop\nresources:\n  - ../base\n",
}


@pytest.mark.parametrize(
    ("root", "namespace", "expected"),
    [
        ("k8s/prod", "shop", []),
        ("k8s/prod", "store", [("INFRA001", "spacelift/stacks.tf", 6)]),
        ("/k8s/prod/", "store", [("INFRA001", "spacelift/stacks.tf", 6)]),
        # A project root that renders nothing here is SL's business, not this rule's.
        ("k8s/staging", "store", []),
    ],
)
def test_stack_namespace(
    tmp_path: Path, root: str, namespace: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {**OVERLAY, "spacelift/stacks.tf": STACK % (root, namespace)}
    assert _findings(tmp_path, files) == expected


def test_objects_without_a_namespace_take_the_stacks(tmp_path: Path) -> None:
    files = {
        **OVERLAY,
        "k8s/prod/kustomization.yaml": "resources:\n  - ../base\n",
        "spacelift/stacks.tf": STACK % ("k8s/prod", "store"),
    }
    assert _findings(tmp_path, files) == []


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: web
  annotations:
    kubernetes.io/ingress.global-static-ip-name: web-ip
    ingress.gcp.kubernetes.io/pre-shared-cert: web-cert, other-cert
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
"""

GKE = 'resource "google_container_cluster" "c" {\n  datapath_provider = "ADVANCED_DATAPATH"\n}\n'


@pytest.mark.parametrize(
    ("terraform", "expected"),
    [
        (
            'resource "google_compute_global_address" "ip" {\n  name = "web-ip"\n}\n'
            'resource "google_compute_managed_ssl_certificate" "a" {\n  name = "web-cert"\n}\n'
            'resource "google_compute_ssl_certificate" "b" {\n  name = "other-cert"\n}\n',
            [],
        ),
        (
            'resource "google_compute_global_address" "ip" {\n  name = "${local.p}-ip"\n}\n'
            'locals {\n  p = upper("web")\n}\n',
            [("INFRA003", "k8s/web.yaml", 7)],
        ),
        (
            'resource "google_compute_global_address" "ip" {\n  name = "other-ip"\n}\n',
            [("INFRA003", "k8s/web.yaml", 7)],
        ),
        # A peering range is no load balancer address; with it alone nothing is compared.
        (
            'resource "google_compute_global_address" "ip" {\n  name = "other"\n'
            '  purpose = "VPC_PEERING"\n}\n',
            [],
        ),
        ('resource "google_compute_global_address" "ip" {\n  name = var.ip\n}\n', []),
    ],
)
def test_ingress_resources(
    tmp_path: Path, terraform: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": GKE + terraform, "k8s/web.yaml": INGRESS}
    assert _findings(tmp_path, files) == expected


WORKLOAD_IDENTITY = """\
provider "google" {
  project = "p"
}

resource "google_service_account" "app" {
  account_id = replace(substr("web-app-----", 0, 9), "/-+$/", "")
}

resource "google_service_account_iam_member" "wi" {
  service_account_id = google_service_account.app.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:p.svc.id.goog[${var.namespace}/web]"
}

variable "namespace" {
  type    = string
  default = "web"
}
"""

KSA = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: %s
  annotations:
    iam.gke.io/gcp-service-account: %s
"""


@pytest.mark.parametrize(
    ("namespace", "email", "tfvars", "expected"),
    [
        ("web", "web-app@p.iam.gserviceaccount.com", "", []),
        ("shop", "web-app@p.iam.gserviceaccount.com", "", [("INFRA004", "k8s/sa.yaml", 7)]),
        ("web", "web@p.iam.gserviceaccount.com", "", [("INFRA004", "k8s/sa.yaml", 7)]),
        # terraform.tfvars wins over the default.
        ("shop", "web-app@p.iam.gserviceaccount.com", 'namespace = "shop"\n', []),
        # A number is text in a template, as Terraform converts it; a list is not.
        (
            "web",
            "web-app@p.iam.gserviceaccount.com",
            "namespace = 3\n",
            [("INFRA004", "k8s/sa.yaml", 7)],
        ),
        ("web", "web-app@p.iam.gserviceaccount.com", 'namespace = ["web"]\n', []),
    ],
)
def test_workload_identity(
    tmp_path: Path, namespace: str, email: str, tfvars: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {
        "infra/main.tf": GKE + WORKLOAD_IDENTITY,
        "infra/terraform.tfvars": tfvars,
        "k8s/sa.yaml": KSA % (namespace, email),
    }
    assert _findings(tmp_path, files) == expected


def test_workload_identity_grant_of_unknown_role_is_not_judged(tmp_path: Path) -> None:
    grant = WORKLOAD_IDENTITY.replace('"roles/iam.workloadIdentityUser"', "var.role")
    files = {
        "infra/main.tf": GKE + grant,
        "k8s/sa.yaml": KSA % ("shop", "web-app@p.iam.gserviceaccount.com"),
    }
    assert _findings(tmp_path, files) == []


POD_IDENTITY = """\
resource "aws_eks_cluster" "this" {
  name = "c"
}

resource "aws_eks_pod_identity_association" "web" {
  cluster_name    = aws_eks_cluster.this.name
  namespace       = "web"
  service_account = %s
}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: web:1
"""


@pytest.mark.parametrize(
    ("service_account", "expected"),
    [
        ('"web"', []),
        ('"api"', [("INFRA005", "infra/main.tf", 8)]),
        ("var.sa", []),
    ],
)
def test_pod_identity(
    tmp_path: Path, service_account: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": POD_IDENTITY % service_account, "k8s/web.yaml": DEPLOYMENT}
    assert _findings(tmp_path, files) == expected


GKE_HPA = (
    'resource "google_container_cluster" "c" {\n'
    "  addons_config {\n    horizontal_pod_autoscaling {\n      disabled = %s\n    }\n  }\n}\n"
)
HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  maxReplicas: 3
%s"""

CPU = "  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n"
EXTERNAL = "  metrics:\n    - type: External\n      external:\n        metric:\n          name: q\n"
EKS = 'resource "aws_eks_cluster" "this" {\n  name = "c"\n}\n'
ADDONS = 'resource "aws_eks_addon" "core" {\n  for_each   = %s\n  addon_name = each.value\n}\n'


@pytest.mark.parametrize(
    ("terraform", "metrics", "expected"),
    [
        (EKS, CPU, [("INFRA006", "k8s/hpa.yaml", 12)]),
        # No `metrics` means CPU at 80%.
        (EKS, "", [("INFRA006", "k8s/hpa.yaml", 6)]),
        (EKS, EXTERNAL, []),
        (EKS + 'resource "aws_eks_addon" "m" {\n  addon_name = "metrics-server"\n}\n', CPU, []),
        (EKS + 'resource "helm_release" "m" {\n  chart = "metrics-server"\n}\n', CPU, []),
        # One block installing several add-ons: its `for_each` names them.
        (EKS + ADDONS % '["coredns", "metrics-server"]', CPU, []),
        (EKS + ADDONS % 'toset(["coredns", "metrics-server"])', CPU, []),
        (
            EKS + ADDONS % 'toset(["coredns", "kube-proxy"])',
            CPU,
            [("INFRA006", "k8s/hpa.yaml", 12)],
        ),
        (EKS + ADDONS % "var.addons", CPU, []),
        (EKS + 'resource "helm_release" "m" {\n  chart = var.chart\n}\n', CPU, []),
        (EKS + 'module "addons" {\n  source = "x"\n  enable_metrics_server = true\n}\n', CPU, []),
        # GKE serves the resource metrics API on every cluster...
        (GKE, CPU, []),
        (GKE_HPA % "false", CPU, []),
        # ...unless a Standard cluster switches the autoscaling feature off: then no HPA
        # scales, whatever its metrics.
        (GKE_HPA % "true", CPU, [("INFRA006", "k8s/hpa.yaml", 7)]),
        (GKE_HPA % "true", EXTERNAL, [("INFRA006", "k8s/hpa.yaml", 7)]),
        (GKE_HPA % "var.off", CPU, []),
        (GKE_HPA.replace("{\n", "{\n  enable_autopilot = true\n", 1) % "true", CPU, []),
    ],
)
def test_hpa_metrics_source(
    tmp_path: Path, terraform: str, metrics: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": terraform, "k8s/hpa.yaml": HPA % metrics}
    assert _findings(tmp_path, files) == expected


APPLY = """\
resource "google_container_cluster" "c" {
  name = "c"
}

resource "null_resource" "apply" {
  provisioner "local-exec" {
    command = "kubectl apply -k ${var.manifests} -n web"
  }
}

variable "manifests" {
  type    = string
  default = "../k8s/%s"
}
"""


@pytest.mark.parametrize(
    ("applied", "expected"),
    [
        ("prod", [("INFRA002", "k8s/base/policy.yaml", 4)]),
        # The overlay the Terraform applies has no NetworkPolicy; the other one is not deployed.
        ("plain", []),
    ],
)
def test_terraform_applying_an_overlay_pairs_it(
    tmp_path: Path, applied: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {
        "infra/main.tf": APPLY % applied,
        "k8s/base/kustomization.yaml": "resources:\n  - policy.yaml\n",
        "k8s/base/policy.yaml": POLICY,
        "k8s/prod/kustomization.yaml": "resources:\n  - ../base\n",
        "k8s/plain/kustomization.yaml": "resources:\n  - cm.yaml\n",
        "k8s/plain/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
        "k8s/other/kustomization.yaml": "resources:\n  - ../base\n",
    }
    assert _findings(tmp_path, files) == expected


PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: web
spec:
  %s
  selector:
    matchLabels:
      app: web
"""

WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
%s  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: %s
    spec:
      containers:
        - name: web
          image: web:1
"""

SCALER = HPA % "" + "  minReplicas: %d\n"


@pytest.mark.parametrize(
    ("budget", "replicas", "labels", "hpa", "expected"),
    [
        ("minAvailable: 2", "  replicas: 2\n", "web", None, [("INFRA020", "k8s/pdb.yaml", 7)]),
        ("minAvailable: 1", "  replicas: 2\n", "web", None, []),
        # No `replicas` is one pod; the HPA's minReplicas wins over `replicas`.
        ("minAvailable: 1", "", "web", None, [("INFRA020", "k8s/pdb.yaml", 7)]),
        ("minAvailable: 2", "  replicas: 3\n", "web", 2, [("INFRA020", "k8s/pdb.yaml", 7)]),
        ("minAvailable: 2", "  replicas: 1\n", "web", 3, []),
        # Percentages round up, as the disruption controller rounds them.
        ('minAvailable: "50%"', "  replicas: 1\n", "web", None, [("INFRA020", "k8s/pdb.yaml", 7)]),
        ('minAvailable: "50%"', "  replicas: 3\n", "web", None, []),
        ("maxUnavailable: 0", "  replicas: 5\n", "web", None, [("INFRA020", "k8s/pdb.yaml", 7)]),
        ('maxUnavailable: "0%"', "  replicas: 5\n", "web", None, [("INFRA020", "k8s/pdb.yaml", 7)]),
        ('maxUnavailable: "10%"', "  replicas: 1\n", "web", None, []),
        # A PDB that selects no workload of the set protects nothing this rule can count.
        ("minAvailable: 2", "  replicas: 1\n", "api", None, []),
        ("minAvailable: 2", "  replicas: ${REPLICAS}\n", "web", None, []),
    ],
)
def test_pdb_against_replicas(
    tmp_path: Path,
    budget: str,
    replicas: str,
    labels: str,
    hpa: int | None,
    expected: list[tuple[str, str, int]],
) -> None:
    files = {
        "infra/main.tf": GKE,
        "k8s/pdb.yaml": PDB % budget,
        "k8s/web.yaml": WORKLOAD % (replicas, labels),
    }
    if hpa is not None:
        files["k8s/hpa.yaml"] = SCALER % hpa
    assert _findings(tmp_path, files) == expected


def test_pdb_message_names_the_replica_count(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": GKE,
        "k8s/pdb.yaml": PDB % "minAvailable: 3",
        "k8s/web.yaml": WORKLOAD % ("  replicas: 3\n", "web"),
    }
    build_tree(tmp_path, files)
    (finding,) = validate([tmp_path], select=IDS, cache=False).findings
    assert finding.message == (
        "`PodDisruptionBudget/web` has minAvailable 3, but `Deployment/web` replicas 3 "
        "(k8s/web.yaml:7) can leave only 3 pods running, so none may ever be evicted and "
        "every node drain waits on it"
    )


READER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
%sspec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: web:1
%s"""

SECRET_KEY = (
    "          env:\n            - name: A\n              valueFrom:\n"
    "                secretKeyRef:\n                  name: db\n                  key: url\n"
)
SECRET_ENV = "          envFrom:\n            - secretRef:\n                name: db\n"
SECRET_VOLUME = "      volumes:\n        - name: v\n          secret:\n            secretName: db\n"
OPTIONAL = SECRET_ENV + "                optional: true\n"
DECLARED = "  annotations:\n    infra.scaffolder.dev/external-secrets: other, db\n"
SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: %s\ndata:\n  %s: eA==\n"
TF_SECRET = """\
resource "kubernetes_secret_v1" "db" {
  metadata {
    name      = "db"
    namespace = %s
  }
  data = {
    url = "x"
  }
}
"""
EXTERNAL_SECRET = """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: db
  namespace: web
spec:
  target:
    name: %s
"""


@pytest.mark.parametrize(
    ("annotations", "reads", "extra", "terraform", "expected"),
    [
        ("", SECRET_KEY, {}, "", [("INFRA022", "k8s/web.yaml", 22)]),
        ("", SECRET_ENV, {}, "", [("INFRA022", "k8s/web.yaml", 20)]),
        ("", SECRET_VOLUME, {}, "", [("INFRA022", "k8s/web.yaml", 21)]),
        ("", OPTIONAL, {}, "", []),
        (DECLARED, SECRET_KEY, {}, "", []),
        ("", SECRET_KEY, {"k8s/db.yaml": SECRET % ("web", "url")}, "", []),
        # The key, and the namespace, must be the ones created.
        (
            "",
            SECRET_KEY,
            {"k8s/db.yaml": SECRET % ("web", "password")},
            "",
            [("INFRA022", "k8s/web.yaml", 22)],
        ),
        (
            "",
            SECRET_KEY,
            {"k8s/db.yaml": SECRET % ("other", "url")},
            "",
            [("INFRA022", "k8s/web.yaml", 22)],
        ),
        ("", SECRET_ENV, {"k8s/db.yaml": SECRET % ("web", "password")}, "", []),
        ("", SECRET_KEY, {}, TF_SECRET % '"web"', []),
        ("", SECRET_KEY, {}, TF_SECRET % '"other"', [("INFRA022", "k8s/web.yaml", 22)]),
        ("", SECRET_KEY, {}, TF_SECRET % "var.namespace", []),
        ("", SECRET_KEY, {"k8s/es.yaml": EXTERNAL_SECRET % "db"}, "", []),
        (
            "",
            SECRET_KEY,
            {"k8s/es.yaml": EXTERNAL_SECRET % "cache"},
            "",
            [("INFRA022", "k8s/web.yaml", 22)],
        ),
    ],
)
def test_secrets_are_created(
    tmp_path: Path,
    annotations: str,
    reads: str,
    extra: dict[str, str],
    terraform: str,
    expected: list[tuple[str, str, int]],
) -> None:
    files = {"infra/main.tf": GKE + terraform, "k8s/web.yaml": READER % (annotations, reads)}
    assert _findings(tmp_path, {**files, **extra}) == expected


RDS = """\
resource "aws_eks_cluster" "this" {
  name = "c"
}

resource "aws_db_parameter_group" "p" {
  parameter {
    name  = "rds.force_ssl"
    value = "%s"
  }
}

resource "aws_db_instance" "db" {
  engine               = "postgres"
  parameter_group_name = aws_db_parameter_group.p.name
%s}
"""

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: web:1
          env:
            - name: DATABASE_URL
              value: "%s"
"""


@pytest.mark.parametrize(
    ("force", "port", "url", "expected"),
    [
        ("1", "", "postgresql://app@db.example:5432/app?sslmode=verify-full", []),
        ("1", "", "postgresql://app@db.example/app?sslmode=require", []),
        # No sslmode is libpq's `prefer`: a downgrade an attacker on the path can force.
        ("1", "", "postgresql://app@db.example/app", [("INFRA023", "k8s/web.yaml", 20)]),
        ("0", "", "postgresql://app@db.example/app?sslmode=disable", []),
        ("1", "  port = 6432\n", "postgresql://app@db.example:6432/app?sslmode=require", []),
        (
            "0",
            "  port = 6432\n",
            "postgresql://app@db.example/app",
            [("INFRA023", "k8s/web.yaml", 20)],
        ),
        # libpq's `port` parameter overrides the authority's.
        ("0", "  port = 6432\n", "postgresql://app@db.example:5432/app?port=6432", []),
        # Not a PostgreSQL URL, or a port that is not static: not judged.
        ("1", "", "mysql://app@db.example/app", []),
        ("1", "  port = var.port\n", "postgresql://app@db.example:1/app?sslmode=require", []),
    ],
)
def test_rds_database_url(
    tmp_path: Path, force: str, port: str, url: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": RDS % (force, port), "k8s/web.yaml": APP % url}
    assert _findings(tmp_path, files) == expected


POOL = """\
resource "google_container_cluster" "c" {
  datapath_provider = "ADVANCED_DATAPATH"
}

resource "google_container_node_pool" "p" {
  location = "%s"
  autoscaling {
    max_node_count = %s
  }
  node_config {
    machine_type = "%s"
  }
}
"""

SCALED = HPA % "" + "  minReplicas: 1\n"
HUNGRY = (WORKLOAD % ("  replicas: 1\n", "web")).replace(
    "          image: web:1\n",
    "          image: web:1\n          resources:\n            requests:\n"
    "              cpu: %s\n              memory: %s\n",
)


@pytest.mark.parametrize(
    ("location", "nodes", "machine", "cpu", "memory", "expected"),
    [
        # 3 pods x 2 CPU against 1 node x 1930m (2 vCPU, less the kubelet's 70m).
        ("europe-west1-b", "1", "e2-standard-2", '"2"', "1Gi", [("INFRA021", "k8s/hpa.yaml", 11)]),
        ("europe-west1-b", "1", "e2-standard-2", "600m", "1Gi", []),
        # A regional pool runs max_node_count in each of three zones: 3 x 1930m.
        ("europe-west1", "1", "e2-standard-2", "1900m", "1Gi", []),
        ("europe-west1", "1", "e2-standard-2", "1931m", "1Gi", [("INFRA021", "k8s/hpa.yaml", 11)]),
        # Memory: 3 pods against 8192 MiB less 1943 reserved (25% of 4 GiB, 20% of 4 GiB, and
        # 100 MiB eviction threshold) = 6249 MiB.
        ("europe-west1-b", "1", "e2-standard-2", "100m", "2083Mi", []),
        (
            "europe-west1-b",
            "1",
            "e2-standard-2",
            "100m",
            "2084Mi",
            [("INFRA021", "k8s/hpa.yaml", 11)],
        ),
        # Machine types not in the table (the shared-core e2-medium) and bounds that are not
        # static: silent.
        ("europe-west1-b", "1", "e2-medium", '"64"', "1Gi", []),
        ("europe-west1-b", "var.max", "e2-standard-2", '"64"', "1Gi", []),
    ],
)
def test_node_autoscaling_holds_the_hpa(
    tmp_path: Path,
    location: str,
    nodes: str,
    machine: str,
    cpu: str,
    memory: str,
    expected: list[tuple[str, str, int]],
) -> None:
    files = {
        "infra/main.tf": POOL % (location, nodes, machine),
        "k8s/hpa.yaml": SCALED,
        "k8s/web.yaml": HUNGRY % (cpu, memory),
    }
    assert _findings(tmp_path, files) == expected


ECR = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = [%s]
}

resource "aws_eks_cluster" "this" {
  name = "c"
}

resource "aws_ecr_repository" "web" {
  name                 = %s
  image_tag_mutability = "%s"
}
"""

ARTIFACT_REGISTRY = """\
provider "google" {
  project = "p"
}

resource "google_container_cluster" "c" {
  datapath_provider = "ADVANCED_DATAPATH"
}

resource "google_artifact_registry_repository" "web" {
  location      = "europe-west1"
  repository_id = %s
  format        = "%s"

  docker_config {
    immutable_tags = true
  }
}
"""

ACCOUNT = "111111111111.dkr.ecr.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("terraform", "image", "expected"),
    [
        (ECR % ('"111111111111"', '"web"', "MUTABLE"), f"{ACCOUNT}/web:latest", []),
        (ECR % ('"111111111111"', '"web"', "IMMUTABLE"), f"{ACCOUNT}/web:1.2", []),
        (ECR % ('"111111111111"', '"web"', "IMMUTABLE"), f"{ACCOUNT}/web@sha256:" + "a" * 64, []),
        (
            ECR % ('"111111111111"', '"web"', "IMMUTABLE"),
            f"{ACCOUNT}/web:latest",
            [("INFRA011", "k8s/web.yaml", 18)],
        ),
        # No tag is `latest`.
        (
            ECR % ('"111111111111"', '"web"', "IMMUTABLE"),
            f"{ACCOUNT}/web",
            [("INFRA011", "k8s/web.yaml", 18)],
        ),
        # Exclusion filters may exempt `latest`: not judged.
        (ECR % ('"111111111111"', '"web"', "IMMUTABLE_WITH_EXCLUSION"), f"{ACCOUNT}/web", []),
        (
            ECR % ('"111111111111"', '"web"', "MUTABLE"),
            f"{ACCOUNT}/api:1",
            [("INFRA010", "k8s/web.yaml", 18)],
        ),
        # Same name in another account: a typo in the account.
        (
            ECR % ('"111111111111"', '"web"', "MUTABLE"),
            "222222222222.dkr.ecr.eu-west-1.amazonaws.com/web:1",
            [("INFRA010", "k8s/web.yaml", 18)],
        ),
        # Another name in another account: somebody else's registry.
        (
            ECR % ('"111111111111"', '"web"', "MUTABLE"),
            "222222222222.dkr.ecr.eu-west-1.amazonaws.com/api:1",
            [],
        ),
        # An account not static matches any; a name not static leaves ECR images unjudged.
        (
            ECR % ("data.aws_caller_identity.me.account_id", '"web"', "MUTABLE"),
            "222222222222.dkr.ecr.eu-west-1.amazonaws.com/web:1",
            [],
        ),
        (ECR % ('"111111111111"', "var.repository", "MUTABLE"), f"{ACCOUNT}/api:1", []),
        # Images of hosts the Terraform creates no repository of are not judged.
        (
            ECR % ('"111111111111"', '"web"', "MUTABLE"),
            "europe-west1-docker.pkg.dev/p/web/web:1",
            [],
        ),
        (ECR % ('"111111111111"', '"web"', "IMMUTABLE"), "web:latest", []),
        (ARTIFACT_REGISTRY % ('"web"', "DOCKER"), "europe-west1-docker.pkg.dev/p/web/web:1", []),
        (
            ARTIFACT_REGISTRY % ('"web"', "DOCKER"),
            "europe-west1-docker.pkg.dev/p/api/web:1",
            [("INFRA010", "k8s/web.yaml", 18)],
        ),
        (
            ARTIFACT_REGISTRY % ('"web"', "DOCKER"),
            "europe-west1-docker.pkg.dev/q/web/web:1",
            [("INFRA010", "k8s/web.yaml", 18)],
        ),
        (
            ARTIFACT_REGISTRY % ('"web"', "DOCKER"),
            "europe-west1-docker.pkg.dev/p/web/web",
            [("INFRA011", "k8s/web.yaml", 18)],
        ),
        # A Maven repository serves no images; a repository id not static is unknown.
        (ARTIFACT_REGISTRY % ('"web"', "MAVEN"), "europe-west1-docker.pkg.dev/p/api/web:1", []),
        (ARTIFACT_REGISTRY % ("var.id", "DOCKER"), "europe-west1-docker.pkg.dev/p/api/web:1", []),
    ],
)
def test_images(
    tmp_path: Path, terraform: str, image: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": terraform, "k8s/web.yaml": DEPLOYMENT.replace("web:1", image)}
    assert _findings(tmp_path, files) == expected


def test_images_after_kustomize_images(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": ECR % ('"111111111111"', '"web"', "IMMUTABLE"),
        "k8s/base/kustomization.yaml": "resources:\n  - web.yaml\n",
        "k8s/base/web.yaml": DEPLOYMENT,
        "k8s/prod/kustomization.yaml": (
            f"resources:\n  - ../base\nimages:\n  - name: web\n    newName: {ACCOUNT}/api\n"
        ),
    }
    assert _findings(tmp_path, files) == [("INFRA010", "k8s/prod/kustomization.yaml", 5)]


EKS_MODULE = """\
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"
  name    = "c"
%s}
"""
GKE_MODULE = """\
module "gke" {
  source     = "terraform-google-modules/kubernetes-engine/google%s"
  project_id = "p"
  name       = "c"
%s}
"""
CNI_POLICY = '      configuration_values = jsonencode({ enableNetworkPolicy = "true" })\n'


@pytest.mark.parametrize(
    ("terraform", "expected"),
    [
        # v21 names the input `addons`; v20 and before `cluster_addons`: both are read.
        (
            EKS_MODULE % "  addons = {\n    vpc-cni = {}\n  }\n",
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        (
            EKS_MODULE
            % "  cluster_addons = {\n    vpc-cni = {\n      most_recent = true\n    }\n  }\n",
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        (EKS_MODULE % f"  addons = {{\n    vpc-cni = {{\n{CNI_POLICY}    }}\n  }}\n", []),
        # An entry's `name` is the add-on's, over its key.
        (
            EKS_MODULE
            % f'  addons = {{\n    cni = {{\n      name = "vpc-cni"\n{CNI_POLICY}    }}\n  }}\n',
            [],
        ),
        (
            EKS_MODULE % '  addons = {\n    cni = {\n      name = "vpc-cni"\n    }\n  }\n',
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        # No vpc-cni add-on, an add-on map that is not static, Auto Mode: not judged.
        (EKS_MODULE % "  addons = {\n    coredns = {}\n  }\n", []),
        (EKS_MODULE % "", []),
        (EKS_MODULE % "  addons = var.addons\n", []),
        (
            EKS_MODULE
            % "  compute_config = { enabled = true }\n  addons = {\n    vpc-cni = {}\n  }\n",
            [],
        ),
        # A submodule of the EKS module builds no cluster.
        (
            'module "ng" {\n  source = "terraform-aws-modules/eks/aws//modules/eks-managed-node-group"\n}\n',
            [],
        ),
        # The GKE module enforces nothing by default.
        (GKE_MODULE % ("", ""), [("INFRA002", "k8s/policy.yaml", 4)]),
        (
            GKE_MODULE % ("//modules/private-cluster", "  network_policy = false\n"),
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        (GKE_MODULE % ("", "  network_policy = true\n"), []),
        (GKE_MODULE % ("", '  datapath_provider = "ADVANCED_DATAPATH"\n'), []),
        (
            GKE_MODULE % ("", "  network_policy = var.np\n")
            + 'variable "np" {\n  default = true\n}\n',
            [],
        ),
        (GKE_MODULE % ("", "  network_policy = var.np\n") + 'variable "np" {}\n', []),
        (GKE_MODULE % ("//modules/beta-autopilot-private-cluster", ""), []),
        (GKE_MODULE % ("//modules/workload-identity", ""), []),
        # Many clusters from one call: which one runs the manifests is not written down.
        (GKE_MODULE % ("", '  for_each = toset(["a", "b"])\n'), []),
    ],
)
def test_network_policy_enforcement_of_cluster_modules(
    tmp_path: Path, terraform: str, expected: list[tuple[str, str, int]]
) -> None:
    assert _findings(tmp_path, {"infra/main.tf": terraform, "k8s/policy.yaml": POLICY}) == expected


def test_cluster_module_finding_names_the_input(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "infra/main.tf": EKS_MODULE % "  addons = {\n    vpc-cni = {}\n  }\n",
            "k8s/policy.yaml": POLICY,
        },
    )
    (finding,) = validate([tmp_path], select=["INFRA002"], cache=False).findings
    assert finding.message == (
        "`NetworkPolicy/deny` would be ignored: `module.eks` manages `vpc-cni` with no "
        "`configuration_values` setting `enableNetworkPolicy`, so the cluster does not enforce "
        "NetworkPolicy (infra/main.tf:5)"
    )
    assert [(place.path, place.line) for place in finding.related] == [("infra/main.tf", 5)]


@pytest.mark.parametrize(
    ("addons", "expected"),
    [
        ("  addons = {\n    vpc-cni = {}\n  }\n", [("INFRA006", "k8s/hpa.yaml", 12)]),
        ('  addons = {\n    "metrics-server" = {}\n  }\n', []),
        ("  cluster_addons = {\n    metrics-server = {}\n  }\n", []),
        ("  addons = var.addons\n", []),
    ],
)
def test_hpa_metrics_source_of_the_eks_module(
    tmp_path: Path, addons: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": EKS_MODULE % addons, "k8s/hpa.yaml": HPA % CPU}
    assert _findings(tmp_path, files) == expected


MANIFESTED = """\
module "eks" {
  source = "terraform-aws-modules/eks/aws"
  name   = "%s"
  addons = {
    vpc-cni = {}
  }
}

resource "kubectl_manifest" "policy" {
  yaml_body = file("${path.module}/%s")
}
"""


@pytest.mark.parametrize(
    ("applied", "expected"),
    [
        # Each module applies its own file: only the one whose cluster ignores it is reported.
        ("policy.yaml", [("INFRA002", "a/policy.yaml", 4)]),
        # An applied file that is not one of the root's manifests pairs nothing.
        ("missing.yaml", []),
    ],
)
def test_terraform_applying_a_manifest_file_pairs_it(
    tmp_path: Path, applied: str, expected: list[tuple[str, str, int]]
) -> None:
    enforced = (MANIFESTED % ("b", "policy.yaml")).replace(
        "vpc-cni = {}", f"vpc-cni = {{\n{CNI_POLICY}    }}"
    )
    files = {
        "a/main.tf": MANIFESTED % ("a", applied),
        "a/policy.yaml": POLICY,
        "b/main.tf": enforced,
        "b/policy.yaml": POLICY,
    }
    assert _findings(tmp_path, files) == expected


APPLIED_SECRET = """\
resource "kubectl_manifest" "db" {
  yaml_body = <<-YAML
    apiVersion: external-secrets.io/v1beta1
    kind: %s
    metadata:
      name: ${local.name}
      namespace: web
    spec:
      target:
        name: db
  YAML
}

locals {
  name = "db-es"
}
"""
MANIFEST_SECRET = """\
resource "kubernetes_manifest" "db" {
  manifest = {
    apiVersion = "v1"
    kind       = "Secret"
    metadata = {
      name      = "db"
      namespace = "%s"
    }
    data = {
      url = "eA=="
    }
  }
}
"""


@pytest.mark.parametrize(
    ("terraform", "expected"),
    [
        (APPLIED_SECRET % "ExternalSecret", []),
        (APPLIED_SECRET % "SecretStore", [("INFRA022", "k8s/web.yaml", 22)]),
        (MANIFEST_SECRET % "web", []),
        (MANIFEST_SECRET % "other", [("INFRA022", "k8s/web.yaml", 22)]),
        (
            'resource "kubernetes_manifest" "db" {\n'
            '  manifest = yamldecode(file("${path.module}/secret.json"))\n}\n',
            [],
        ),
        # What Terraform applies without a static body, and a Helm chart, may create the Secret.
        ('resource "kubectl_manifest" "db" {\n  yaml_body = data.x.y\n}\n', []),
        ('resource "helm_release" "db" {\n  chart = "db"\n  namespace = "web"\n}\n', []),
        (
            'resource "helm_release" "db" {\n  chart = "db"\n  namespace = "other"\n}\n',
            [("INFRA022", "k8s/web.yaml", 22)],
        ),
    ],
)
def test_secrets_terraform_applies(
    tmp_path: Path, terraform: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {
        "infra/main.tf": GKE + terraform,
        # JSON, which `yamldecode` reads too: a YAML file here would be a second object set.
        "infra/secret.json": (
            '{"kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, "data": {"url": ""}}'
        ),
        "k8s/web.yaml": READER % ("", SECRET_KEY),
    }
    assert _findings(tmp_path, files) == expected


@pytest.mark.parametrize(
    ("key", "expected"), [("url", []), ("password", [("INFRA022", "k8s/web.yaml", 22)])]
)
def test_secrets_terraform_applies_from_a_file(
    tmp_path: Path, key: str, expected: list[tuple[str, str, int]]
) -> None:
    # The file is read: a key it does not write is reported (an unread file would be silent).
    secret = {"kind": "Secret", "metadata": {"name": "db", "namespace": "web"}, "data": {key: ""}}
    files = {
        "infra/main.tf": GKE
        + 'resource "kubernetes_manifest" "db" {\n'
        + '  manifest = yamldecode(file("${path.module}/secret.json"))\n}\n',
        "infra/secret.json": json.dumps(secret),
        "k8s/web.yaml": READER % ("", SECRET_KEY),
    }
    assert _findings(tmp_path, files) == expected


BLUEPRINTS = """\
module "addons" {
  source = "aws-ia/eks-blueprints-addons/aws"
  eks_addons = {
    vpc-cni = {
%s    }
  }
}
"""
BLUEPRINTS_SOURCE = "aws-ia/eks-blueprints-addons/aws"
RAW_CNI = 'resource "aws_eks_addon" "cni" {\n  addon_name = "vpc-cni"\n%s}\n'


@pytest.mark.parametrize(
    ("terraform", "expected"),
    [
        # The vpc-cni add-on beside the module: the Blueprints add-ons module, or a resource.
        (EKS_MODULE % "" + BLUEPRINTS % CNI_POLICY, []),
        (EKS_MODULE % "" + BLUEPRINTS % "", [("INFRA002", "k8s/policy.yaml", 4)]),
        (EKS_MODULE % "" + RAW_CNI % "", [("INFRA002", "k8s/policy.yaml", 4)]),
        (EKS_MODULE % "" + RAW_CNI % CNI_POLICY, []),
        # Another add-on resource leaves the module's own vpc-cni the one judged.
        (
            EKS_MODULE % "  addons = {\n    vpc-cni = {}\n  }\n"
            + 'resource "aws_eks_addon" "dns" {\n  addon_name = "coredns"\n}\n',
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        # Two places configuring vpc-cni, or an add-on whose name is not static: not judged.
        (EKS_MODULE % "  addons = {\n    vpc-cni = {}\n  }\n" + RAW_CNI % "", []),
        (EKS_MODULE % "" + RAW_CNI.replace('"vpc-cni"', "var.addon") % "", []),
        (
            EKS_MODULE % ""
            + BLUEPRINTS.replace("{\n    vpc-cni", "var.x\n  x = {\n    vpc-cni") % "",
            [],
        ),
    ],
)
def test_network_policy_enforcement_beside_the_eks_module(
    tmp_path: Path, terraform: str, expected: list[tuple[str, str, int]]
) -> None:
    assert _findings(tmp_path, {"infra/main.tf": terraform, "k8s/policy.yaml": POLICY}) == expected


@pytest.mark.parametrize(
    ("addons", "expected"),
    [
        ("  eks_addons = {\n    metrics-server = {}\n  }\n", []),
        ("  eks_addons = {\n    coredns = {}\n  }\n", [("INFRA006", "k8s/hpa.yaml", 12)]),
        ("  eks_addons = var.addons\n", []),
    ],
)
def test_hpa_metrics_source_of_the_blueprints_addons(
    tmp_path: Path, addons: str, expected: list[tuple[str, str, int]]
) -> None:
    blueprints = f'module "addons" {{\n  source = "{BLUEPRINTS_SOURCE}"\n{addons}}}\n'
    files = {"infra/main.tf": EKS_MODULE % "" + blueprints, "k8s/hpa.yaml": HPA % CPU}
    assert _findings(tmp_path, files) == expected


APPLY_F = """\
resource "google_container_cluster" "c" {
  name = "c"
}

resource "null_resource" "apply" {
  provisioner "local-exec" {
    command = "kubectl apply %s"
  }
}
"""


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("-f ../k8s/a", [("INFRA002", "k8s/a/policy.yaml", 4)]),
        ("-f ../k8s/a/policy.yaml", [("INFRA002", "k8s/a/policy.yaml", 4)]),
        # A directory's manifests, not those below it, unless `-R`.
        ("-f ../k8s", []),
        ("-R -f ../k8s", [("INFRA002", "k8s/a/policy.yaml", 4)]),
        ("-f https://example.com/policy.yaml", []),
    ],
)
def test_terraform_applying_manifest_files_pairs_them(
    tmp_path: Path, arguments: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {
        "infra/main.tf": APPLY_F % arguments,
        "k8s/a/policy.yaml": POLICY,
        "k8s/b/policy.yaml": POLICY.replace("name: deny", "name: other"),
    }
    assert _findings(tmp_path, files) == expected


# Modelled on a public EKS pattern: Cilium from the Blueprints add-ons module's Helm releases.
CILIUM = f"""\
module "addons" {{
  source = "{BLUEPRINTS_SOURCE}"
  helm_releases = {{
    cilium = {{
      chart      = "cilium"
      repository = "https://helm.cilium.io/"
    }}
  }}
}}
"""


@pytest.mark.parametrize(
    ("terraform", "expected"),
    [
        (
            EKS_MODULE % "  addons = {\n    vpc-cni = {}\n  }\n",
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
        (EKS_MODULE % "  addons = {\n    vpc-cni = {}\n  }\n" + CILIUM, []),
        (EKS_ADDON % "" + 'resource "helm_release" "c" {\n  chart = "tigera-operator"\n}\n', []),
        (EKS_ADDON % "" + 'resource "helm_release" "c" {\n  chart = var.chart\n}\n', []),
        (
            EKS_ADDON % "" + 'resource "helm_release" "c" {\n  chart = "metrics-server"\n}\n',
            [("INFRA002", "k8s/policy.yaml", 4)],
        ),
    ],
)
def test_network_policy_engines_the_terraform_installs(
    tmp_path: Path, terraform: str, expected: list[tuple[str, str, int]]
) -> None:
    assert _findings(tmp_path, {"infra/main.tf": terraform, "k8s/policy.yaml": POLICY}) == expected


# Modelled on a public hub-and-spoke pattern: the set is an Argo CD ApplicationSet.
APPLICATION_SET = """\
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: addons
  namespace: argocd
spec:
  generators: []
  template:
    metadata:
      name: addon
    spec:
      project: default
      source:
        repoURL: https://example.com/addons
      destination:
        server: https://kubernetes.default.svc
"""


@pytest.mark.parametrize(
    ("gitops", "expected"),
    [
        ("", [("INFRA006", "k8s/hpa.yaml", 12), ("INFRA022", "k8s/web.yaml", 22)]),
        # Argo CD deploys more than the set shows: metrics-server and Secrets may come from it.
        (APPLICATION_SET, []),
    ],
)
def test_gitops_objects_leave_what_they_deploy_unjudged(
    tmp_path: Path, gitops: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {
        "infra/main.tf": EKS_MODULE % "",
        "k8s/hpa.yaml": HPA % CPU,
        "k8s/web.yaml": READER % ("", SECRET_KEY) + gitops,
    }
    assert sorted(_findings(tmp_path, files)) == expected


POD_IDENTITY_ARGOCD = """\
resource "aws_eks_cluster" "this" {
  name = "c"
}

resource "aws_eks_pod_identity_association" "argocd" {
  cluster_name    = aws_eks_cluster.this.name
  namespace       = "argocd"
  service_account = "argocd-server"
  role_arn        = "arn:aws:iam::111122223333:role/argocd"
}
%s"""


@pytest.mark.parametrize(
    ("installer", "expected"),
    [
        ("", [("INFRA005", "infra/main.tf", 8)]),
        # A chart (or another module) installs workloads into argocd that the set does not show.
        (
            'resource "helm_release" "argocd" {\n  chart = "argo-cd"\n  namespace = "argocd"\n}\n',
            [],
        ),
        ('module "gitops" {\n  source = "gitops-bridge-dev/gitops-bridge/helm"\n}\n', []),
        (
            'resource "helm_release" "argocd" {\n  chart = "argo-cd"\n  namespace = "other"\n}\n',
            [("INFRA005", "infra/main.tf", 8)],
        ),
    ],
)
def test_pod_identity_for_workloads_installed_elsewhere(
    tmp_path: Path, installer: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": POD_IDENTITY_ARGOCD % installer, "k8s/web.yaml": DEPLOYMENT}
    assert _findings(tmp_path, files) == expected
