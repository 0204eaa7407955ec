"""Workload identity: the cloud identity the Terraform grants is the one the pods run as.

- GKE: a ServiceAccount annotated `iam.gke.io/gcp-service-account` names a
  `google_service_account` the Terraform creates, and a `roles/iam.workloadIdentityUser` grant
  on it has the member `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]` of that very
  ServiceAccount. Otherwise the pod's calls to Google APIs fail with 403 at run time.
- EKS: every `aws_eks_pod_identity_association` names a namespace and ServiceAccount that a
  workload of the deployed manifests runs as; otherwise no pod gets the role's credentials.

Clusters of the community modules count too: the `eks-pod-identity` module's `associations`
are associations, and a GKE module call that enables Workload Identity is judged like a
`google_container_cluster` (:func:`_module_made` says which accounts it leaves alone).

A name or member that is not static, a ServiceAccount without a namespace, or a Terraform that
creates no service account at all (it may live in another repository) leaves the pair unjudged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffolder.validation.infra.estate import (
    INSTALL_NOTHING,
    POD_IDENTITY_MODULE,
    Deployment,
    Estate,
    Resource,
    installed_elsewhere,
    module_input,
    module_source,
    object_items,
)
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, get, workloads
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    Call,
    Expr,
    GetAttr,
    Traversal,
    Variable,
    literal_value,
)

GKE_IDENTITY = Rule(
    "INFRA004",
    "workload-identity-mismatch",
    Severity.ERROR,
    "A GKE Workload Identity annotation and the Terraform's service account or binding disagree.",
)
EKS_IDENTITY = Rule(
    "INFRA005",
    "pod-identity-unused",
    Severity.ERROR,
    "An EKS Pod Identity association names a ServiceAccount no workload runs as.",
)
RULES = (GKE_IDENTITY, EKS_IDENTITY)

ANNOTATION = "iam.gke.io/gcp-service-account"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
_MEMBER = re.compile(
    r"^serviceAccount:[^\[\]]+\.svc\.id\.goog\[(?P<ns>[^/\]]+)/(?P<name>[^\]]+)\]$"
)


def _emails(estate: Estate, deployment: Deployment) -> dict[str, Resource] | None:
    """Email -> `google_service_account`; None when one's email is not static."""
    found: dict[str, Resource] = {}
    for resource in deployment.resources:
        if resource.type != "google_service_account":
            continue
        _, account = estate.attribute(resource, "account_id")
        project = estate.google_project(resource)
        if account is None or project is None:
            return None
        found[f"{account}@{project}.iam.gserviceaccount.com"] = resource
    return found


def _roles(estate: Estate, resource: Resource) -> set[str] | None:
    """The roles a grant can give: its static `role`, or every `each.value` of a literal set."""
    attribute, role = estate.attribute(resource, "role")
    if role is not None:
        return {role}
    expr = attribute.value if attribute is not None else None
    for_each = resource.block.attributes.get("for_each")
    if (
        for_each is None
        or not isinstance(expr, Traversal)
        or not isinstance(expr.source, Variable)
        or expr.source.name != "each"
    ):
        return None
    items = for_each.value
    if isinstance(items, Call) and items.name == "toset" and len(items.args) == 1:
        items = items.args[0]
    values = literal_value(items)
    if isinstance(values, list) and all(isinstance(value, str) for value in values):
        return {str(value) for value in values}
    return None


def _grants(
    estate: Estate, deployment: Deployment, account: Resource
) -> list[tuple[str, str]] | None:
    """Members (and `file:line`) granted workloadIdentityUser on ``account``; None if unknown.

    A grant is tied to the account by a reference `google_service_account.<name>` in the
    account's own module; a workloadIdentityUser grant tied any other way makes it unknown.
    """
    found = []
    for resource in deployment.resources:
        plural = resource.type == "google_service_account_iam_binding"
        if resource.type != "google_service_account_iam_member" and not plural:
            continue
        roles = _roles(estate, resource)
        if roles is not None and WORKLOAD_IDENTITY_USER not in roles:
            continue
        target = resource.block.attributes.get("service_account_id")
        expr = target.value if target is not None else None
        steps = (
            [step.name for step in expr.steps if isinstance(step, GetAttr)]
            if isinstance(expr, Traversal)
            and isinstance(expr.source, Variable)
            and expr.source.name == "google_service_account"
            and resource.file.parent == account.file.parent
            else []
        )
        if steps and steps[0] != account.name:
            continue
        members = resource.block.attributes.get("members" if plural else "member")
        if not steps or roles != {WORKLOAD_IDENTITY_USER} or members is None:
            return None
        items = getattr(members.value, "items", None) if plural else (members.value,)
        if items is None:
            return None
        for item in items:
            text = estate.string(resource, item)
            if text is None:
                return None
            found.append((text, estate.where(resource.file, item.line)))
    return found


