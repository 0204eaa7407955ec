"""Node autoscaling bounds can hold what the HPAs may scale to (a warning, with the arithmetic).

Demand: every Deployment and StatefulSet of the set, at its HPA's `maxReplicas` (else its
`replicas`), times the CPU and memory its pod requests (containers, plus native sidecars:
init containers with `restartPolicy: Always`). Capacity: the node pool's most nodes times the
machine type's allocatable CPU and memory, less what the set's DaemonSets request on every node.
GKE: `autoscaling.total_max_node_count`, else `max_node_count` per zone times the zones
(`node_locations`, else three for a regional `location`, one for a zonal one). EKS:
`scaling_config.max_size` of each `aws_eks_node_group`. A cluster of the community modules:
the EKS module's `eks_managed_node_groups` and `self_managed_node_groups`, the GKE module's
`node_pools`, with the module's defaults. Only machine types in :data:`MACHINES`
are judged; anything not static stays silent. It is a bound, not a bin-packing: demand over it
can never be scheduled; demand under it may still not fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scaffolder.validation.infra.estate import (
    CLUSTER_MODULES,
    Deployment,
    Estate,
    Resource,
    module_input,
    module_source,
    object_items,
)
from scaffolder.validation.infra.rules.disruption import place
from scaffolder.validation.kubernetes.objects import Obj, get, pod_spec
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    Block,
    Expr,
    GetAttr,
    Paren,
    Traversal,
    TupleExpr,
    Variable,
    literal_value,
)

NODES_TOO_SMALL = Rule(
    "INFRA021",
    "node-autoscaling-too-small",
    Severity.WARNING,
    "The node pool's autoscaling maximum cannot hold the pods the HPAs may scale to.",
)
RULES = (NODES_TOO_SMALL,)

#: vCPUs, memory in MiB, and the default network card's ENIs and IPv4 addresses per ENI of EC2
#: instance types. Sizes from the EC2 instance type pages (docs.aws.amazon.com/ec2/latest/
#: instancetypes: general purpose, compute and memory optimized); ENIs and addresses from the
#: EKS AMI's `nodeadm/internal/kubelet/instance-info.jsonl` (awslabs/amazon-eks-ami, commit
#: 81fec2e8), which its `eni-max-pods` is computed from. A table rather than a lookup: the
#: clouds publish these only through their APIs, which a validator that runs offline cannot call.
EC2: dict[str, tuple[int, int, int, int]] = {
    "m5.large": (2, 8192, 3, 10),
    "m5.xlarge": (4, 16384, 4, 15),
    "m5.2xlarge": (8, 32768, 4, 15),
    "m5.4xlarge": (16, 65536, 8, 30),
    "m5a.large": (2, 8192, 3, 10),
    "m5a.xlarge": (4, 16384, 4, 15),
    "m5a.2xlarge": (8, 32768, 4, 15),
    "m5a.4xlarge": (16, 65536, 8, 30),
    "m6i.large": (2, 8192, 3, 10),
    "m6i.xlarge": (4, 16384, 4, 15),
    "m6i.2xlarge": (8, 32768, 4, 15),
    "m6i.4xlarge": (16, 65536, 8, 30),
    "m6a.large": (2, 8192, 3, 10),
    "m6a.xlarge": (4, 16384, 4, 15),
    "m6a.2xlarge": (8, 32768, 4, 15),
    "m6a.4xlarge": (16, 65536, 8, 30),
    "m7i.large": (2, 8192, 3, 10),
    "m7i.xlarge": (4, 16384, 4, 15),
    "m7i.2xlarge": (8, 32768, 4, 15),
    "m7i.4xlarge": (16, 65536, 8, 30),
    "m6g.medium": (1, 4096, 2, 4),
    "m6g.large": (2, 8192, 3, 10),
    "m6g.xlarge": (4, 16384, 4, 15),
    "m6g.2xlarge": (8, 32768, 4, 15),
    "m6g.4xlarge": (16, 65536, 8, 30),
    "m7g.medium": (1, 4096, 2, 4),
    "m7g.large": (2, 8192, 3, 10),
    "m7g.xlarge": (4, 16384, 4, 15),
    "m7g.2xlarge": (8, 32768, 4, 15),
    "m7g.4xlarge": (16, 65536, 8, 30),
    "c5.large": (2, 4096, 3, 10),
    "c5.xlarge": (4, 8192, 4, 15),
    "c5.2xlarge": (8, 16384, 4, 15),
    "c5.4xlarge": (16, 32768, 8, 30),
    "c6i.large": (2, 4096, 3, 10),
    "c6i.xlarge": (4, 8192, 4, 15),
    "c6i.2xlarge": (8, 16384, 4, 15),
    "c6i.4xlarge": (16, 32768, 8, 30),
    "c7i.large": (2, 4096, 3, 10),
    "c7i.xlarge": (4, 8192, 4, 15),
    "c7i.2xlarge": (8, 16384, 4, 15),
    "c7i.4xlarge": (16, 32768, 8, 30),
    "c6g.medium": (1, 2048, 2, 4),
    "c6g.large": (2, 4096, 3, 10),
    "c6g.xlarge": (4, 8192, 4, 15),
    "c6g.2xlarge": (8, 16384, 4, 15),
    "c6g.4xlarge": (16, 32768, 8, 30),
    "r5.large": (2, 16384, 3, 10),
    "r5.xlarge": (4, 32768, 4, 15),
    "r5.2xlarge": (8, 65536, 4, 15),
    "r5.4xlarge": (16, 131072, 8, 30),
    "r6i.large": (2, 16384, 3, 10),
    "r6i.xlarge": (4, 32768, 4, 15),
    "r6i.2xlarge": (8, 65536, 4, 15),
    "r6i.4xlarge": (16, 131072, 8, 30),
    "t3.small": (2, 2048, 3, 4),
    "t3.medium": (2, 4096, 3, 6),
    "t3.large": (2, 8192, 3, 12),
    "t3.xlarge": (4, 16384, 4, 15),
    "t3.2xlarge": (8, 32768, 4, 15),
    "t3a.small": (2, 2048, 2, 4),
    "t3a.medium": (2, 4096, 3, 6),
    "t3a.large": (2, 8192, 3, 12),
    "t3a.xlarge": (4, 16384, 4, 15),
    "t3a.2xlarge": (8, 32768, 4, 15),
}

#: vCPUs and memory in MiB of Compute Engine machine types (cloud.google.com/compute/docs:
#: general-purpose and compute-optimized machine families; their "GB" is GiB). The shared-core
#: `e2-micro`, `e2-small` and `e2-medium` are left out: GKE reserves CPU on them by another
#: rule than the one :func:`_reserved_cpu` implements.
COMPUTE_ENGINE: dict[str, tuple[int, int]] = {
    "e2-standard-2": (2, 8192),
    "e2-standard-4": (4, 16384),
    "e2-standard-8": (8, 32768),
    "e2-standard-16": (16, 65536),
    "e2-standard-32": (32, 131072),
    "e2-highmem-2": (2, 16384),
    "e2-highmem-4": (4, 32768),
    "e2-highmem-8": (8, 65536),
    "e2-highmem-16": (16, 131072),
    "e2-highcpu-2": (2, 2048),
    "e2-highcpu-4": (4, 4096),
    "e2-highcpu-8": (8, 8192),
    "e2-highcpu-16": (16, 16384),
    "e2-highcpu-32": (32, 32768),
    "n2-standard-2": (2, 8192),
    "n2-standard-4": (4, 16384),
    "n2-standard-8": (8, 32768),
    "n2-standard-16": (16, 65536),
    "n2-standard-32": (32, 131072),
    "n2-highmem-2": (2, 16384),
    "n2-highmem-4": (4, 32768),
    "n2-highmem-8": (8, 65536),
    "n2-highmem-16": (16, 131072),
    "n2-highcpu-2": (2, 2048),
    "n2-highcpu-4": (4, 4096),
    "n2-highcpu-8": (8, 8192),
    "n2-highcpu-16": (16, 16384),
    "n2-highcpu-32": (32, 32768),
    "n2d-standard-2": (2, 8192),
    "n2d-standard-4": (4, 16384),
    "n2d-standard-8": (8, 32768),
    "n2d-standard-16": (16, 65536),
    "n2d-standard-32": (32, 131072),
    "c3-standard-4": (4, 16384),
    "c3-standard-8": (8, 32768),
    "c3-standard-22": (22, 90112),
    "c3-standard-44": (44, 180224),
}


def _per_zone(count: int, zones: int) -> str:
    """`2 nodes x 3 zones`, in the message's arithmetic."""
    return f"{count} node{'s' if count != 1 else ''} x {zones} zone{'s' if zones != 1 else ''}"


