"""INFRA030 and INFRA031 on small trees: what each controller picks, what each firewall lets by."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.validation import validate

from ...conftest import build_tree, require_tool

IDS = ["INFRA030", "INFRA031"]


@pytest.fixture(autouse=True)
def _kubectl() -> None:
    require_tool("kubectl", shutil.which("kubectl"))


def _findings(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int, str]]:
    build_tree(tmp_path, files)
    found = validate([tmp_path], select=IDS, cache=False).findings
    return [(f.rule, f.path, f.line, f.message) for f in found]


# One public and one private subnet; the cluster runs in the private one.
EKS = """\
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
}

locals {
  tags = { team = "web" }
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.0.0.0/24"
  tags       = %(public)s
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.0.1.0/24"
  tags       = %(private)s
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.%(public_table)s.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_eks_cluster" "this" {
  name = "shop"

  vpc_config {
    subnet_ids = [aws_subnet.private.id]
  }
}
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
  annotations: %s
spec:
  type: LoadBalancer
  selector:
    app: web
  ports:
    - port: 80
"""

ALB = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: web
  annotations: %s
spec:
  ingressClassName: alb
  defaultBackend:
    service:
      name: web
      port:
        number: 80
"""

ELB = '{ "kubernetes.io/role/elb" = "1" }'
INTERNAL_ELB = '{ "kubernetes.io/role/internal-elb" = "1" }'
EXTERNAL = '{"service.beta.kubernetes.io/aws-load-balancer-type": external, '


def _eks(
    public: str = ELB, private: str = INTERNAL_ELB, public_table: str = "public", **extra: str
) -> dict[str, str]:
    terraform = EKS % {"public": public, "private": private, "public_table": public_table}
    return {"infra/main.tf": terraform + extra.get("terraform", "")}


@pytest.mark.parametrize(
    ("terraform", "manifest", "expected"),
    [
        # EKS's service controller: the role tag only breaks ties, the route decides.
        (_eks(), SERVICE % "{}", []),
        (_eks(public="{}", private="{}"), SERVICE % "{}", []),
        (
            _eks(public_table="private"),
            SERVICE % "{}",
            [("INFRA030", "k8s/web.yaml", 8, "`aws_subnet.public` (infra/main.tf:16) routes")],
        ),
        # Internal load balancers may use any subnet the controller considers.
        (
            _eks(public_table="private"),
            SERVICE % '{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}',
            [],
        ),
        # A subnet tagged for another cluster is not considered; for this one it is.
        (
            _eks(public='merge(local.tags, { "kubernetes.io/cluster/other" = "shared" })'),
            SERVICE % "{}",
            [("INFRA030", "k8s/web.yaml", 8, "(infra/main.tf:16) is tagged for another cluster")],
        ),
        (_eks(public='{ "kubernetes.io/cluster/shop" = "owned" }'), SERVICE % "{}", []),
        # Tags that are not static leave the VPC unjudged.
        (_eks(public="var.tags", public_table="private"), SERVICE % "{}", []),
        # A subnet annotation, or another controller's class, replaces discovery.
        (
            _eks(public_table="private"),
            SERVICE % '{"service.beta.kubernetes.io/aws-load-balancer-subnets": "subnet-1"}',
            [],
        ),
        (
            _eks(public_table="private"),
            (SERVICE % "{}").replace(
                "type: LoadBalancer", "type: LoadBalancer\n  loadBalancerClass: x"
            ),
            [],
        ),
        # The AWS Load Balancer Controller: role-tagged subnets only, else (2.12.1+) reachability.
        (
            _eks(public="{}", private=ELB),
            SERVICE
            % (
                EXTERNAL + '"service.beta.kubernetes.io/aws-load-balancer-scheme": internet-facing}'
            ),
            [
                (
                    "INFRA030",
                    "k8s/web.yaml",
                    6,
                    "tagged `kubernetes.io/role/elb`, which have no internet",
                )
            ],
        ),
        (
            _eks(public="{}", private="{}"),
            SERVICE
            % (
                EXTERNAL + '"service.beta.kubernetes.io/aws-load-balancer-scheme": internet-facing}'
            ),
            [],
        ),
        # Its NLBs are internal by default: the private subnet is enough, untagged too.
        (_eks(private="{}"), SERVICE % (EXTERNAL + "}"), []),
        (
            _eks(public="{}", private='{ "kubernetes.io/cluster/other" = "shared" }'),
            SERVICE % (EXTERNAL + "}"),
            [("INFRA030", "k8s/web.yaml", 8, "no subnet of `aws_vpc.this` is tagged")],
        ),
        # ALB Ingresses are internal unless the scheme says otherwise.
        (_eks(), ALB % "{}", []),
        (
            _eks(public_table="private", public=ELB, private=ELB),
            ALB % '{"alb.ingress.kubernetes.io/scheme": internet-facing}',
            [("INFRA030", "k8s/web.yaml", 6, "`Ingress/web` asks for an internet-facing")],
        ),
        (_eks(public_table="private"), ALB % '{"alb.ingress.kubernetes.io/subnets": a,b}', []),
        # With the Load Balancer Controller installed, its webhook may take the Service.
        (
            _eks(
                public_table="private",
                terraform='resource "helm_release" "lbc" {\n  chart = "aws-load-balancer-controller"\n}\n',
            ),
            SERVICE % "{}",
            [],
        ),
    ],
)
def test_eks_load_balancer_subnets(
    tmp_path: Path,
    terraform: dict[str, str],
    manifest: str,
    expected: list[tuple[str, str, int, str]],
) -> None:
    found = _findings(tmp_path, {**terraform, "k8s/web.yaml": manifest})
    assert [f[:3] for f in found] == [e[:3] for e in expected], found
    for (*_, message), (*_, part) in zip(found, expected, strict=True):
        assert part in message


