"""INFRA005 and INFRA008 on identities the community modules make.

The `eks-pod-identity` module's `associations` are Pod Identity associations like the resource;
the GKE module's `identity_namespace` enables Workload Identity like `workload_identity_config`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ...conftest import require_tool
from .test_identity_access import (
    ACCOUNT,
    AS_WEB,
    GKE_ANNOTATED,
    POD_IDENTITY,
    PROXY,
    SPC,
    WEB,
    _found,
    _places,
)


@pytest.fixture(autouse=True)
def _kubectl() -> None:
    require_tool("kubectl", shutil.which("kubectl"))


EKS_MODULE = """\
module "eks" {
  source       = "terraform-aws-modules/eks/aws"
  cluster_name = "shop"
}
"""

POD_IDENTITY_MODULE = """\
module "web_identity" {
  source = "terraform-aws-modules/eks-pod-identity/aws"
  name   = "web"
%s
  associations = {
    web = {
      cluster_name    = module.eks.cluster_name
%s    }
  }
}
"""

WEB_WEB = '      namespace       = "web"\n      service_account = "web"\n'
AT_SERVICE_ACCOUNT = [("INFRA005", "infra/main.tf", 13)]


@pytest.mark.parametrize(
    ("defaults", "entry", "spec", "expected"),
    [
        ("", WEB_WEB, AS_WEB, []),
        # The pods run as `default`: the association names a ServiceAccount nothing runs as.
        ("", WEB_WEB, "", AT_SERVICE_ACCOUNT),
        # `association_defaults` fill what an entry leaves out.
        (
            '  association_defaults = {\n    namespace = "web"\n  }\n',
            '      service_account = "web"\n',
            "",
            [("INFRA005", "infra/main.tf", 15)],
        ),
        # Not static, or not created: not judged.
        ("", '      namespace       = "web"\n      service_account = var.sa\n', "", []),
        ("  create = false\n", WEB_WEB, "", []),
        ("  create = var.on\n", WEB_WEB, "", []),
    ],
)
def test_pod_identity_module_associations(
    tmp_path: Path, defaults: str, entry: str, spec: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {
        "infra/main.tf": EKS_MODULE + POD_IDENTITY_MODULE % (defaults, entry),
        "k8s/spc.yaml": SPC % ("aws", POD_IDENTITY),
        "k8s/web.yaml": WEB % (spec, "") + "---\n" + ACCOUNT % "",
    }
    assert _places(tmp_path, files) == expected


def test_pod_identity_module_message_names_the_workloads(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": EKS_MODULE + POD_IDENTITY_MODULE % ("", WEB_WEB),
        "k8s/web.yaml": WEB % ("", ""),
    }
    [(rule, path, line, message)] = _found(tmp_path, files)
    assert (rule, path, line) == ("INFRA005", "infra/main.tf", 13)
    assert message == (
        "`module.web_identity.associations.web` gives the role to `web/web`, but no workload "
        "runs as it: the workloads run as `web/default` (k8s/web.yaml:14)"
    )


def test_pod_identity_module_association_serves_a_secrets_store_volume(tmp_path: Path) -> None:
    jobs = WEB_WEB.replace('"web"', '"jobs"')
    files = {
        "infra/main.tf": EKS_MODULE + POD_IDENTITY_MODULE % ("", jobs),
        "k8s/spc.yaml": SPC % ("aws", POD_IDENTITY),
        "k8s/web.yaml": WEB % (AS_WEB, ""),
        "k8s/jobs.yaml": WEB.replace("name: web\n  namespace: web", "name: jobs\n  namespace: jobs")
        % ("      serviceAccountName: jobs\n", ""),
    }
    [(rule, path, line, message)] = _found(tmp_path, files)
    assert (rule, path, line) == ("INFRA008", "k8s/web.yaml", 15)
    assert message.endswith("the associations name `jobs/jobs` (infra/main.tf:13)")


GKE_MODULE = """\
module "gke" {
  source     = "terraform-google-modules/kubernetes-engine/google"
  project_id = "p"
  name       = "shop"
%s}
"""


@pytest.mark.parametrize(
    ("inputs", "account", "expected"),
    [
        # The module's default `identity_namespace`, "enabled", is the project's pool.
        ("", "", [("INFRA008", "k8s/web.yaml", 15)]),
        ("", GKE_ANNOTATED, []),
        ('  identity_namespace = "p.svc.id.goog"\n', "", [("INFRA008", "k8s/web.yaml", 15)]),
        # Disabled, or not static (it may be null): not judged.
        ("  identity_namespace = null\n", "", []),
        ('  identity_namespace = "null"\n', "", []),
        ("  identity_namespace = var.pool\n", "", []),
    ],
)
def test_gke_module_identity_namespace(
    tmp_path: Path, inputs: str, account: str, expected: list[tuple[str, str, int]]
) -> None:
    deployment = WEB.split("      volumes:\n")[0] % (AS_WEB, PROXY % "")
    files = {
        "infra/main.tf": GKE_MODULE % inputs,
        "k8s/web.yaml": deployment + "---\n" + ACCOUNT % account,
    }
    assert _places(tmp_path, files) == expected


def test_gke_module_finding_names_the_input(tmp_path: Path) -> None:
    deployment = WEB.split("      volumes:\n")[0] % (AS_WEB, PROXY % "")
    files = {
        "infra/main.tf": GKE_MODULE % '  identity_namespace = "p.svc.id.goog"\n',
        "k8s/web.yaml": deployment + "---\n" + ACCOUNT % "",
    }
    [(_, _, _, message)] = _found(tmp_path, files)
    assert "on `module.gke` (infra/main.tf:5), which enables Workload Identity" in message


ACCOUNTS = """\
provider "google" {
  project = "p"
}

