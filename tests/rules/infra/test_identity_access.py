"""IRSA trust (INFRA007) and cloud access without an identity (INFRA008), on small trees.

The IRSA trees follow terraform-aws-modules' IRSA examples: an `aws_iam_openid_connect_provider`
for the cluster's issuer, a role trusting it for one ServiceAccount, and the manifests'
ServiceAccount naming the role by its literal ARN.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scaffolder.validation import validate
from scaffolder.validation.domain import rules_of
from scaffolder.validation.infra import DOMAIN

from ...conftest import build_tree, require_tool

IDS = [rule.id for rule in rules_of(DOMAIN)]


@pytest.fixture(autouse=True)
def _kubectl() -> None:
    require_tool("kubectl", shutil.which("kubectl"))


def _found(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int, str]]:
    build_tree(tmp_path, files)
    found = validate([tmp_path], select=IDS, cache=False).findings
    return [(f.rule, f.path, f.line, f.message) for f in found]


def _places(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    return [(rule, path, line) for rule, path, line, _ in _found(tmp_path, files)]


CLUSTER = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_eks_cluster" "this" {
  name     = "shop"
  role_arn = aws_iam_role.cluster.arn
}

data "tls_certificate" "oidc" {
  url = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

resource "aws_iam_openid_connect_provider" "this" {
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.oidc.certificates[0].sha1_fingerprint]
  url             = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

locals {
  issuer = replace(aws_iam_openid_connect_provider.this.url, "https://", "")
}
"""

DOCUMENT = """\
data "aws_iam_policy_document" "web_trust" {
  statement {
    actions = [%(action)s]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.this.arn]
    }

    condition {
      test     = "%(test)s"
      variable = "${local.issuer}:sub"
      values   = [%(subject)s]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["%(audience)s"]
    }
  }
}

resource "aws_iam_role" "web" {
  name               = "web-irsa"
  assume_role_policy = data.aws_iam_policy_document.web_trust.json
}
"""

JSONENCODE = """\
resource "aws_iam_role" "web" {
  name = "web-irsa"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.this.arn }
      Condition = {
        StringEquals = {
          "${local.issuer}:sub" = "%s"
          "${local.issuer}:aud" = "sts.amazonaws.com"
        }
      }
    }]
  })
}
"""

HEREDOC = """\
resource "aws_iam_role" "web" {
  name               = "web-irsa"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "${aws_iam_openid_connect_provider.this.arn}"},
        "Condition": {"StringLike": {"${local.issuer}:sub": ["%s"]}}
      }]
    }
  EOT
}
"""

MODULE = """\
module "web_irsa" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.0"

  role_name = "web-irsa"
  oidc_providers = {
    main = {
      provider_arn               = aws_iam_openid_connect_provider.this.arn
      namespace_service_accounts = [%s]
    }
  }
}
"""

POD_IDENTITY_TRUST = """\
data "aws_iam_policy_document" "web_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "web" {
  name               = "web-irsa"
  assume_role_policy = data.aws_iam_policy_document.web_trust.json
}
"""

IRSA_SA = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: %s
  namespace: web
  annotations:
    eks.amazonaws.com/role-arn: %s