def _gke(estate: Estate, deployment: Deployment, obj: Obj) -> Iterator[Finding]:
    annotations = get(obj.data, ["metadata", "annotations"])
    email = annotations.get(ANNOTATION) if isinstance(annotations, dict) else None
    namespace = obj.namespace
    if not isinstance(email, str) or namespace is None:
        return
    emails = _emails(estate, deployment)
    if not emails:
        return
    field: FieldPath = ["metadata", "annotations", ANNOTATION]
    account = emails.get(email)
    if account is None:
        known = ", ".join(
            f"`{known}` ({estate.where(r.file, r.block.line)})"
            for known, r in sorted(emails.items())
        )
        yield estate.finding(
            obj,
            GKE_IDENTITY,
            field,
            f"`{obj.label()}` acts as `{email}`, which the Terraform does not create: it "
            f"creates {known}",
            text=email,
        )
        return
    grants = _grants(estate, deployment, account)
    if grants is None:
        return
    wanted = (namespace, obj.name)
    pools = [(_MEMBER.match(member), where) for member, where in grants]
    if any(match and (match["ns"], match["name"]) == wanted for match, _ in pools):
        return
    where = estate.where(account.file, account.block.line)
    granted = [
        f"`{match['ns']}/{match['name']}` ({place})" for match, place in pools if match is not None
    ]
    yield estate.finding(
        obj,
        GKE_IDENTITY,
        field,
        f"`{obj.label()}` in namespace `{namespace}` acts as `{account.address}` ({where}), but "
        + (
            f"`{WORKLOAD_IDENTITY_USER}` on it is granted to {', '.join(granted)} only"
            if granted
            else f"no `{WORKLOAD_IDENTITY_USER}` grant on it names a Kubernetes ServiceAccount"
        ),
        text=email,
    )


def _eks(estate: Estate, deployment: Deployment) -> Iterator[Finding]:
    runs_as: dict[tuple[str, str], str] = {}
    for obj, path, spec in workloads(deployment.objects):
        if obj.namespace is None:
            return  # where it runs is the deployer's choice
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        line = obj.locate([*path, "serviceAccountName"])[0]
        runs_as.setdefault((obj.namespace, str(account)), estate.cite(obj.source, line))
    if not runs_as:
        return
    # What a Helm chart, another module or GitOps installs may run as the ServiceAccount.
    elsewhere = installed_elsewhere(estate, deployment)
    for resource in deployment.resources:
        if resource.type != "aws_eks_pod_identity_association":
            continue
        _, namespace = estate.attribute(resource, "namespace")
        attribute, account = estate.attribute(resource, "service_account")
        if namespace is None or account is None or attribute is None:
            continue
        if elsewhere & {None, namespace}:
            continue
        if (namespace, account) in runs_as:
            continue
        known = ", ".join(f"`{ns}/{sa}` ({where})" for (ns, sa), where in sorted(runs_as.items()))
        yield estate.context.finding(
            EKS_IDENTITY,
            resource.file,
            attribute.value.line,
            attribute.value.column,
            f"`{resource.address}` gives the role to `{namespace}/{account}`, but no workload "
            f"runs as it: the workloads run as {known}",
        )
    yield from _eks_module(estate, deployment, runs_as, elsewhere)


@dataclass(frozen=True, slots=True)
class ModuleAssociation:
    """An association the `eks-pod-identity` module makes, and where its ServiceAccount is."""

    address: str
    namespace: str
    account: str
    file: Path
    #: The `service_account` value (the entry's or `association_defaults`').
    value: Expr


def module_associations(estate: Estate, deployment: Deployment) -> list[ModuleAssociation] | None:
    """What calls of the `eks-pod-identity` module associate; None when one is not static.

    The module (v2.0.0 to v2.8.1 `main.tf`) makes one `aws_eks_pod_identity_association` per
    `associations` entry, its `namespace` and `service_account` the entry's, else
    `association_defaults`', unless `create = false`. A call with `count` or `for_each` makes
    any number of them.
    """
    directories = {r.file.parent for r in deployment.resources} | {deployment.cluster.file.parent}
    found: list[ModuleAssociation] = []
    for call in estate.calls:
        if call.file.parent not in directories or module_source(call) != POD_IDENTITY_MODULE:
            continue
        create = module_input(call, "create")
        if create is not None and literal_value(create.value) is False:
            continue
        attribute = module_input(call, "associations")
        if attribute is None:
            continue
        defaults_input = module_input(call, "association_defaults")
        entries = object_items(estate, call, attribute.value)
        defaults = (
            object_items(estate, call, defaults_input.value) if defaults_input is not None else {}
        )
        if (
            entries is None
            or defaults is None
            or {"count", "for_each"} & call.block.attributes.keys()
            or (create is not None and literal_value(create.value) is not True)
        ):
            return None
        for key, value in entries.items():
            entry = object_items(estate, call, value)
            if entry is None:
                return None
            namespace = entry.get("namespace", defaults.get("namespace"))
            account = entry.get("service_account", defaults.get("service_account"))
            ns = estate.string(call, namespace) if namespace is not None else None
            sa = estate.string(call, account) if account is not None else None
            if ns is None or sa is None or account is None:
                return None
            address = f"module.{call.name}.associations.{key}"
            found.append(ModuleAssociation(address, ns, sa, call.file, account))
    return found


