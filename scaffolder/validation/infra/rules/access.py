"""A workload that expects cloud access runs as a ServiceAccount the cloud gives an identity.

What "expects cloud access" means, exactly (nothing else is a signal):

- EKS: a pod mounts a `secrets-store.csi.k8s.io` CSI volume whose `SecretProviderClass` (same
  namespace, in the deployed objects) has `provider: aws`. With `usePodIdentity: "true"` the
  AWS provider fetches the secret with the pod's EKS Pod Identity, so an
  `aws_eks_pod_identity_association` (or an `eks-pod-identity` module association) must name
  the pod's namespace and ServiceAccount; otherwise it uses IRSA, so the ServiceAccount must
  carry `eks.amazonaws.com/role-arn`.
- GKE, on a cluster with Workload Identity (a `workload_identity_config` block, Autopilot, or
  a GKE module call's `identity_namespace`): a pod runs the Cloud SQL Auth Proxy
  (`gcr.io/cloud-sql-connectors/cloud-sql-proxy`, `[region.]gcr.io/cloudsql-docker/gce-proxy`)
  without a key (`--credentials-file`,
  `--json-credentials`, `--token`, `-credential_file` or `GOOGLE_APPLICATION_CREDENTIALS`), or
  mounts a `provider: gcp` SecretProviderClass without a `nodePublishSecretRef` key; its
  ServiceAccount must carry `iam.gke.io/gcp-service-account`.

A pod with no ServiceAccount runs as `default`, which has no identity unless the objects
annotate a `default` ServiceAccount; a workload and a ServiceAccount without a namespace are
applied together, into one namespace. Not judged: a named ServiceAccount the objects do not
contain (it is made elsewhere), a Terraform that makes no Pod Identity association at all or
one whose namespace or name is not static (the associations live elsewhere, or this one may
match), a Pod Identity workload without a namespace, and, on GKE, a Terraform granting any
`principal://`/`principalSet://` member (direct Workload Identity Federation needs no
annotation). A pod whose ServiceAccount differs from an association's only by name, in the
same namespace, is INFRA005's finding at the association, not a second one here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scaffolder.validation.infra.estate import Deployment, Estate
from scaffolder.validation.infra.rules.identity import (
    module_associations,
    module_workload_identity,
)
from scaffolder.validation.infra.rules.trust import (
    ROLE_ARN,
    Place,
    admits,
    roles,
    string,
)
from scaffolder.validation.kubernetes.objects import (
    FieldPath,
    Obj,
    containers,
    get,
    mapping,
    workloads,
)
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import TupleExpr, literal_value

CLOUD_ACCESS = Rule(
    "INFRA008",
    "cloud-access-without-identity",
    Severity.ERROR,
    "A workload that calls a cloud API runs as a ServiceAccount the cloud gives no identity.",
)
RULES = (CLOUD_ACCESS,)

SECRETS_STORE = "secrets-store.csi.k8s.io"
GKE_ANNOTATION = "iam.gke.io/gcp-service-account"
_PROXY = re.compile(
    r"^(?:[a-z]+\.)?gcr\.io/(?:cloud-sql-connectors/cloud-sql-proxy|cloudsql-docker/gce-proxy)$"
)
#: Options and variables that give the proxy a key or token instead of the pod's identity.
_KEYED = ("--credentials-file", "--json-credentials", "--token", "-credential_file", "-token")
_PRINCIPAL = re.compile(r"\bprincipal(?:Set)?://")


@dataclass(frozen=True, slots=True)
class Need:
    """Why a workload needs a cloud identity, and where that is written."""

    cloud: str
    #: The signal, for messages ("mounts the AWS SecretProviderClass `x`").
    what: str
    #: Where the signal is in the workload, for a pod spec without a ServiceAccount.
    field: FieldPath
    text: str
    #: Where the signal's other half is (the SecretProviderClass), else the workload field.
    place: Place
    pod_identity: bool = False


def _image(image: str) -> str:
    """The repository of an image reference, without tag or digest."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def _keyed(container: dict[str, Any]) -> bool:
    words = [
        str(word) for word in [*(container.get("command") or []), *(container.get("args") or [])]
    ]
    env = {str(mapping(item).get("name")) for item in container.get("env") or []}
    return "GOOGLE_APPLICATION_CREDENTIALS" in env or any(
        word == option or word.startswith(f"{option}=") for word in words for option in _KEYED
    )