def max_pods(enis: int, addresses: int) -> int:
    """Pods the VPC CNI fits on a node: ENIs x (addresses per ENI - 1) + 2 (the EKS AMI's rule)."""
    return enis * (addresses - 1) + 2


#: vCPUs, memory in MiB and pods per node of every machine type judged. GKE Standard nodes run
#: at most 110 pods by default; the GKE memory reservation does not depend on it.
MACHINES: dict[str, tuple[int, int, int]] = {
    **{name: (cores, mib, max_pods(enis, ips)) for name, (cores, mib, enis, ips) in EC2.items()},
    **{name: (cores, mib, 110) for name, (cores, mib) in COMPUTE_ENGINE.items()},
}

_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
_UNITS = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
}


def _reserved_cpu(cores: int) -> int:
    """Millicores the kubelet reserves on a node of ``cores`` vCPUs.

    6% of the first core, 1% of the next, 0.5% of the next two, 0.25% above four: GKE's
    documented formula, which the EKS AMIs' bootstrap also uses.
    """
    steps = ((1, 60), (1, 10), (2, 5), (max(cores - 4, 0), 2.5))
    left, reserved = cores, 0.0
    for size, per_core in steps:
        used = min(left, size)
        reserved += used * per_core
        left -= used
    return int(reserved)


