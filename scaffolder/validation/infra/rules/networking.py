"""NetworkPolicies are enforced by the cluster they are deployed to.

A cluster that does not enforce NetworkPolicy accepts the objects and ignores them: the
default-deny a repository ships is then silently a no-op. What the Terraform says:

- GKE: Autopilot, or `datapath_provider = "ADVANCED_DATAPATH"` (Dataplane V2), or a
  `network_policy { enabled = true }` block (the Calico add-on) enforce them.
- EKS: the `vpc-cni` add-on enforces them only with `enableNetworkPolicy` set in its
  `configuration_values`; a cluster with no `vpc-cni` add-on resource runs a CNI the
  Terraform does not describe, and stays unjudged.

Any of those settings written as an expression the adapter cannot evaluate, or a `dynamic`
block in its place, leaves the cluster unjudged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scaffolder.validation.infra.estate import Deployment, Estate, Resource, json_value
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import UNKNOWN, literal_value

NOT_ENFORCED = Rule(
    "INFRA002",
    "network-policy-not-enforced",
    Severity.ERROR,
    "NetworkPolicies are deployed to a cluster that does not enforce them.",
)
RULES = (NOT_ENFORCED,)


def _gke(cluster: Resource) -> tuple[int, str] | None:
    """Where and why a GKE cluster does not enforce NetworkPolicy; None if it does or is unknown."""
    block = cluster.block
    if any(dynamic.label(0) == "network_policy" for dynamic in block.blocks("dynamic")):
        return None
    attributes = block.attributes
    autopilot = attributes.get("enable_autopilot")
    if autopilot is not None and literal_value(autopilot.value) is not False:
        return None
    for policy in block.blocks("network_policy"):
        enabled = policy.attributes.get("enabled")
        if enabled is None or literal_value(enabled.value) is not False:
            return None
    datapath = attributes.get("datapath_provider")
    if datapath is None:
        return block.line, 'sets neither `datapath_provider = "ADVANCED_DATAPATH"` nor ' + (
            "`network_policy { enabled = true }`"
        )
    value = literal_value(datapath.value)
    if value is UNKNOWN or value == "ADVANCED_DATAPATH":
        return None
    return datapath.line, f'has `datapath_provider = "{value}"` and no enabled `network_policy`'


def _eks(resources: tuple[Resource, ...]) -> tuple[Resource, int, str] | None:
    """The `vpc-cni` add-on that leaves NetworkPolicy unenforced, where, and why."""
    addons = [
        resource
        for resource in resources
        if resource.type == "aws_eks_addon"
        and (name := resource.block.attributes.get("addon_name")) is not None
        and literal_value(name.value) == "vpc-cni"
    ]
    if len(addons) != 1:
        return None
    addon = addons[0]
    configuration = addon.block.attributes.get("configuration_values")
    if configuration is None:
        return addon, addon.block.line, "has no `configuration_values` with `enableNetworkPolicy`"
    value = json_value(configuration.value)
    if not isinstance(value, dict):
        return None
    setting = value.get("enableNetworkPolicy")
    if setting in {"true", True}:
        return None
    return addon, configuration.line, 'sets no `enableNetworkPolicy = "true"`'


def _unenforced(deployment: Deployment) -> tuple[Path, int, str] | None:
    """The file, line and reason the deployment's cluster ignores NetworkPolicy."""
    cluster = deployment.cluster
    if cluster.type == "google_container_cluster":
        found = _gke(cluster)
        if found is None:
            return None
        line, reason = found
        return cluster.file, line, f"`{cluster.address}` {reason}"
    eks = _eks(deployment.resources)
    if eks is None:
        return None
    addon, line, reason = eks
    return addon.file, line, f"the `vpc-cni` add-on `{addon.address}` {reason}"


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA002 at the first NetworkPolicy of a set whose cluster does not enforce them."""
    for deployment in estate.deployments():
        policies = [obj for obj in deployment.objects.objects if obj.kind == "NetworkPolicy"]
        if not policies:
            continue
        found = _unenforced(deployment)
        if found is None:
            continue
        path, line, reason = found
        first = f"`{policies[0].label()}`"
        what = f"{len(policies)} NetworkPolicies ({first} first)" if policies[1:] else first
        yield policies[0].finding(
            NOT_ENFORCED,
            ["metadata", "name"],
            f"{what} would be ignored: {reason}, so the "
            f"cluster does not enforce NetworkPolicy ({estate.where(path, line)})",
        )
