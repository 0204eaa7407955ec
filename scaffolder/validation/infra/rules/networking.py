"""NetworkPolicies are enforced by the cluster they are deployed to.

A cluster that does not enforce NetworkPolicy accepts the objects and ignores them: the
default-deny a repository ships is then silently a no-op. What the Terraform says:

- GKE: Autopilot, or `datapath_provider = "ADVANCED_DATAPATH"` (Dataplane V2), or a
  `network_policy { enabled = true }` block (the Calico add-on) enforce them.
- EKS: the `vpc-cni` add-on enforces them only with `enableNetworkPolicy` set in its
  `configuration_values`; a cluster with no `vpc-cni` add-on resource runs a CNI the
  Terraform does not describe, and stays unjudged.

Clusters built by the community modules are read from the module call's inputs:

- `terraform-aws-modules/eks/aws`: the `vpc-cni` entry of `addons` (v21; `cluster_addons` up
  to v20, per the module's docs/UPGRADE-21.0.md), keyed by add-on name unless the entry sets
  `name`. An Auto Mode cluster (`compute_config`, `cluster_compute_config` before v21) runs
  the CNI EKS manages, and stays unjudged.
- `terraform-google-modules/kubernetes-engine/google` and its cluster submodules:
  `network_policy` (default false) and `datapath_provider` (default
  `DATAPATH_PROVIDER_UNSPECIFIED`), the defaults of the module's variables.tf. Autopilot
  submodules always enforce; `safer-cluster` turns `network_policy` on itself;
  `gke-standard-cluster` takes them in another shape, and stays unjudged.

Any of those settings written as an expression the adapter cannot evaluate, or a `dynamic`
block in its place, leaves the cluster unjudged; so does a Helm release of Cilium, Calico or
Antrea (they enforce NetworkPolicy themselves), or of a chart that is not static.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scaffolder.validation.infra.estate import (
    Deployment,
    Estate,
    Resource,
    json_value,
    module_input,
    module_source,
    object_items,
)
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    UNKNOWN,
    Expr,
    GetAttr,
    Literal,
    Traversal,
    Variable,
    literal_value,
    walk,
)

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


#: The EKS module's add-ons input, by its names across versions (v21 renamed `cluster_addons`).
ADDONS = ("addons", "cluster_addons")

#: The EKS Blueprints add-ons module: its `eks_addons` map makes `aws_eks_addon`s the same way
#: (`addon_name = try(each.value.name, each.key)`, `configuration_values` passed through).
BLUEPRINTS_ADDONS = "aws-ia/eks-blueprints-addons/aws"


def addons(
    estate: Estate, call: Resource, names: tuple[str, ...] = ADDONS
) -> tuple[int, dict[str, dict[str, Expr]]] | None:
    """The line of a module call's add-on map and each add-on's inputs, by add-on name.

    None when the call passes no such map or it is not static.
    """
    attribute = module_input(call, *names)
    items = object_items(estate, call, attribute.value) if attribute is not None else None
    if attribute is None or items is None:
        return None
    found: dict[str, dict[str, Expr]] = {}
    for key, value in items.items():
        inputs = object_items(estate, call, value)
        if inputs is None:
            return None
        name = estate.string(call, inputs["name"]) if "name" in inputs else key
        if name is None:
            return None
        found[name] = inputs
    return attribute.line, found


def _eks_module(estate: Estate, deployment: Deployment) -> tuple[Path, int, str] | None:
    """Where and why an EKS module's cluster does not enforce NetworkPolicy.

    The `vpc-cni` add-on may come from the module's own add-ons, from the Blueprints add-ons
    module beside it, or from an `aws_eks_addon`: exactly one of them must configure it, and
    every add-on map must be static, for the cluster to be judged.
    """
    call = deployment.cluster
    if module_input(call, "compute_config", "cluster_compute_config") is not None:
        return None
    owners = [
        (call, ADDONS),
        *(
            (other, ("eks_addons",))
            for other in estate.calls
            if other.file.parent == call.file.parent and module_source(other) == BLUEPRINTS_ADDONS
        ),
    ]
    found: list[tuple[Resource, int, dict[str, Expr]]] = []
    for owner, names in owners:
        if module_input(owner, *names) is None:
            continue
        managed = addons(estate, owner, names)
        if managed is None:
            return None
        if "vpc-cni" in managed[1]:
            found.append((owner, managed[0], managed[1]["vpc-cni"]))
    addon_names = [
        literal_value(name.value) if (name := r.block.attributes.get("addon_name")) else UNKNOWN
        for r in deployment.resources
        if r.type == "aws_eks_addon"
    ]
    if UNKNOWN in addon_names or len(found) + addon_names.count("vpc-cni") != 1:
        return None
    if not found:
        resources = _eks(deployment.resources)
        if resources is None:
            return None
        addon, line, reason = resources
        return addon.file, line, f"the `vpc-cni` add-on `{addon.address}` {reason}"
    owner, line, inputs = found[0]
    configuration = inputs.get("configuration_values")
    if configuration is None:
        reason = "manages `vpc-cni` with no `configuration_values` setting `enableNetworkPolicy`"
        return owner.file, line, f"`{owner.address}` {reason}"
    value = json_value(configuration)
    if not isinstance(value, dict) or value.get("enableNetworkPolicy") in {"true", True}:
        return None
    reason = 'configures `vpc-cni` with no `enableNetworkPolicy = "true"`'
    return owner.file, configuration.line, f"`{owner.address}` {reason}"


def _flag(estate: Estate, call: Resource, name: str) -> object:
    """A module input's constant value (a literal or a `var.*` with one), else UNKNOWN."""
    attribute = call.block.attributes.get(name)
    if attribute is None:
        return None
    value = literal_value(attribute.value)
    if value is not UNKNOWN:
        return value
    expr = attribute.value
    module = estate.modules.get(call.file.parent)
    if (
        module is not None
        and isinstance(expr, Traversal)
        and isinstance(expr.source, Variable)
        and expr.source.name == "var"
        and len(expr.steps) == 1
        and isinstance(expr.steps[0], GetAttr)
    ):
        return module.variables.get(expr.steps[0].name, UNKNOWN)
    text = estate.string(call, expr)
    return UNKNOWN if text is None else text