"""

ARN = "arn:aws:iam::111122223333:role/web-irsa"


def _document(
    subject: str = '"system:serviceaccount:web:web"',
    *,
    test: str = "StringEquals",
    action: str = '"sts:AssumeRoleWithWebIdentity"',
    audience: str = "sts.amazonaws.com",
) -> str:
    fields = {"subject": subject, "test": test, "action": action, "audience": audience}
    return DOCUMENT % fields


AT_ANNOTATION = [("INFRA007", "k8s/sa.yaml", 7)]


@pytest.mark.parametrize(
    ("terraform", "name", "arn", "expected"),
    [
        (_document(), "web", ARN, []),
        (_document(), "api", ARN, AT_ANNOTATION),
        # A role with a path keeps its name last in the ARN.
        (_document(), "web", "arn:aws:iam::111122223333:role/apps/web-irsa", []),
        (_document('"system:serviceaccount:web:*"', test="StringLike"), "api", ARN, []),
        # StringEquals takes `*` literally.
        (_document('"system:serviceaccount:web:*"'), "api", ARN, AT_ANNOTATION),
        (_document('"system:serviceaccount:web:w?b"', test="StringLike"), "web", ARN, []),
        (_document(action='"sts:*"'), "web", ARN, []),
        (_document(action='"sts:AssumeRole"'), "web", ARN, AT_ANNOTATION),
        (_document(audience="api://default"), "web", ARN, AT_ANNOTATION),
        (JSONENCODE % "system:serviceaccount:web:web", "web", ARN, []),
        (JSONENCODE % "system:serviceaccount:web:api", "web", ARN, AT_ANNOTATION),
        (HEREDOC % "system:serviceaccount:web:*", "web", ARN, []),
        (HEREDOC % "system:serviceaccount:shop:*", "web", ARN, AT_ANNOTATION),
        # A wildcard in the condition key is not one: no request carries that key.
        (
            HEREDOC.replace("${local.issuer}", "oidc.eks.eu-west-1.amazonaws.com/id/*")
            % "system:serviceaccount:web:*",
            "web",
            ARN,
            AT_ANNOTATION,
        ),
        (MODULE % '"web:web"', "web", ARN, []),
        (MODULE % '"web:api", "shop:web"', "web", ARN, AT_ANNOTATION),
        # A Pod Identity trust does not let IRSA's web identity token in.
        (POD_IDENTITY_TRUST, "web", ARN, AT_ANNOTATION),
        # Not the Terraform's role: another account's, or a name it does not create.
        (_document(), "api", "arn:aws:iam::444455556666:role/web-irsa", []),
        (_document(), "api", "arn:aws:iam::111122223333:role/other", []),
        # Not static: the subject, the role's name, the provider's inputs.
        (_document("var.subject"), "api", ARN, []),
        (_document('"system:serviceaccount:${var.namespace}:web"'), "api", ARN, []),
        (_document().replace('"web-irsa"', "var.role"), "api", ARN, []),
        (MODULE % "var.accounts", "api", ARN, []),
        (_document(test="ForAnyValue:StringLike"), "api", ARN, []),
    ],
)
def test_irsa_trust(
    tmp_path: Path, terraform: str, name: str, arn: str, expected: list[tuple[str, str, int]]
) -> None:
    files = {"infra/main.tf": CLUSTER + terraform, "k8s/sa.yaml": IRSA_SA % (name, arn)}
    assert _places(tmp_path, files) == expected


def test_irsa_message_names_the_role_and_the_trusted_subjects(tmp_path: Path) -> None:
    files = {"infra/main.tf": CLUSTER + _document(), "k8s/sa.yaml": IRSA_SA % ("api", ARN)}
    [(_, _, _, message)] = _found(tmp_path, files)
    assert message == (
        "`ServiceAccount/api` in namespace `web` assumes `aws_iam_role.web` (infra/main.tf:47) "
        "through IRSA, but its trust policy (infra/main.tf:24) allows "
        "`sts:AssumeRoleWithWebIdentity` only for `system:serviceaccount:web:web` "
        "(infra/main.tf:36)"
    )


def test_irsa_message_names_a_wrong_audience(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": CLUSTER + _document(audience="api://default"),
        "k8s/sa.yaml": IRSA_SA % ("web", ARN),
    }
    [(_, _, _, message)] = _found(tmp_path, files)
    assert message.endswith(
        "its trust policy (infra/main.tf:24) does not admit its tokens' audience "
        "`sts.amazonaws.com`"
    )


def test_irsa_deny_on_web_identity_is_not_judged(tmp_path: Path) -> None:
    deny = _document('"system:serviceaccount:web:web"').replace(
        "  statement {\n", '  statement {\n    effect = "Deny"\n', 1
    )
    files = {"infra/main.tf": CLUSTER + deny, "k8s/sa.yaml": IRSA_SA % ("api", ARN)}
    assert _places(tmp_path, files) == []


SPC = """\
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: db
  namespace: web
spec:
  provider: %s
  parameters:
%s"""

WEB = """\
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
%s      containers:
        - name: web
          image: web:1
%s      volumes:
        - name: db
          csi:
            driver: secrets-store.csi.k8s.io
            readOnly: true
            volumeAttributes:
              secretProviderClass: db
"""

ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: web
%s"""

AS_WEB = "      serviceAccountName: web\n"
EKS = 'resource "aws_eks_cluster" "this" {\n  name = "shop"\n}\n'
ASSOCIATION = """\
resource "aws_eks_pod_identity_association" "%s" {
  cluster_name    = aws_eks_cluster.this.name
  namespace       = "web"
  service_account = %s
  role_arn        = "arn:aws:iam::111122223333:role/web"
}
"""
POD_IDENTITY = '    usePodIdentity: "true"\n'
ANNOTATED = f"  annotations:\n    eks.amazonaws.com/role-arn: {ARN}\n"
AT_ACCOUNT = [("INFRA008", "k8s/web.yaml", 15)]
AT_VOLUME = [("INFRA008", "k8s/web.yaml", 24)]


