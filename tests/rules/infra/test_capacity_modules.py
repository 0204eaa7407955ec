"""INFRA021 on clusters of the community EKS and GKE modules, and the machine table behind it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffolder.validation import validate
from scaffolder.validation.infra.rules.capacity import (
    COMPUTE_ENGINE,
    EC2,
    MACHINES,
    allocatable,
)

from ...conftest import build_tree

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
  minReplicas: 1
"""

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  replicas: 1
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
          resources:
            requests:
              cpu: %s
              memory: 1Gi
"""

EKS = """\
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name = "shop"
%s
  eks_managed_node_groups = {
    general = {
%s    }
  }
}
"""

GKE = """\
module "gke" {
  source     = "terraform-google-modules/kubernetes-engine/google"
  project_id = "p"
  name       = "shop"
  region     = "europe-west1"
%s
  node_pools = [
    {
      name = "general"
%s    },
  ]
}
"""

AT_HPA = [("INFRA021", "k8s/hpa.yaml", 11)]
M5 = '      instance_types = ["m5.large"]\n'
E2 = '      machine_type = "e2-standard-2"\n'
ZONAL = '  regional = false\n  zones    = ["europe-west1-b"]\n  remove_default_node_pool = true\n'


def _findings(tmp_path: Path, terraform: str, cpu: str) -> list[tuple[str, str, int]]:
    build_tree(
        tmp_path,
        {"infra/main.tf": terraform, "k8s/hpa.yaml": HPA, "k8s/web.yaml": WEB % cpu},
    )
    report = validate([tmp_path], select=["INFRA021"], cache=False)
    return [(f.rule, f.path, f.line) for f in report.findings]


@pytest.mark.parametrize(
    ("terraform", "cpu", "expected"),
    [
        # 3 pods x 1000m against max_size nodes x 1930m (m5.large: 2 vCPU less 70m).
        (EKS % ("", M5 + "      max_size = 1\n"), "1000m", AT_HPA),
        (EKS % ("", M5 + "      max_size = 2\n"), "1000m", []),
        # The module's defaults: max_size 3 and EKS's t3.medium, 3 x 1930m = 5790m.
        (EKS % ("", ""), "1930m", []),
        (EKS % ("", ""), "1931m", AT_HPA),
        # v19/v20 `eks_managed_node_group_defaults` fill what a group leaves out.
        (
            EKS % ("  eks_managed_node_group_defaults = {\n    max_size = 1\n  }\n", M5),
            "1000m",
            AT_HPA,
        ),
        # A group the call does not create gives no nodes; one it may create is unknown.
        (
            EKS % ("", M5 + "      max_size = 9\n      create = false\n")
            + 'module "small" {\n  source = "x"\n}\n',
            "1000m",
            [],
        ),
        (EKS % ("", M5 + "      max_size = 1\n      create = var.on\n"), "1000m", []),
        # Capacity outside the node groups (Fargate, Karpenter, groups made elsewhere): silent.
        (EKS % ("  fargate_profiles = {}\n", M5 + "      max_size = 1\n"), "1000m", []),
        (
            EKS % ("", M5 + "      max_size = 1\n")
            + 'module "karpenter" {\n  source = "terraform-aws-modules/eks/aws//modules/karpenter"\n}\n',
            "1000m",
            [],
        ),
        (
            EKS % ("", M5 + "      max_size = 1\n")
            + 'resource "aws_eks_node_group" "more" {\n  cluster_name = "shop"\n}\n',
            "1000m",
            [],
        ),
        # Bounds or types that are not static, unknown types, several types: silent.
        (EKS % ("", M5 + "      max_size = var.max\n"), "1000m", []),
        (EKS % ("", '      instance_types = ["x9.large"]\n      max_size = 1\n'), "1000m", []),
        (
            EKS % ("", '      instance_types = ["m5.large", "c5.large"]\n      max_size = 1\n'),
            "1000m",
            [],
        ),
        # Self-managed groups: their `instance_type`, the module's max_size 3.
        (
            EKS.replace("eks_managed_node_groups", "self_managed_node_groups")
            % ("", '      instance_type = "c5.large"\n'),
            "1931m",
            AT_HPA,
        ),
        (
            EKS.replace("eks_managed_node_groups", "self_managed_node_groups") % ("", ""),
            "1931m",
            [],
        ),
        # GKE: max_count per zone; a zonal cluster in one zone.
        (GKE % (ZONAL, E2 + "      max_count = 1\n"), "1000m", AT_HPA),
        (GKE % (ZONAL, E2 + "      max_count = 2\n"), "1000m", []),
        # Regional by default, three zones when `zones` is empty: 3 x 1930m.
        (GKE % ("  remove_default_node_pool = true\n", E2 + "      max_count = 1\n"), "1930m", []),
        (
            GKE % ("  remove_default_node_pool = true\n", E2 + "      max_count = 1\n"),
            "1931m",
            AT_HPA,
        ),
        # A pool's own node_locations, `total_max_count`, a fixed-size pool.
        (
            GKE
            % (
                "  remove_default_node_pool = true\n",
                E2 + '      max_count = 1\n      node_locations = "europe-west1-b"\n',
            ),
            "1000m",
            AT_HPA,
        ),
        (
            GKE % ("  remove_default_node_pool = true\n", E2 + "      total_max_count = 1\n"),
            "1000m",
            AT_HPA,
        ),
        (GKE % (ZONAL, E2 + "      autoscaling = false\n"), "1000m", AT_HPA),
        (GKE % (ZONAL, E2 + "      autoscaling = false\n      node_count = 2\n"), "1000m", []),
        # The module's default machine type (the shared-core e2-medium) is not in the table.
        (GKE % (ZONAL, "      max_count = 1\n"), "1000m", []),
        # Node auto-provisioning, a default pool kept with nodes, zones not static: silent.
        (
            GKE
            % (
                ZONAL + "  cluster_autoscaling = {\n    enabled = true\n  }\n",
                E2 + "      max_count = 1\n",
            ),
            "1000m",
            [],
        ),
        (
            GKE % ("  initial_node_count = 1\n", E2 + "      max_count = 1\n"),
            "1000m",
            [],
        ),
        (
            GKE % ("  zones = var.zones\n", E2 + "      max_count = 1\n"),
            "1000m",
            [],
        ),
    ],
)
def test_node_autoscaling_of_cluster_modules(
    tmp_path: Path, terraform: str, cpu: str, expected: list[tuple[str, str, int]]
) -> None:
    assert _findings(tmp_path, terraform, cpu) == expected


def test_module_pool_message_names_the_bound(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "infra/main.tf": GKE % (ZONAL, E2 + "      max_count = 1\n"),
            "k8s/hpa.yaml": HPA,
            "k8s/web.yaml": WEB % "1000m",
        },
    )
    (finding,) = validate([tmp_path], select=["INFRA021"], cache=False).findings
    assert finding.message == (
        "`HorizontalPodAutoscaler/web` at maxReplicas 3: the workloads request 3 x 1000m "
        "(Deployment/web) = 3000m CPU, but the nodes give at most 1 node x 1 zone x 1930m "
        "allocatable (e2-standard-2) of `module.gke.node_pools.general` (infra/main.tf:14) "
        "= 1930m"
    )
    assert [(place.path, place.line) for place in finding.related] == [("infra/main.tf", 14)]


def test_module_default_bound_names_the_group(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {"infra/main.tf": EKS % ("", ""), "k8s/hpa.yaml": HPA, "k8s/web.yaml": WEB % "1931m"},
    )
    (finding,) = validate([tmp_path], select=["INFRA021"], cache=False).findings
    assert "3 nodes (the module's default max_size) x 1930m allocatable (t3.medium) of " in (
        finding.message
    )
    assert [(place.path, place.line) for place in finding.related] == [("infra/main.tf", 8)]


#: Memory per vCPU in GiB, by family, as the instance type pages list them.
_EC2_GIB_PER_VCPU = {"m": 4, "c": 2, "r": 8}
_EC2_VCPUS = {"medium": 1, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}
#: The burstable t3/t3a sizes break the per-vCPU rule: vCPUs and GiB from their page.
_T3 = {"small": (2, 2), "medium": (2, 4), "large": (2, 8), "xlarge": (4, 16), "2xlarge": (8, 32)}
_GCE_GIB_PER_VCPU = {"standard": 4, "highmem": 8, "highcpu": 1}


@pytest.mark.parametrize("name", sorted(EC2))
def test_ec2_rows_follow_the_size_names(name: str) -> None:
    family, size = name.split(".")
    cores, mib, _, _ = EC2[name]
    if family.startswith("t3"):
        assert (cores, mib) == (_T3[size][0], _T3[size][1] * 1024)
    else:
        assert cores == _EC2_VCPUS[size]
        assert mib == cores * _EC2_GIB_PER_VCPU[family[0]] * 1024


@pytest.mark.parametrize("name", sorted(COMPUTE_ENGINE))
def test_compute_engine_rows_follow_the_names(name: str) -> None:
    match = re.fullmatch(r"[a-z0-9]+-(?P<kind>[a-z]+)-(?P<cores>\d+)", name)
    assert match is not None
    cores, mib = COMPUTE_ENGINE[name]
    assert cores == int(match["cores"])
    assert mib == cores * _GCE_GIB_PER_VCPU[match["kind"]] * 1024


@pytest.mark.parametrize(
    ("machine", "pods"),
    # The EKS AMI's published eni-max-pods values.
    [("m5.large", 29), ("m5.4xlarge", 234), ("t3.medium", 17), ("t3a.small", 8), ("c6g.medium", 8)],
)
def test_eks_pods_per_node(machine: str, pods: int) -> None:
    assert MACHINES[machine][2] == pods


@pytest.mark.parametrize(
    ("cloud", "machine", "expected"),
    [
        # CPU 2000 - (60 + 10); memory 8192 - (255 + 11 x 29) - 100 eviction.
        ("eks", "m5.large", (1930, 7518)),
        # CPU 2000 - (60 + 10); memory 4096 - (255 + 11 x 17) - 100.
        ("eks", "t3.medium", (1930, 3554)),
        # CPU 16000 - (60 + 10 + 10 + 12 x 2.5); memory 65536 - (255 + 11 x 234) - 100.
        ("eks", "m6i.4xlarge", (15890, 62607)),
        # GKE memory: 25% of 4 GiB + 20% of the next 4 + 10% of the next 8, and 100 MiB.
        ("gke", "e2-standard-4", (3920, 16384 - 1024 - 819 - 819 - 100)),
        # 32 GiB: + 6% of the 16 GiB above 16.
        ("gke", "n2-standard-8", (7910, 32768 - int(1024 + 819.2 + 819.2 + 983.04) - 100)),
        ("gke", "x9-standard-4", None),
    ],
)
def test_allocatable_follows_the_documented_reservations(
    cloud: str, machine: str, expected: tuple[int, int] | None
) -> None:
    assert allocatable(cloud, machine) == expected