def _gke_module(estate: Estate, call: Resource) -> tuple[int, str] | None:
    """Where and why a GKE module's cluster does not enforce NetworkPolicy."""
    submodule = (module_source(call) or "").rpartition("//modules/")[2]
    if "autopilot" in submodule or submodule.startswith(("safer-cluster", "gke-standard")):
        return None
    policy = _flag(estate, call, "network_policy")
    datapath = _flag(estate, call, "datapath_provider")
    if policy is not None and policy is not False:
        return None
    if datapath is UNKNOWN or datapath == "ADVANCED_DATAPATH":
        return None
    line = call.block.attributes["datapath_provider"].line if datapath else call.block.line
    shown = f'`datapath_provider = "{datapath}"`' if datapath else "no `datapath_provider`"
    return line, f"has {shown} and `network_policy` {'false' if policy is False else 'unset'}"


#: Charts of network plugins that enforce NetworkPolicy themselves, whatever the cloud's setting.
POLICY_ENGINES = ("cilium", "calico", "tigera-operator", "antrea")


def _other_engine(estate: Estate, deployment: Deployment) -> bool:
    """Whether the Terraform may install a plugin that enforces NetworkPolicy on its own.

    A `helm_release` of one of :data:`POLICY_ENGINES` (or of a chart that is not static), or a
    module call naming one in an argument (the Blueprints add-ons module's `helm_releases`).
    """
    for resource in deployment.resources:
        if resource.type == "helm_release":
            _, chart = estate.attribute(resource, "chart")
            if chart is None or any(engine in chart for engine in POLICY_ENGINES):
                return True
    directories = {resource.file.parent for resource in deployment.resources}
    directories.add(deployment.cluster.file.parent)
    return any(
        isinstance(node, Literal)
        and isinstance(node.value, str)
        and any(engine in node.value for engine in POLICY_ENGINES)
        for call in estate.calls
        if call.file.parent in directories
        for attribute in call.block.attributes.values()
        for node in walk(attribute.value)
    )


def _unenforced(estate: Estate, deployment: Deployment) -> tuple[Path, int, str] | None:
    """The file, line and reason the deployment's cluster ignores NetworkPolicy."""
    cluster = deployment.cluster
    if _other_engine(estate, deployment):
        return None
    if cluster.type == "module" and estate.cloud(cluster) == "eks":
        return _eks_module(estate, deployment)
    if cluster.type == "module":
        module = _gke_module(estate, cluster)
        if module is None:
            return None
        return cluster.file, module[0], f"`{cluster.address}` {module[1]}"
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
        found = _unenforced(estate, deployment)
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