def _eks_module(
    estate: Estate,
    deployment: Deployment,
    runs_as: dict[tuple[str, str], str],
    elsewhere: set[str | None],
) -> Iterator[Finding]:
    """INFRA005 at the `service_account` of an `eks-pod-identity` module association."""
    for association in module_associations(estate, deployment) or []:
        wanted = (association.namespace, association.account)
        if elsewhere & {None, association.namespace} or wanted in runs_as:
            continue
        known = ", ".join(f"`{ns}/{sa}` ({where})" for (ns, sa), where in sorted(runs_as.items()))
        yield estate.context.finding(
            EKS_IDENTITY,
            association.file,
            association.value.line,
            association.value.column,
            f"`{association.address}` gives the role to `{association.namespace}/"
            f"{association.account}`, but no workload runs as it: the workloads run as {known}",
        )


def module_workload_identity(estate: Estate, call: Resource) -> tuple[Path, int] | None:
    """Where a GKE module call enables Workload Identity (its `identity_namespace`).

    The module (`main.tf`, v30.0.0 to v44.0.0) enables it unless `identity_namespace` is null
    or `"null"`; its default, `"enabled"`, is the project's pool. Autopilot always runs it.
    """
    if "autopilot" in (module_source(call) or ""):
        return call.file, call.block.line
    attribute = module_input(call, "identity_namespace")
    if attribute is None:
        return call.file, call.block.line
    value = estate.string(call, attribute.value)
    if value is None or value in {"", "null"}:
        return None  # null, or a value not static that may be null
    return call.file, attribute.line


#: The account id the GKE module gives the node service account it creates when
#: `service_account_name` is empty (`sa.tf`, v30.0.0 to v44.0.0): a random suffix follows.
_GKE_MODULE_NODE_ACCOUNT = "tf-gke-"


def _module_made(estate: Estate, deployment: Deployment, email: str) -> bool | None:
    """Whether a GKE module cluster's call makes the account ``email`` (None: not known).

    The cluster module creates the nodes' account (`create_service_account`, default true),
    named `service_account_name` or `tf-gke-<name>-<random>`; any other module call beside it
    (`workload-identity`, `service-accounts`) may create accounts and grants the rule cannot see.
    """
    call = deployment.cluster
    directories = {r.file.parent for r in deployment.resources} | {call.file.parent}
    if any(
        other is not call
        and other.file.parent in directories
        and not (module_source(other) or "").startswith(INSTALL_NOTHING)
        for other in estate.calls
    ):
        return None
    create = module_input(call, "create_service_account")
    if create is not None and literal_value(create.value) is False:
        return False
    if create is not None and literal_value(create.value) is not True:
        return None
    name = module_input(call, "service_account_name")
    account = estate.string(call, name.value) if name is not None else ""
    project = module_input(call, "project_id")
    project_id = estate.string(call, project.value) if project is not None else None
    if account is None or project_id is None:
        return None
    if not account:
        return email.startswith(_GKE_MODULE_NODE_ACCOUNT)
    return email == f"{account}@{project_id}.iam.gserviceaccount.com"


def _gke_module(estate: Estate, deployment: Deployment, obj: Obj) -> Iterator[Finding]:
    """INFRA004 on a cluster of the GKE module that enables Workload Identity."""
    if module_workload_identity(estate, deployment.cluster) is None:
        return
    annotations = get(obj.data, ["metadata", "annotations"])
    email = annotations.get(ANNOTATION) if isinstance(annotations, dict) else None
    if isinstance(email, str) and _module_made(estate, deployment, email) is False:
        yield from _gke(estate, deployment, obj)


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA004 on GKE ServiceAccounts, INFRA005 on EKS Pod Identity associations."""
    for deployment in estate.deployments():
        if deployment.cluster.type == "google_container_cluster":
            for obj in deployment.objects.objects:
                if obj.kind == "ServiceAccount":
                    yield from _gke(estate, deployment, obj)
        elif estate.cloud(deployment.cluster) == "gke":
            for obj in deployment.objects.objects:
                if obj.kind == "ServiceAccount":
                    yield from _gke_module(estate, deployment, obj)
        elif estate.cloud(deployment.cluster) == "eks":
            yield from _eks(estate, deployment)
