"""Node autoscaling bounds can hold what the HPAs may scale to (a warning, with the arithmetic).

Demand: every Deployment and StatefulSet of the set, at its HPA's `maxReplicas` (else its
`replicas`), times the CPU and memory its pod requests (containers, plus native sidecars:
init containers with `restartPolicy: Always`). Capacity: the node pool's most nodes times the
machine type's allocatable CPU and memory, less what the set's DaemonSets request on every node.
GKE: `autoscaling.total_max_node_count`, else `max_node_count` per zone times the zones
(`node_locations`, else three for a regional `location`, one for a zonal one). EKS:
`scaling_config.max_size` of each `aws_eks_node_group`. Only machine types in :data:`MACHINES`
are judged; anything not static stays silent. It is a bound, not a bin-packing: demand over it
can never be scheduled; demand under it may still not fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scaffolder.validation.infra.estate import Deployment, Estate, Resource
from scaffolder.validation.infra.rules.disruption import place
from scaffolder.validation.kubernetes.objects import Obj, get, pod_spec
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    Block,
    Expr,
    GetAttr,
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

#: vCPUs, memory in MiB and (EKS) the VPC CNI's pods per node, of the machine types the
#: templates offer and their neighbours. A table rather than a lookup: the clouds publish these
#: only through their APIs, which a validator that runs offline cannot call.
MACHINES: dict[str, tuple[int, int, int]] = {
    "e2-standard-2": (2, 8192, 110),
    "e2-standard-4": (4, 16384, 110),
    "e2-standard-8": (8, 32768, 110),
    "m7i.large": (2, 8192, 29),
    "m7i.xlarge": (4, 16384, 58),
    "m7g.large": (2, 8192, 29),
    "m7g.xlarge": (4, 16384, 58),
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
    arithmetic = f"{count} nodes x {zones} zone{'s' if zones != 1 else ''}"
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
        if deployment.cluster.type == "module":
            continue  # node groups a cluster module declares itself are not read
        cloud = "gke" if deployment.cluster.type == "google_container_cluster" else "eks"
        kind = "google_container_node_pool" if cloud == "gke" else "aws_eks_node_group"
        read = _gke_pool if cloud == "gke" else _eks_pool
        resources = [r for r in deployment.resources if r.type == kind]
        read_pools = [read(estate, r) for r in resources]
        pools = [pool for pool in read_pools if pool is not None]
        if not pools or len(pools) != len(read_pools):
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