VPC_MODULE = """\
module "vpc" {
  source          = "terraform-aws-modules/vpc/aws"
  public_subnets  = %s
  private_subnets = ["10.0.1.0/24"]
  public_subnet_tags = {
    "kubernetes.io/role/elb" = 1
  }
}

resource "aws_eks_cluster" "this" {
  name = "shop"

  vpc_config {
    subnet_ids = module.vpc.private_subnets
  }
}
"""


@pytest.mark.parametrize(
    ("public", "expected"),
    [('["10.0.0.0/24"]', []), ("[]", [("INFRA030", "k8s/web.yaml", 8)])],
)
def test_vpc_module_subnets(
    tmp_path: Path, public: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": VPC_MODULE % public, "k8s/web.yaml": SERVICE % "{}"}
    assert [f[:3] for f in _findings(tmp_path, files)] == expected


GKE = """\
resource "google_compute_network" "vpc" {
  name = "vpc"
%(order)s}

resource "google_container_cluster" "c" {
  name    = "c"
  network = google_compute_network.vpc.id
}
%(rules)s"""

DENY = """
resource "google_compute_firewall" "deny" {
  name          = "deny"
  network       = google_compute_network.vpc.name
  priority      = %s
  source_ranges = ["0.0.0.0/0"]
%s
  deny {
    protocol = "%s"
  }
}
"""

ALLOW = """
resource "google_compute_firewall" "hc" {
  name          = "hc"
  network       = google_compute_network.vpc.name
  priority      = 800
  source_ranges = ["35.191.0.0/16", "130.211.0.0/22"]

  allow {
    protocol = "tcp"
    ports    = ["%s"]
  }
}
"""

POLICY = """
resource "google_compute_network_firewall_policy" "p" {
  name = "p"
}

resource "google_compute_network_firewall_policy_association" "a" {
  name              = "a"
  attachment_target = google_compute_network.%s.id
  firewall_policy   = google_compute_network_firewall_policy.p.name
}

resource "google_compute_network_firewall_policy_rule" "hc" {
  firewall_policy = google_compute_network_firewall_policy.p.name
  priority        = 50
  direction       = "INGRESS"
  action          = "allow"

  match {
    src_ip_ranges = ["35.191.0.0/16", "130.211.0.0/22"]

    layer4_configs {
      ip_protocol = "tcp"
      ports       = ["%s"]
    }
  }
}

resource "google_compute_network_firewall_policy_rule" "deny" {
  firewall_policy = google_compute_network_firewall_policy.p.name
  priority        = 100
  direction       = "INGRESS"
  action          = "deny"

  match {
    src_ip_ranges = ["0.0.0.0/0"]

    layer4_configs {
      ip_protocol = "all"
    }
  }
}
"""

BEFORE = '  network_firewall_policy_enforcement_order = "BEFORE_CLASSIC_FIREWALL"\n'

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
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
  annotations:
%s
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
      nodePort: 30080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: web
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
%s"""

NEG = "    cloud.google.com/neg: '{\"ingress\": true}'"
BACKEND_CONFIG = """\
---
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata:
  name: hc
  namespace: web
spec:
  healthCheck:
    port: 9000
"""


def _gke(rules: str, order: str = "") -> str:
    return GKE % {"order": order, "rules": rules}


@pytest.mark.parametrize(
    ("terraform", "manifests", "expected"),
    [
        # A VPC deny above GKE's own rule (priority 1000) blocks the health checks.
        (
            _gke(DENY % (900, "", "all")),
            APP % (NEG, ""),
            [("INFRA031", "k8s/app.yaml", 48, "port 8080 (the container port `http` of")],
        ),
        (_gke(DENY % (900, "", "all") + ALLOW % "8080"), APP % (NEG, ""), []),
        (
            _gke(DENY % (900, "", "all") + ALLOW % "80"),
            APP % (NEG, ""),
            [("INFRA031", "k8s/app.yaml", 48, "denies 35.191.0.0/16 and 130.211.0.0/22")],
        ),
        # Below GKE's rule, or for another protocol, or for some nodes only: not in the way.
        (_gke(DENY % (65534, "", "all")), APP % (NEG, ""), []),
        (_gke(DENY % (900, "", "udp")), APP % (NEG, ""), []),
        (_gke(DENY % (900, '  target_tags = ["bastion"]', "all")), APP % (NEG, ""), []),
        # A network firewall policy evaluated first: its first matching rule decides.
        (
            _gke(POLICY % ("vpc", "80"), BEFORE),
            APP % (NEG, ""),
            [("INFRA031", "k8s/app.yaml", 48, "at priority 100, before GKE's own")],
        ),
        (_gke(POLICY % ("vpc", "8080"), BEFORE), APP % (NEG, ""), []),
        # After the VPC rules (the default order), GKE's own rule has allowed them already.
        (_gke(POLICY % ("vpc", "80")), APP % (NEG, ""), []),
        # The health-check port of a BackendConfig is the one checked.
        (
            _gke(POLICY % ("vpc", "8080"), BEFORE),
            APP % (NEG + '\n    cloud.google.com/backend-config: \'{"default": "hc"}\'', "")
            + BACKEND_CONFIG,
            [
                (
                    "INFRA031",
                    "k8s/app.yaml",
                    49,
                    "port 9000 (the `healthCheck.port` of its BackendConfig (k8s/app.yaml:58)",
                )
            ],
        ),
        # Instance groups: the nodePort; without the NEG annotation GKE's default decides.
        (
            _gke(POLICY % ("vpc", "8080"), BEFORE),
            APP % ("    cloud.google.com/neg: '{\"ingress\": false}'", ""),
            [("INFRA031", "k8s/app.yaml", 48, "port 30080 (the nodePort of `Service/web`)")],
        ),
        (_gke(DENY % (900, "", "all")), APP % ("    team: web", ""), []),
    ],
)
def test_gke_health_checks(
    tmp_path: Path, terraform: str, manifests: str, expected: list[tuple[str, str, int, str]]
) -> None:
    found = _findings(tmp_path, {"infra/main.tf": terraform, "k8s/app.yaml": manifests})
    assert [f[:3] for f in found] == [e[:3] for e in expected], found
    for (*_, message), (*_, part) in zip(found, expected, strict=True):
        assert part in message


def test_vpc_module_database_subnets_are_private_unless_routed(tmp_path: Path) -> None:
    # An internet-facing ALB with only the database subnets tagged `elb`: the controller takes
    # them, and they reach the internet only with `create_database_internet_gateway_route`.
    module = (VPC_MODULE % "[]").replace(
        '  private_subnets = ["10.0.1.0/24"]\n',
        '  private_subnets = ["10.0.1.0/24"]\n  database_subnets = ["10.0.2.0/24"]\n'
        '  database_subnet_tags = { "kubernetes.io/role/elb" = "1" }\n%s',
    )
    ingress = ALB % '{"alb.ingress.kubernetes.io/scheme": internet-facing}'
    routed = "  create_database_internet_gateway_route = true\n"
    assert [
        f[:3]
        for f in _findings(tmp_path / "a", {"infra/main.tf": module % "", "k8s/web.yaml": ingress})
    ] == [("INFRA030", "k8s/web.yaml", 6)]
    assert (
        _findings(tmp_path / "b", {"infra/main.tf": module % routed, "k8s/web.yaml": ingress}) == []
    )


INGRESS_CLASS = """
resource "kubernetes_ingress_class_v1" "web" {
  metadata {
    name = "web"
    annotations = {
      "ingressclass.kubernetes.io/is-default-class" = "true"
    }
  }

  spec {
    controller = "%s"
  }
}
"""


@pytest.mark.parametrize(
    ("controller", "manifest", "judged"),
    [
        # The class the Terraform creates for the controller, by name or as the default.
        (
            "ingress.k8s.aws/alb",
            ALB.replace("ingressClassName: alb", "ingressClassName: web"),
            True,
        ),
        ("ingress.k8s.aws/alb", ALB.replace("  ingressClassName: alb\n", ""), True),
        (
            "k8s.io/ingress-nginx",
            ALB.replace("ingressClassName: alb", "ingressClassName: web"),
            False,
        ),
        ("k8s.io/ingress-nginx", ALB.replace("  ingressClassName: alb\n", ""), False),
    ],
)
def test_ingress_classes_from_the_terraform(
    tmp_path: Path, controller: str, manifest: str, judged: bool
) -> None:
    # Both subnets private: an internal ALB (the default scheme) has them; make it public.
    files = _eks(public_table="private", private=ELB, public=ELB)
    files["infra/main.tf"] += INGRESS_CLASS % controller
    found = _findings(
        tmp_path,
        {
            **files,
            "k8s/web.yaml": manifest % '{"alb.ingress.kubernetes.io/scheme": internet-facing}',
        },
    )
    assert [f[:3] for f in found] == ([("INFRA030", "k8s/web.yaml", 6)] if judged else [])


def test_references_stay_in_the_clusters_module(tmp_path: Path) -> None:
    # Another module's subnets and route tables of the same names are not the cluster's.
    files = _eks(public_table="private")
    network = EKS % {"public": ELB, "private": INTERNAL_ELB, "public_table": "public"}
    files["infra/network/main.tf"] = network[: network.index('resource "aws_eks_cluster"')]
    found = _findings(tmp_path, {**files, "k8s/web.yaml": SERVICE % "{}"})
    assert [f[:3] for f in found] == [("INFRA030", "k8s/web.yaml", 8)]


@pytest.mark.parametrize(
    ("template", "file", "old", "new"),
    [
        # The built-in controller uses the role tag only to break ties; the public subnets still
        # route to the internet gateway.
        ("eks", "infra/network.tf", '    "kubernetes.io/role/elb" = "1"\n', ""),
        # GKE's own health-check rule (priority 1000, a VPC rule) allows the checks before the
        # network firewall policy is evaluated, whatever port the policy's rule names.
        ("gke", "infra/network.tf", 'ports       = ["8000"]', 'ports       = ["8080"]'),
    ],
)
def test_changes_that_do_not_stop_the_load_balancer(
    tmp_path: Path, template: str, file: str, old: str, new: str
) -> None:
    project = generate(template, tmp_path / "out", answers={})
    target = project / file
    text = target.read_text()
    assert text.count(old) == 1, old
    target.write_text(text.replace(old, new))
    assert validate([project], select=IDS, cache=False).findings == ()


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        # No source at all is 0.0.0.0/0; tagged sources never match a health-check probe.
        ("", [("INFRA031", "k8s/app.yaml", 48)]),
        ('  source_tags = ["bastion"]\n', []),
    ],
)
def test_deny_sources(tmp_path: Path, sources: str, expected: list[tuple[str, str, int]]) -> None:
    deny = (DENY % (900, sources, "all")).replace('  source_ranges = ["0.0.0.0/0"]\n', "")
    files = {"infra/main.tf": _gke(deny), "k8s/app.yaml": APP % (NEG, "")}
    assert [f[:3] for f in _findings(tmp_path, files)] == expected