@pytest.mark.parametrize(
    ("terraform", "parameters", "spec", "account", "expected"),
    [
        # Pod Identity: an association for web/web, for someone else, or none at all.
        (ASSOCIATION % ("web", '"web"'), POD_IDENTITY, AS_WEB, "", []),
        # The pods run as `default`, the association names web/web: one mismatch, reported
        # once, by INFRA005 at the association.
        (ASSOCIATION % ("web", '"web"'), POD_IDENTITY, "", "", [("INFRA005", "infra/main.tf", 7)]),
        (ASSOCIATION % ("web", "var.account"), POD_IDENTITY, AS_WEB, "", []),
        ("", POD_IDENTITY, AS_WEB, "", []),
        # IRSA: the ServiceAccount carries a role, carries none, or is the default one.
        ("", "    region: eu-west-1\n", AS_WEB, ANNOTATED, []),
        ("", "    region: eu-west-1\n", AS_WEB, "", AT_ACCOUNT),
        ("", "    region: eu-west-1\n", "", "", AT_VOLUME),
        # An association does not serve the provider when it is told to use IRSA.
        (ASSOCIATION % ("web", '"web"'), "    region: eu-west-1\n", AS_WEB, "", AT_ACCOUNT),
        # Another provider needs no AWS identity.
        ("", "    vault: x\n", AS_WEB, "", []),
    ],
)
def test_eks_secrets_store_needs_an_identity(
    tmp_path: Path,
    terraform: str,
    parameters: str,
    spec: str,
    account: str,
    expected: list[tuple[str, str, int]],
) -> None:
    provider = "vault" if "vault" in parameters else "aws"
    files = {
        "infra/main.tf": EKS + terraform,
        "k8s/spc.yaml": SPC % (provider, parameters),
        "k8s/web.yaml": WEB % (spec, "") + "---\n" + ACCOUNT % account,
    }
    assert _places(tmp_path, files) == expected


def test_an_unknown_service_account_is_not_judged(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": EKS,
        "k8s/spc.yaml": SPC % ("aws", "    region: eu-west-1\n"),
        "k8s/web.yaml": WEB % ("      serviceAccountName: made-elsewhere\n", ""),
    }
    assert _places(tmp_path, files) == []


def test_pod_identity_message_names_the_associations(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": EKS + ASSOCIATION % ("jobs", '"jobs"'),
        "k8s/spc.yaml": SPC % ("aws", POD_IDENTITY),
        "k8s/web.yaml": WEB % (AS_WEB, ""),
    }
    # The Deployment's and the association's own pods: jobs/jobs runs nowhere, but in
    # namespace web, so the finding is INFRA005's at the association, not this rule's.
    assert _places(tmp_path, files) == [("INFRA005", "infra/main.tf", 7)]
    files["k8s/jobs.yaml"] = WEB.replace("name: web\n  namespace", "name: jobs\n  namespace") % (
        "      serviceAccountName: jobs\n",
        "",
    )
    [(rule, path, line, message)] = _found(tmp_path, files)
    assert (rule, path, line) == ("INFRA008", "k8s/web.yaml", 15)
    assert message == (
        "`Deployment/web` mounts the AWS SecretProviderClass `db` with usePodIdentity "
        "(k8s/spc.yaml:9) as `web/web`, but no `aws_eks_pod_identity_association` gives that "
        "ServiceAccount a role: the associations name `web/jobs` (infra/main.tf:4)"
    )


GKE = """\
resource "google_container_cluster" "this" {
  name              = "shop"
  datapath_provider = "ADVANCED_DATAPATH"
%s}
"""
WORKLOAD_POOL = '  workload_identity_config {\n    workload_pool = "p.svc.id.goog"\n  }\n'
PROXY = """\
        - name: proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0
          args: [%s"p:europe-west1:db"]
"""
GKE_ANNOTATED = (
    "  annotations:\n    iam.gke.io/gcp-service-account: web@p.iam.gserviceaccount.com\n"
)
PRINCIPAL = """\
resource "google_project_iam_member" "web" {
  project = "p"
  role    = "roles/cloudsql.client"
  member  = "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p.svc.id.goog/subject/ns/web/sa/web"
}
"""


