"""Built-in API versions the selected Kubernetes release no longer serves, or will stop serving.

The table is the Kubernetes deprecated API migration guide
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/): for each group/version and
kind, the release that deprecated it, the release that removed it, and what replaces it.
kubernetes-validate has no schema for a removed version, so without this table such an object
would only be "no schema, not validated" (K8S003).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from scaffolder.validation.kubernetes.objects import ObjectSet
from scaffolder.validation.model import Finding, Rule, Severity

REMOVED = Rule(
    "K8S008",
    "removed-api",
    Severity.ERROR,
    "An object uses a built-in API version the selected Kubernetes release no longer serves.",
)
DEPRECATED = Rule(
    "K8S009",
    "deprecated-api",
    Severity.WARNING,
    "An object uses a built-in API version that is deprecated in the selected Kubernetes release.",
)
RULES = (REMOVED, DEPRECATED)


class Retired(NamedTuple):
    """When a built-in API version was deprecated and removed, and its replacement."""

    deprecated: str
    removed: str
    replacement: str


def _table() -> dict[tuple[str, str], Retired]:
    entries: list[tuple[str, tuple[str, ...], str, str, str]] = [
        ("extensions/v1beta1", ("Deployment", "DaemonSet", "ReplicaSet"), "1.9", "1.16", "apps/v1"),
        ("extensions/v1beta1", ("NetworkPolicy",), "1.9", "1.16", "networking.k8s.io/v1"),
        ("extensions/v1beta1", ("PodSecurityPolicy",), "1.11", "1.16", "policy/v1beta1"),
        ("extensions/v1beta1", ("Ingress",), "1.14", "1.22", "networking.k8s.io/v1"),
        (
            "apps/v1beta1",
            ("Deployment", "StatefulSet", "ControllerRevision"),
            "1.9",
            "1.16",
            "apps/v1",
        ),
        (
            "apps/v1beta2",
            ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"),
            "1.9",
            "1.16",
            "apps/v1",
        ),
        (
            "networking.k8s.io/v1beta1",
            ("Ingress", "IngressClass"),
            "1.19",
            "1.22",
            "networking.k8s.io/v1",
        ),
        (
            "admissionregistration.k8s.io/v1beta1",
            ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"),
            "1.16",
            "1.22",
            "admissionregistration.k8s.io/v1",
        ),
        (
            "apiextensions.k8s.io/v1beta1",
            ("CustomResourceDefinition",),
            "1.16",
            "1.22",
            "apiextensions.k8s.io/v1",
        ),
        (
            "apiregistration.k8s.io/v1beta1",
            ("APIService",),
            "1.19",
            "1.22",
            "apiregistration.k8s.io/v1",
        ),
        (
            "certificates.k8s.io/v1beta1",
            ("CertificateSigningRequest",),
            "1.19",
            "1.22",
            "certificates.k8s.io/v1",
        ),
        ("coordination.k8s.io/v1beta1", ("Lease",), "1.19", "1.22", "coordination.k8s.io/v1"),
        (
            "rbac.authorization.k8s.io/v1beta1",
            ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"),
            "1.17",
            "1.22",
            "rbac.authorization.k8s.io/v1",
        ),
        ("scheduling.k8s.io/v1beta1", ("PriorityClass",), "1.14", "1.22", "scheduling.k8s.io/v1"),
        (
            "storage.k8s.io/v1beta1",
            ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"),
            "1.19",
            "1.22",
            "storage.k8s.io/v1",
        ),
        ("batch/v1beta1", ("CronJob",), "1.21", "1.25", "batch/v1"),
        ("discovery.k8s.io/v1beta1", ("EndpointSlice",), "1.21", "1.25", "discovery.k8s.io/v1"),
        ("events.k8s.io/v1beta1", ("Event",), "1.19", "1.25", "events.k8s.io/v1"),
        ("autoscaling/v2beta1", ("HorizontalPodAutoscaler",), "1.22", "1.25", "autoscaling/v2"),
        ("policy/v1beta1", ("PodDisruptionBudget",), "1.21", "1.25", "policy/v1"),
        (
            "policy/v1beta1",
            ("PodSecurityPolicy",),
            "1.21",
            "1.25",
            "Pod Security Admission (no object)",
        ),
        ("node.k8s.io/v1beta1", ("RuntimeClass",), "1.20", "1.25", "node.k8s.io/v1"),
        ("autoscaling/v2beta2", ("HorizontalPodAutoscaler",), "1.23", "1.26", "autoscaling/v2"),
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            ("FlowSchema", "PriorityLevelConfiguration"),
            "1.23",
            "1.26",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
        ("storage.k8s.io/v1beta1", ("CSIStorageCapacity",), "1.24", "1.27", "storage.k8s.io/v1"),
        (
            "flowcontrol.apiserver.k8s.io/v1beta2",
            ("FlowSchema", "PriorityLevelConfiguration"),
            "1.26",
            "1.29",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
        (
            "flowcontrol.apiserver.k8s.io/v1beta3",
            ("FlowSchema", "PriorityLevelConfiguration"),
            "1.29",
            "1.32",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
    ]
    return {
        (api_version, kind): Retired(deprecated, removed, replacement)
        for api_version, kinds, deprecated, removed, replacement in entries
        for kind in kinds
    }


RETIRED = _table()


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2])


def removed(api_version: object, kind: object, version: str) -> Retired | None:
    """The retirement of ``api_version`` ``kind`` when ``version`` no longer serves it."""
    retired = RETIRED.get((str(api_version), str(kind)))
    if retired is None or _minor(version) < _minor(retired.removed):
        return None
    return retired


def check(objects: ObjectSet) -> Iterator[Finding]:
    """K8S008 for a removed built-in API version, K8S009 for a deprecated one."""
    version = objects.version
    for obj in objects.objects:
        api_version = obj.data.get("apiVersion")
        retired = RETIRED.get((str(api_version), obj.kind))
        if retired is None or _minor(version) < _minor(retired.deprecated):
            continue
        gone = _minor(version) >= _minor(retired.removed)
        rule = REMOVED if gone else DEPRECATED
        when = (
            f"was removed in Kubernetes {retired.removed}"
            if gone
            else f"is deprecated since Kubernetes {retired.deprecated} and removed in "
            f"{retired.removed}"
        )
        suffix = f" (rendered by {obj.rendered_by})" if obj.rendered_by is not None else ""
        yield obj.finding(
            rule,
            ["apiVersion"],
            f"`{obj.label()}`: `{api_version}` `{obj.kind}` {when}; use "
            f"{_replacement(retired.replacement)} (checked against {version}){suffix}",
        )


def _replacement(replacement: str) -> str:
    return replacement if " " in replacement else f"`{replacement}`"