def _needs(
    estate: Estate, deployment: Deployment, obj: Obj, base: FieldPath, spec: dict[str, Any]
) -> Iterator[Need]:
    classes = {
        (item.namespace, item.name): item
        for item in deployment.objects.objects
        if item.kind == "SecretProviderClass"
    }
    for index, volume in enumerate(spec.get("volumes") or []):
        csi = mapping(mapping(volume).get("csi"))
        name = mapping(csi.get("volumeAttributes")).get("secretProviderClass")
        if csi.get("driver") != SECRETS_STORE or not isinstance(name, str):
            continue
        provider_class = classes.get((obj.namespace, name))
        if provider_class is None:
            continue
        provider = get(provider_class.data, ["spec", "provider"])
        parameters = mapping(get(provider_class.data, ["spec", "parameters"]))
        field: FieldPath = [
            *base,
            "volumes",
            index,
            "csi",
            "volumeAttributes",
            "secretProviderClass",
        ]
        line = provider_class.locate(["spec", "provider"])[0]
        pod_identity = str(parameters.get("usePodIdentity", "")).lower() == "true"
        if pod_identity:
            line = provider_class.locate(["spec", "parameters", "usePodIdentity"])[0]
        place = (estate.context.base / provider_class.source, line)
        if provider == "aws":
            how = " with usePodIdentity" if pod_identity else ""
            what = f"mounts the AWS SecretProviderClass `{name}`{how}"
            yield Need("aws", what, field, name, place, pod_identity)
        elif provider == "gcp" and "nodePublishSecretRef" not in csi:
            # With nodePublishSecretRef the GCP provider signs in with that Secret's key.
            yield Need("gcp", f"mounts the GCP SecretProviderClass `{name}`", field, name, place)
    for _, path, _, container in containers(obj, base, spec):
        image = container.get("image")
        if isinstance(image, str) and _PROXY.match(_image(image)) and not _keyed(container):
            where = _place(estate, obj, [*path, "image"], image)
            yield Need("gcp", "runs the Cloud SQL Auth Proxy", [*path, "image"], image, where)


def _place(estate: Estate, obj: Obj, field: FieldPath, text: str) -> Place:
    """Where ``field`` of ``obj`` is written: its base, or the overlay patch that adds it."""
    # The same placement a finding gets, so a message names what a finding would point at.
    located = estate.finding(obj, CLOUD_ACCESS, field, "", text=text)
    return estate.context.base / located.path, located.line


def _account(deployment: Deployment, namespace: str | None, name: str) -> Obj | None:
    for obj in deployment.objects.objects:
        if obj.kind == "ServiceAccount" and obj.namespace == namespace and obj.name == name:
            return obj
    return None


def _annotated(account: Obj | None, key: str) -> bool:
    annotations = get(account.data, ["metadata", "annotations"]) if account else None
    return isinstance(annotations, dict) and isinstance(annotations.get(key), str)


def _associations(estate: Estate, deployment: Deployment) -> dict[tuple[str, str], Place] | None:
    """(namespace, ServiceAccount) -> association; None when one of them is not static."""
    found: dict[tuple[str, str], Place] = {}
    for resource in deployment.resources:
        if resource.type != "aws_eks_pod_identity_association":
            continue
        _, namespace = estate.attribute(resource, "namespace")
        _, account = estate.attribute(resource, "service_account")
        if namespace is None or account is None:
            return None
        found.setdefault((namespace, account), (resource.file, resource.block.line))
    made = module_associations(estate, deployment)
    if made is None:
        return None
    for association in made:
        place = (association.file, association.value.line)
        found.setdefault((association.namespace, association.account), place)
    return found


def _workload_identity(estate: Estate, deployment: Deployment) -> Place | None:
    """Where the cluster enables Workload Identity; None when it does not, or not statically."""
    cluster = deployment.cluster
    if cluster.type == "module":
        return module_workload_identity(estate, cluster)
    for block in cluster.block.blocks("workload_identity_config"):
        pool = block.attributes.get("workload_pool")
        if pool is not None and string(estate, cluster, pool.value):
            return cluster.file, block.line
    autopilot = cluster.block.attributes.get("enable_autopilot")
    if autopilot is not None and literal_value(autopilot.value) is True:
        return cluster.file, autopilot.line
    return None


def _principals(estate: Estate, deployment: Deployment) -> bool:
    """Whether any IAM member of the Terraform is a `principal://` (direct federation) one."""
    for resource in deployment.resources:
        for name in ("member", "members"):
            attribute = resource.block.attributes.get(name)
            if attribute is None:
                continue
            value = attribute.value
            items = value.items if isinstance(value, TupleExpr) else (value,)
            if any(_PRINCIPAL.search(string(estate, resource, item)) for item in items):
                return True
    return False


