"""An Ingress's static IP and certificate annotations name resources the Terraform creates.

GKE's Ingress controller finds the load balancer's address and pre-shared certificates by
name; a name nothing creates leaves the Ingress without an address (it keeps retrying) or
without TLS. Only names compared against a complete list are judged: when the repository's
Terraform creates none of that type, or a name is not static, the rule says nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.infra.estate import Deployment, Estate
from scaffolder.validation.model import Finding, Rule, Severity

INGRESS_RESOURCE = Rule(
    "INFRA003",
    "ingress-resource-unknown",
    Severity.ERROR,
    "An Ingress annotation names a static IP or certificate the Terraform does not create.",
)
RULES = (INGRESS_RESOURCE,)

#: GKE Ingress annotation -> the resource types whose `name` it refers to, and what they are.
_ANNOTATIONS = {
    "kubernetes.io/ingress.global-static-ip-name": (
        ("google_compute_global_address",),
        "global static IP",
    ),
    "kubernetes.io/ingress.regional-static-ip-name": (
        ("google_compute_address",),
        "regional static IP",
    ),
    "ingress.gcp.kubernetes.io/pre-shared-cert": (
        ("google_compute_ssl_certificate", "google_compute_managed_ssl_certificate"),
        "certificate",
    ),
}


#: A static-IP annotation -> the address type of the other scope, which it can never use.
_OTHER_SCOPE = {
    "kubernetes.io/ingress.global-static-ip-name": (
        ("google_compute_address",),
        "regional static IP",
    ),
    "kubernetes.io/ingress.regional-static-ip-name": (
        ("google_compute_global_address",),
        "global static IP",
    ),
}


def _named(estate: Estate, deployment: Deployment, types: tuple[str, ...]) -> dict[str, str] | None:
    """Name -> `file:line` of every resource of ``types``; None when one's name is not static."""
    named: dict[str, str] = {}
    for resource in deployment.resources:
        if resource.type not in types:
            continue
        # A VPC-peering range or an internal address is no load balancer's address.
        if {"purpose", "address_type"} & resource.block.attributes.keys():
            continue
        attribute, name = estate.attribute(resource, "name")
        if attribute is None or name is None:
            return None
        named[name] = estate.where(resource.file, attribute.line)
    return named


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA003 at an Ingress annotation naming a resource no Terraform block creates."""
    for deployment in estate.deployments():
        if deployment.cluster.type != "google_container_cluster":
            continue
        for obj in deployment.objects.objects:
            if obj.kind != "Ingress":
                continue
            annotations = obj.data.get("metadata", {}).get("annotations") or {}
            for key, (types, what) in _ANNOTATIONS.items():
                value = annotations.get(key) if isinstance(annotations, dict) else None
                if not isinstance(value, str):
                    continue
                named = _named(estate, deployment, types)
                if named is None:
                    continue
                missing = [name.strip() for name in value.split(",") if name.strip() not in named]
                if not missing:
                    continue
                # An address of the other scope by that name is certainly the one meant, and
                # certainly unusable: a global load balancer cannot take a regional address.
                other_types, other = _OTHER_SCOPE.get(key, ((), ""))
                scoped = _named(estate, deployment, other_types) if other_types else None
                if scoped and missing[0] in scoped:
                    message = (
                        f"`{obj.label()}` uses the {what} `{missing[0]}`, but the Terraform "
                        f"creates `{missing[0]}` as a {other} ({scoped[missing[0]]}), which this "
                        "annotation cannot use"
                    )
                elif named:
                    known = ", ".join(
                        f"`{name}` ({where})" for name, where in sorted(named.items())
                    )
                    message = (
                        f"`{obj.label()}` uses the {what} `{missing[0]}`, which the Terraform "
                        f"does not create: it creates {known}"
                    )
                else:
                    continue
                yield estate.finding(
                    obj, INGRESS_RESOURCE, ["metadata", "annotations", key], message, text=value
                )