def _reserved_memory(cloud: str, mib: int, pods: int) -> int:
    """MiB reserved for the system and the eviction threshold (100 MiB), by cloud.

    GKE: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2%
    above. EKS AMIs: 255 MiB plus 11 MiB per pod the node may run.
    """
    if cloud == "eks":
        return 255 + 11 * pods + 100
    steps = ((4096, 0.25), (4096, 0.20), (8192, 0.10), (114688, 0.06), (mib, 0.02))
    left, reserved = mib, 0.0
    for size, share in steps:
        used = min(left, size)
        reserved += used * share
        left -= used
    return int(reserved) + 100


def allocatable(cloud: str, machine: str) -> tuple[int, int] | None:
    """Millicores and MiB a node of ``machine`` gives pods, or None for an unknown type."""
    if machine not in MACHINES:
        return None
    cores, mib, pods = MACHINES[machine]
    return cores * 1000 - _reserved_cpu(cores), mib - _reserved_memory(cloud, mib, pods)


def _quantity(value: object, scale: int) -> Decimal | None:
    """A Kubernetes quantity in units of 1/``scale`` (millicores: 1000; MiB: 2**-20)."""
    text = str(value).strip() if isinstance(value, (str, int, float)) else ""
    if not text or isinstance(value, bool):
        return None
    multiplier = Decimal(1)
    if text.endswith("m"):
        text, multiplier = text[:-1], Decimal("0.001")
    else:
        for suffix, factor in _UNITS.items():
            if text.endswith(suffix):
                text, multiplier = text[: -len(suffix)], Decimal(factor)
                break
    try:
        return Decimal(text) * multiplier * scale
    except InvalidOperation:
        return None


def _requests(obj: Obj) -> tuple[int, int]:
    """Millicores and MiB one pod of ``obj`` requests (what it sets; nothing counts as 0)."""
    found = pod_spec(obj)
    if found is None:
        return 0, 0
    spec = found[1]
    cpu = memory = Decimal(0)
    running = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
    running += [
        c
        for c in spec.get("initContainers") or []
        if isinstance(c, dict) and c.get("restartPolicy") == "Always"
    ]
    for container in running:
        requests = get(container, ["resources", "requests"]) or {}
        cpu += _quantity(requests.get("cpu"), 1000) or Decimal(0)
        memory += (_quantity(requests.get("memory"), 1) or Decimal(0)) / 2**20
    return int(cpu), int(memory)