def _at(
    estate: Estate,
    obj: Obj,
    base: FieldPath,
    spec: dict[str, Any],
    need: Need,
    message: str,
) -> Finding:
    """The finding at the pod spec's ServiceAccount, or at the signal when none is set."""
    for key in ("serviceAccountName", "serviceAccount"):
        if isinstance(spec.get(key), str):
            return estate.finding(obj, CLOUD_ACCESS, [*base, key], message, text=spec[key])
    return estate.finding(obj, CLOUD_ACCESS, need.field, message, text=need.text)


def _who(namespace: str | None, name: str) -> str:
    # Objects without a namespace are applied together, into the namespace the deployer picks.
    return f"`{namespace}/{name}`" if namespace else f"`{name}`"


def _eks(estate: Estate, deployment: Deployment) -> Iterator[Finding]:
    associations = _associations(estate, deployment)
    pods = []
    for obj, base, spec in workloads(deployment.objects):
        name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        pods.append((obj, base, spec, obj.namespace, name))
    running = {(namespace, name) for *_, namespace, name in pods if namespace}
    for obj, base, spec, namespace, name in pods:
        for need in _needs(estate, deployment, obj, base, spec):
            if need.cloud != "aws":
                continue
            who = f"`{obj.label()}` {need.what} ({estate.where(*need.place)}) as "
            who += _who(namespace, name)
            if need.pod_identity:
                if namespace is None or not associations or (namespace, name) in associations:
                    continue
                if any(ns == namespace for ns, _ in set(associations) - running):
                    continue  # INFRA005 reports the association this pod should run as
                listed = ", ".join(
                    f"`{ns}/{sa}` ({estate.where(*place)})"
                    for (ns, sa), place in sorted(associations.items())
                )
                message = (
                    f"{who}, but no `aws_eks_pod_identity_association` gives that ServiceAccount "
                    f"a role: the associations name {listed}"
                )
                yield _at(estate, obj, base, spec, need, message)
                continue
            account = _account(deployment, namespace, name)
            if (account is None and name != "default") or _annotated(account, ROLE_ARN):
                continue
            detail = "the namespace's own, not annotated in the manifests"
            if account is not None:
                line = account.locate(["metadata", "name"])[0]
                detail = f"`{account.label()}` ({estate.cite(account.source, line)}) has none"
            message = (
                f"{who}, so the AWS provider fetches it through IRSA, but the ServiceAccount "
                f"carries no `{ROLE_ARN}` annotation: {detail}"
            )
            subject = f"system:serviceaccount:{namespace}:{name}"
            trusting = [
                role
                for role in roles(estate, deployment).values()
                if namespace and role.trust is not None and admits(role.trust, subject)
            ]
            if trusting:
                message += ", while " + ", ".join(
                    f"`{role.address}` ({estate.where(*role.place)})" for role in trusting
                )
                message += " trusts it"
            yield _at(estate, obj, base, spec, need, message)


def _gke(estate: Estate, deployment: Deployment) -> Iterator[Finding]:
    enabled = _workload_identity(estate, deployment)
    if enabled is None or _principals(estate, deployment):
        return
    cluster = f"`{deployment.cluster.address}` ({estate.where(*enabled)})"
    for obj, base, spec in workloads(deployment.objects):
        namespace = obj.namespace
        name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        account = _account(deployment, namespace, name)
        if (account is None and name != "default") or _annotated(account, GKE_ANNOTATION):
            continue
        for need in _needs(estate, deployment, obj, base, spec):
            if need.cloud != "gcp":
                continue
            detail = "the namespace's own, not annotated in the manifests"
            if account is not None:
                line = account.locate(["metadata", "name"])[0]
                detail = f"`{account.label()}`, {estate.cite(account.source, line)}"
            message = (
                f"`{obj.label()}` {need.what} ({estate.where(*need.place)}) as "
                f"{_who(namespace, name)}, which has no `{GKE_ANNOTATION}` annotation ({detail}): "
                f"on {cluster}, which enables Workload Identity, the pods call Google APIs as "
                "their bare Kubernetes identity, to which the Terraform grants no role"
            )
            yield _at(estate, obj, base, spec, need, message)
            break


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA008 on the workloads of each deployed object set."""
    for deployment in estate.deployments():
        if estate.cloud(deployment.cluster) == "eks":
            yield from _eks(estate, deployment)
        else:
            yield from _gke(estate, deployment)