@pytest.mark.parametrize(
    ("terraform", "args", "account", "expected"),
    [
        (GKE % WORKLOAD_POOL, "", "", [("INFRA008", "k8s/web.yaml", 15)]),
        (GKE % WORKLOAD_POOL, "", GKE_ANNOTATED, []),
        (GKE % "  enable_autopilot = true\n", "", "", [("INFRA008", "k8s/web.yaml", 15)]),
        # Without Workload Identity the pods act as the nodes' service account.
        (GKE % "", "", "", []),
        # A key instead of the pod's identity; a direct grant to the Kubernetes principal.
        (GKE % WORKLOAD_POOL, '"--credentials-file=/key/key.json", ', "", []),
        (GKE % WORKLOAD_POOL + PRINCIPAL, "", "", []),
    ],
)
def test_gke_cloud_sql_proxy_needs_workload_identity(
    tmp_path: Path, terraform: str, args: str, account: str, expected: list[tuple[str, str, int]]
) -> None:
    deployment = WEB.split("      volumes:\n")[0] % (AS_WEB, PROXY % args)
    files = {"infra/main.tf": terraform, "k8s/web.yaml": deployment + "---\n" + ACCOUNT % account}
    assert _places(tmp_path, files) == expected


def test_gke_secret_provider_class_needs_workload_identity(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": GKE % WORKLOAD_POOL,
        "k8s/spc.yaml": SPC % ("gcp", "    secrets: x\n"),
        "k8s/web.yaml": WEB % ("", ""),
    }
    [(rule, path, line, message)] = _found(tmp_path, files)
    assert (rule, path, line) == ("INFRA008", "k8s/web.yaml", 24)
    assert message.startswith(
        "`Deployment/web` mounts the GCP SecretProviderClass `db` (k8s/spc.yaml:7) as "
        "`web/default`, which has no `iam.gke.io/gcp-service-account` annotation"
    )


def test_objects_without_a_namespace_are_compared_with_each_other(tmp_path: Path) -> None:
    deployment = WEB.split("      volumes:\n")[0] % (AS_WEB, PROXY % "")
    account = ACCOUNT.replace("  namespace: web\n", "")
    files = {
        "infra/main.tf": GKE % WORKLOAD_POOL,
        "k8s/web.yaml": deployment.replace("  namespace: web\n", "") + "---\n" + account % "",
    }
    [(rule, path, line, message)] = _found(tmp_path, files)
    assert (rule, path, line) == ("INFRA008", "k8s/web.yaml", 14)
    assert "(k8s/web.yaml:19) as `web`, which has no" in message
    files["k8s/web.yaml"] = files["k8s/web.yaml"] + GKE_ANNOTATED
    assert _places(tmp_path, files) == []


def test_gke_secret_provider_class_with_a_key_needs_no_identity(tmp_path: Path) -> None:
    keyed = WEB.replace(
        "            volumeAttributes:",
        "            nodePublishSecretRef:\n              name: key\n            volumeAttributes:",
    )
    files = {
        "infra/main.tf": GKE % WORKLOAD_POOL,
        "k8s/spc.yaml": SPC % ("gcp", "    secrets: x\n"),
        "k8s/web.yaml": keyed % ("", ""),
    }
    assert _places(tmp_path, files) == []


def test_each_finding_carries_the_places_its_message_names(tmp_path: Path) -> None:
    # The places go with each finding as data (related locations); they are exactly the other
    # `file:line`s the message names.
    files = {
        "infra/main.tf": CLUSTER + _document() + ASSOCIATION % ("jobs", '"jobs"'),
        "k8s/sa.yaml": IRSA_SA % ("api", ARN),
        "k8s/spc.yaml": SPC % ("aws", POD_IDENTITY),
        "k8s/web.yaml": WEB % (AS_WEB, ""),
        "k8s/jobs.yaml": WEB.replace("name: web\n  namespace", "name: jobs\n  namespace")
        % ("      serviceAccountName: jobs\n", ""),
    }
    found = validate([build_tree(tmp_path, files)], select=IDS, cache=False).findings
    assert sorted(finding.rule for finding in found) == ["INFRA007", "INFRA008"]
    for finding in found:
        named = set(re.findall(r"\(([\w./-]+:\d+)\)", finding.message))
        named.discard(f"{finding.path}:{finding.line}")
        assert named == {str(place) for place in finding.related}, finding.message


def test_irsa_workload_without_the_annotation_is_told_the_role_that_trusts_it(
    tmp_path: Path,
) -> None:
    files = {
        "infra/main.tf": CLUSTER + _document(),
        "k8s/spc.yaml": SPC % ("aws", "    region: eu-west-1\n"),
        "k8s/web.yaml": WEB % (AS_WEB, "") + "---\n" + ACCOUNT % "",
    }
    [(rule, path, line, message)] = _found(tmp_path, files)
    assert (rule, path, line) == ("INFRA008", "k8s/web.yaml", 15)
    assert message.endswith(
        "`ServiceAccount/web` (k8s/web.yaml:30) has none, while `aws_iam_role.web` "
        "(infra/main.tf:47) trusts it"
    )