def _number(estate: Estate, resource: Resource, expr: Expr | None) -> int | None:
    value = literal_value(expr) if expr is not None else None
    if isinstance(expr, Traversal) and isinstance(expr.source, Variable):
        step = expr.steps[0] if len(expr.steps) == 1 else None
        module = estate.modules.get(resource.file.parent)
        if expr.source.name == "var" and isinstance(step, GetAttr) and module is not None:
            value = module.variables.get(step.name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Pool:
    """A node pool's most nodes, the machine type, and `file:line` of its maximum."""

    address: str
    nodes: int
    arithmetic: str
    machine: str
    where: str


def _gke_pool(estate: Estate, pool: Resource) -> Pool | None:
    autoscaling = next(pool.block.blocks("autoscaling"), None)
    config = next(pool.block.blocks("node_config"), None)
    if not isinstance(autoscaling, Block) or not isinstance(config, Block):
        return None
    _, machine = estate.attribute_of(pool, config, "machine_type")
    total = autoscaling.attributes.get("total_max_node_count")
    per_zone = autoscaling.attributes.get("max_node_count")
    if total is not None:
        nodes = _number(estate, pool, total.value)
        if nodes is None or machine is None:
            return None
        where = estate.where(pool.file, total.value.line)
        return Pool(pool.address, nodes, f"{nodes} nodes", machine, where)
    if per_zone is None or machine is None:
        return None
    count = _number(estate, pool, per_zone.value)
    locations = pool.block.attributes.get("node_locations")
    zones: int | None
    if locations is not None:
        items = locations.value.items if isinstance(locations.value, TupleExpr) else None
        zones = len(items) if items is not None else None
    else:
        _, location = estate.attribute(pool, "location")
        zones = None if location is None else 3 if _REGION.match(location) else 1
    if count is None or zones is None:
        return None
    where = estate.where(pool.file, per_zone.value.line)
    arithmetic = _per_zone(count, zones)
    return Pool(pool.address, count * zones, arithmetic, machine, where)


def _eks_pool(estate: Estate, group: Resource) -> Pool | None:
    scaling = next(group.block.blocks("scaling_config"), None)
    types = group.block.attributes.get("instance_types")
    if not isinstance(scaling, Block) or types is None or not isinstance(types.value, TupleExpr):
        return None
    if len(types.value.items) != 1:
        return None
    machine = estate.string(group, types.value.items[0])
    maximum = scaling.attributes.get("max_size")
    nodes = _number(estate, group, maximum.value) if maximum is not None else None
    if machine is None or nodes is None or maximum is None:
        return None
    where = estate.where(group.file, maximum.value.line)
    return Pool(group.address, nodes, f"{nodes} nodes", machine, where)


#: What the EKS module (v19-v21) gives a node group that sets neither the input nor its
#: `*_node_group_defaults` (v19/v20): `max_size` 3 (`node_groups.tf` `try(..., 3)` at v19.0.0
#: and v20.0.0; `modules/eks-managed-node-group/variables.tf` and `self-managed-node-group`
#: `default = 3, nullable = false` at v21.0.0), and for managed groups no `instance_types`,
#: which EKS fills with `t3.medium` (the variable's description, every version).
EKS_MODULE_MAX_SIZE = 3
EKS_MANAGED_INSTANCE_TYPE = "t3.medium"

#: Inputs of the EKS module that run pods on capacity no node group bounds.
_EKS_OTHER_CAPACITY = ("fargate_profiles", "compute_config", "cluster_compute_config")

#: Sources of the GKE module whose call takes `node_pools` (Autopilot and the
#: `gke-standard-cluster` submodule do not).
_GKE_POOL_MODULES = frozenset(
    source
    for source, cloud in CLUSTER_MODULES.items()
    if cloud == "gke" and "autopilot" not in source and not source.endswith("standard-cluster")
)

#: What the GKE module (`cluster.tf` and `main.tf`, alike at v30.0.0, v38.0.0 and v44.0.0)
#: gives a pool that does not set it: `autoscaling` true, `max_count` 100 per zone,
#: `node_count` 1 without autoscaling, `regional` true with three zones when `zones` is empty.
_GKE_MODULE_MAX_COUNT = 100


def _items(estate: Estate, owner: Resource, expr: Expr | None) -> list[Expr] | None:
    """The entries of a tuple expression (following `local.*`), or None when not static."""
    module = estate.modules.get(owner.file.parent)
    for _ in range(16):  # as deep as the estate follows `local.*`; deeper is not static
        if isinstance(expr, Paren):
            expr = expr.expr
        elif (
            isinstance(expr, Traversal)
            and isinstance(expr.source, Variable)
            and expr.source.name == "local"
            and len(expr.steps) == 1
            and isinstance(expr.steps[0], GetAttr)
            and module is not None
            and expr.steps[0].name in module.locals
        ):
            expr = module.locals[expr.steps[0].name]
        else:
            break
    return list(expr.items) if isinstance(expr, TupleExpr) else None


def _setting(entry: dict[str, Expr], defaults: dict[str, Expr], key: str) -> Expr | None:
    """A node group's own ``key``, else the call's `*_node_group_defaults` one."""
    return entry.get(key, defaults.get(key))


def _eks_module_group(
    estate: Estate,
    call: Resource,
    kind: str,
    key: str,
    entry: dict[str, Expr],
    defaults: dict[str, Expr],
    line: int,
) -> Pool | bool | None:
    """One node group of an EKS module call; False for one it does not create."""
    create = _setting(entry, defaults, "create")
    if create is not None:
        value = literal_value(create)
        if value is False:
            return False
        if value is not True:
            return None
    if kind == "eks_managed_node_groups":
        types = _setting(entry, defaults, "instance_types")
        if types is None:
            machine: str | None = EKS_MANAGED_INSTANCE_TYPE
        else:
            listed = _items(estate, call, types)
            machine = estate.string(call, listed[0]) if listed and len(listed) == 1 else None
    else:
        if "mixed_instances_policy" in entry or "use_mixed_instances_policy" in entry:
            return None
        machine = estate.string(call, _setting(entry, defaults, "instance_type"))
    maximum = _setting(entry, defaults, "max_size")
    if machine is None:
        return None
    address = f"module.{call.name}.{kind}.{key}"
    if maximum is None:
        where = estate.where(call.file, line)
        arithmetic = f"{EKS_MODULE_MAX_SIZE} nodes (the module's default max_size)"
        return Pool(address, EKS_MODULE_MAX_SIZE, arithmetic, machine, where)
    nodes = _number(estate, call, maximum)
    if nodes is None:
        return None
    return Pool(address, nodes, f"{nodes} nodes", machine, estate.where(call.file, maximum.line))


def _eks_module_pools(estate: Estate, deployment: Deployment) -> list[Pool] | None:
    """The node groups the EKS module call declares; None when capacity is not all there.

    Fargate profiles, EKS Auto Mode, Karpenter (a module or Helm release of it) and node groups
    made outside the call run pods past any node group's bound; a group not static is unknown.
    """
    call = deployment.cluster
    if any(name in call.block.attributes for name in _EKS_OTHER_CAPACITY):
        return None
    repository = {r.file.parent for r in deployment.resources} | {call.file.parent}
    for other in estate.calls:
        source = (module_source(other) or "").lower()
        if other is call or other.file.parent not in repository:
            continue
        enabled = other.block.attributes.get("enable_karpenter")
        if (
            any(word in source for word in ("karpenter", "node-group", "fargate"))
            or not source
            or (enabled is not None and literal_value(enabled.value) is not False)
        ):
            return None
    # Anywhere in the root: a local module may make them for this cluster.
    for resource in estate.resources:
        if resource.type in {"aws_eks_node_group", "aws_eks_fargate_profile"}:
            return None
        if resource.type == "helm_release":
            _, chart = estate.attribute(resource, "chart")
            if chart is None or "karpenter" in chart:
                return None
    pools: list[Pool] = []
    for kind in ("eks_managed_node_groups", "self_managed_node_groups"):
        attribute = module_input(call, kind)
        if attribute is None:
            continue
        groups = object_items(estate, call, attribute.value)
        defaults_input = module_input(call, kind.replace("groups", "group_defaults"))
        defaults = (
            object_items(estate, call, defaults_input.value) if defaults_input is not None else {}
        )
        if groups is None or defaults is None:
            return None
        for key, value in groups.items():
            entry = object_items(estate, call, value)
            if entry is None:
                return None
            pool = _eks_module_group(estate, call, kind, key, entry, defaults, value.line)
            if pool is None:
                return None
            if isinstance(pool, Pool):
                pools.append(pool)
    return pools


def _gke_module_zones(estate: Estate, call: Resource, entry: dict[str, Expr]) -> int | None:
    """How many zones a GKE module pool runs in: its `node_locations`, else the cluster's."""
    locations = entry.get("node_locations")
    if locations is not None:
        text = estate.string(call, locations)
        return None if text is None else len([zone for zone in text.split(",") if zone])
    regional = module_input(call, "regional")
    is_regional = True if regional is None else literal_value(regional.value)
    zones = module_input(call, "zones")
    listed = _items(estate, call, zones.value) if zones is not None else []
    if listed is None or not isinstance(is_regional, bool):
        return None
    if is_regional:
        return len(listed) or 3
    # A zonal cluster lives in the first zone and adds the others as node locations.
    return len(listed) or None


def _gke_module_pools(estate: Estate, deployment: Deployment) -> list[Pool] | None:
    """The `node_pools` of a GKE module call; None when capacity is not all there.

    Node auto-provisioning (`cluster_autoscaling.enabled`), a default pool that is kept with
    nodes (`remove_default_node_pool` not true and `initial_node_count` above 0), pools made
    outside the call, and anything not static leave it unknown.
    """
    call = deployment.cluster
    if module_source(call) not in _GKE_POOL_MODULES:
        return None
    if any(r.type == "google_container_node_pool" for r in estate.resources):
        return None
    autoprovisioning = module_input(call, "cluster_autoscaling")
    if autoprovisioning is not None:
        settings = object_items(estate, call, autoprovisioning.value)
        enabled = settings.get("enabled") if settings is not None else None
        if settings is None or (enabled is not None and literal_value(enabled) is not False):
            return None
    removed = module_input(call, "remove_default_node_pool")
    initial = module_input(call, "initial_node_count")
    if not (removed is not None and literal_value(removed.value) is True) and not (
        initial is None or _number(estate, call, initial.value) == 0
    ):
        return None
    attribute = module_input(call, "node_pools")
    entries = _items(estate, call, attribute.value) if attribute is not None else None
    if entries is None:
        return None
    pools: list[Pool] = []
    for value in entries:
        entry = object_items(estate, call, value)
        if entry is None:
            return None
        name = estate.string(call, entry.get("name"))
        machine_type = entry.get("machine_type")
        machine = estate.string(call, machine_type) if machine_type is not None else "e2-medium"
        autoscaling = entry.get("autoscaling")
        scaled = True if autoscaling is None else literal_value(autoscaling)
        zones = _gke_module_zones(estate, call, entry)
        if name is None or machine is None or not isinstance(scaled, bool) or zones is None:
            return None
        address = f"module.{call.name}.node_pools.{name}"
        total = entry.get("total_max_count")
        if scaled and total is not None:
            nodes = _number(estate, call, total)
            if nodes is None:
                return None
            where = estate.where(call.file, total.line)
            pools.append(Pool(address, nodes, f"{nodes} nodes", machine, where))
            continue
        key = "max_count" if scaled else "node_count"
        bound = entry.get(key)
        count = (_GKE_MODULE_MAX_COUNT if scaled else 1) if bound is None else None
        if bound is not None:
            count = _number(estate, call, bound)
        if count is None:
            return None
        where = estate.where(call.file, (bound or value).line)
        arithmetic = _per_zone(count, zones)
        if bound is None:
            arithmetic += f" (the module's default {key})"
        pools.append(Pool(address, count * zones, arithmetic, machine, where))
    return pools


def _module_pools(estate: Estate, deployment: Deployment) -> list[Pool] | None:
    """The node pools a community cluster module's call declares, by its cloud."""
    if estate.cloud(deployment.cluster) == "eks":
        return _eks_module_pools(estate, deployment)
    return _gke_module_pools(estate, deployment)


def _demand(
    estate: Estate, deployment: Deployment
) -> tuple[list[tuple[Obj, int, int, int]], Obj | None]:
    """``(workload, pods, millicores, MiB)`` for each scaled workload, and the first HPA."""
    objects = deployment.objects.objects
    found = []
    first = None
    for obj in objects:
        if obj.kind not in {"Deployment", "StatefulSet"}:
            continue
        pods = get(obj.data, ["spec", "replicas"])
        pods = pods if isinstance(pods, int) and not isinstance(pods, bool) else 1
        for hpa in objects:
            target = get(hpa.data, ["spec", "scaleTargetRef"])
            if (
                hpa.kind == "HorizontalPodAutoscaler"
                and hpa.namespace == obj.namespace
                and isinstance(target, dict)
                and (target.get("kind"), target.get("name")) == (obj.kind, obj.name)
                and isinstance(get(hpa.data, ["spec", "maxReplicas"]), int)
            ):
                pods = int(get(hpa.data, ["spec", "maxReplicas"]))
                first = first or hpa
        cpu, memory = _requests(obj)
        found.append((obj, pods, cpu, memory))
    return found, first


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA021 at the HPA's `maxReplicas` when the node pools cannot hold the demand."""
    for deployment in estate.deployments():
        cloud = estate.cloud(deployment.cluster) or "eks"
        if deployment.cluster.type == "module":
            pools = _module_pools(estate, deployment) or []
        else:
            kind = "google_container_node_pool" if cloud == "gke" else "aws_eks_node_group"
            read = _gke_pool if cloud == "gke" else _eks_pool
            read_pools = [read(estate, r) for r in deployment.resources if r.type == kind]
            pools = [pool for pool in read_pools if pool is not None]
            if len(pools) != len(read_pools):
                continue
        if not pools:
            continue
        demand, hpa = _demand(estate, deployment)
        if hpa is None:
            continue
        daemons = [_requests(obj) for obj in deployment.objects.objects if obj.kind == "DaemonSet"]
        per_node = (sum(d[0] for d in daemons), sum(d[1] for d in daemons))
        capacity = [0, 0]
        parts: list[list[str]] = [[], []]
        for pool in pools:
            node = allocatable(cloud, pool.machine)
            if node is None:
                break
            for index, unit in ((0, "m"), (1, "Mi")):
                free = node[index] - per_node[index]
                capacity[index] += pool.nodes * free
                parts[index].append(
                    f"{pool.arithmetic} x {free}{unit} allocatable ({pool.machine}) "
                    f"of `{pool.address}` ({pool.where})"
                )
        else:
            for index, (resource, unit) in enumerate((("CPU", "m"), ("memory", "Mi"))):
                needed = sum(pods * request[index] for _, pods, *request in demand)
                if needed <= capacity[index]:
                    continue
                terms = " + ".join(
                    f"{pods} x {request[index]}{unit} ({obj.label()})"
                    for obj, pods, *request in demand
                    if request[index]
                )
                path, line, column = place(estate, hpa, ["spec", "maxReplicas"])
                yield NODES_TOO_SMALL.at(
                    path,
                    line,
                    column,
                    f"`{hpa.label()}` at maxReplicas {get(hpa.data, ['spec', 'maxReplicas'])}: "
                    f"the workloads request {terms} = {needed}{unit} {resource}, "
                    f"but the nodes give at most {' + '.join(parts[index])} = "
                    f"{capacity[index]}{unit}",
                )