resource "google_service_account" "app" {
  account_id = "web-app"
}

resource "google_service_account_iam_member" "wi" {
  service_account_id = google_service_account.app.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:p.svc.id.goog[web/web]"
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

APP = "web-app@p.iam.gserviceaccount.com"
AT_ANNOTATION = [("INFRA004", "k8s/sa.yaml", 7)]


@pytest.mark.parametrize(
    ("inputs", "extra", "namespace", "email", "expected"),
    [
        ("", "", "web", APP, []),
        ("", "", "shop", APP, AT_ANNOTATION),
        ("", "", "web", "web@p.iam.gserviceaccount.com", AT_ANNOTATION),
        # The module's own node account: `tf-gke-<name>-<random>`, or `service_account_name`.
        ("", "", "web", "tf-gke-shop-x1y2@p.iam.gserviceaccount.com", []),
        ('  service_account_name = "nodes"\n', "", "web", "nodes@p.iam.gserviceaccount.com", []),
        (
            '  service_account_name = "nodes"\n',
            "",
            "web",
            "tf-gke-shop-x1y2@p.iam.gserviceaccount.com",
            AT_ANNOTATION,
        ),
        (
            "  create_service_account = false\n",
            "",
            "web",
            "tf-gke-shop-x1y2@p.iam.gserviceaccount.com",
            AT_ANNOTATION,
        ),
        # Workload Identity off; another module that may make accounts and grants: silent.
        ("  identity_namespace = null\n", "", "shop", APP, []),
        (
            "",
            'module "wi" {\n  source = "terraform-google-modules/kubernetes-engine/google'
            '//modules/workload-identity"\n}\n',
            "shop",
            APP,
            [],
        ),
    ],
)
def test_gke_module_workload_identity_binding(
    tmp_path: Path,
    inputs: str,
    extra: str,
    namespace: str,
    email: str,
    expected: list[tuple[str, str, int]],
) -> None:
    files = {
        "infra/main.tf": GKE_MODULE % inputs + ACCOUNTS + extra,
        "k8s/sa.yaml": KSA % (namespace, email),
    }
    assert _places(tmp_path, files) == expected


def test_gke_module_binding_message_names_the_grant(tmp_path: Path) -> None:
    files = {"infra/main.tf": GKE_MODULE % "" + ACCOUNTS, "k8s/sa.yaml": KSA % ("shop", APP)}
    [(_, _, _, message)] = _found(tmp_path, files)
    assert message == (
        "`ServiceAccount/web` in namespace `shop` acts as `google_service_account.app` "
        "(infra/main.tf:10), but `roles/iam.workloadIdentityUser` on it is granted to `web/web` "
        "(infra/main.tf:17) only"
    )
