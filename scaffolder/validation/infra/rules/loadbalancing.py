"""Load balancers the manifests ask for can be built in the network the Terraform makes.

INFRA030: on EKS, a `type: LoadBalancer` Service or an ALB Ingress needs subnets the controller
that builds it will pick. The two controllers choose differently (docs/rules/INFRA030.md has
the sources):

- EKS's built-in service controller (cloud-provider-aws) considers the subnets of the cluster's
  VPC tagged `kubernetes.io/cluster/<cluster>` or tagged for no cluster at all; an
  internet-facing load balancer goes only to those whose route table has a route to an internet
  gateway. The role tags only break ties within a zone.
- The AWS Load Balancer Controller takes the subnets tagged `kubernetes.io/role/elb`
  (internet-facing) or `kubernetes.io/role/internal-elb` (internal) with the value `1` or ``,
  leaving out those tagged for another cluster; when none carries the role tag, releases from
  2.12.1 fall back to the subnets whose reachability (public or private) matches the scheme.

A finding is reported only where the controller has nothing to pick in every release that
applies; the subnets, their tags and their route tables must all be static, and a subnet
annotation, a load balancer class of another controller or an IngressClass with parameters
leaves the object unjudged.

INFRA031: on GKE, the health checks of an Ingress's load balancer reach the pods. GKE's
Ingress controller opens the health-check ranges to the port it checks with a VPC firewall rule
of its own at priority 1000; a rule of the Terraform that denies them first (a VPC rule at a
higher priority, or a network firewall policy evaluated before the VPC rules) blocks them
unless an allow is reached before it.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.validation.infra.estate import Deployment, Estate, Resource
from scaffolder.validation.kubernetes.objects import (
    FieldPath,
    Obj,
    containers,
    get,
    mapping,
    pod_labels,
    pod_spec,
    selects,
)
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    UNKNOWN,
    Block,
    Call,
    Expr,
    GetAttr,
    Literal,
    ObjectExpr,
    Paren,
    Traversal,
    Variable,
    literal_value,
    object_key,
    walk,
)

NO_SUBNETS = Rule(
    "INFRA030",
    "load-balancer-subnets-missing",
    Severity.ERROR,
    "An EKS load balancer has no subnet its controller would pick in the cluster's VPC.",
)
HEALTH_CHECK_BLOCKED = Rule(
    "INFRA031",
    "health-check-blocked",
    Severity.ERROR,
    "The firewall the Terraform writes blocks the load balancer's health checks to the pods.",
)
RULES = (NO_SUBNETS, HEALTH_CHECK_BLOCKED)

Place = tuple[Path, int]

_CLUSTER_TAG = "kubernetes.io/cluster/"
_ROLE = {False: "kubernetes.io/role/elb", True: "kubernetes.io/role/internal-elb"}
_SERVICE = "service.beta.kubernetes.io/aws-load-balancer-"
_ALB = "alb.ingress.kubernetes.io/"
_LBC_CLASS = "service.k8s.aws/nlb"
_ALB_CONTROLLER = "ingress.k8s.aws/alb"
_VPC_MODULE = "terraform-aws-modules/vpc/aws"
#: The subnet kinds of the VPC module, each with its `<kind>_subnets` and `<kind>_subnet_tags`.
_MODULE_SUBNETS = (
    "public",
    "private",
    "database",
    "elasticache",
    "redshift",
    "intra",
    "outpost",
)
#: Where Google's load balancer health checks come from
#: (cloud.google.com/load-balancing/docs/health-check-concepts).
HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
#: The priority of the VPC rule GKE's Ingress controller creates for its health checks.
_GKE_RULE_PRIORITY = 1000
_NODE_PORTS = (30000, 32767)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A finding's message and every other place it names as `file:line`, in order.

    The places are kept beside the text so that findings can carry them as related locations
    once the model has them; until then they are what the message names.
    """

    message: str
    places: tuple[Place, ...]


# --- INFRA030 -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subnet:
    """Subnets one resource (or one VPC module input) makes, as discovery sees them."""

    name: str
    place: Place
    #: Tag key -> value; a value None is not static. None when the keys are not static.
    tags: dict[str, str | None] | None
    #: Whether its route table routes to an internet gateway; None when not static.
    public: bool | None
    #: What makes it public or private, for the message, and where that is written.
    route: str
    route_place: Place | None = None


@dataclass(frozen=True, slots=True)
class Balancer:
    """A load balancer an object asks for on EKS."""

    obj: Obj
    #: "cloud" (EKS's built-in service controller) or "lbc" (AWS Load Balancer Controller).
    controller: str
    internal: bool
    field: FieldPath
    text: str


def _annotations(obj: Obj) -> dict[str, str]:
    annotations = mapping(get(obj.data, ["metadata", "annotations"]))
    return {str(k): str(v) for k, v in annotations.items()}


def _service_balancer(obj: Obj) -> Balancer | None:
    """What a `type: LoadBalancer` Service asks for, or None when no AWS controller judges it."""
    spec = mapping(obj.data.get("spec"))
    if spec.get("type") != "LoadBalancer":
        return None
    annotations = _annotations(obj)
    if _SERVICE + "subnets" in annotations:
        return None
    kind = annotations.get(_SERVICE + "type", "")
    klass = spec.get("loadBalancerClass")
    if klass is not None and klass != _LBC_CLASS:
        return None
    field: FieldPath = ["spec", "type"]
    text = "LoadBalancer"
    if klass == _LBC_CLASS or kind in {"external", "nlb-ip"}:
        # The controller reads the scheme annotation, then the legacy internal one; an NLB
        # it builds is internal by default.
        scheme = annotations.get(_SERVICE + "scheme")
        legacy = annotations.get(_SERVICE + "internal")
        if scheme is not None:
            internal = scheme != "internet-facing"
            field, text = ["metadata", "annotations", _SERVICE + "scheme"], scheme
        elif legacy is not None:
            internal = legacy.lower() == "true"
            field, text = ["metadata", "annotations", _SERVICE + "internal"], legacy
        else:
            internal = True
        return Balancer(obj, "lbc", internal, field, text)
    legacy = annotations.get(_SERVICE + "internal")
    # cloud-provider-aws: any value but "false" makes it internal.
    internal = legacy is not None and legacy != "false"
    if legacy is not None:
        field, text = ["metadata", "annotations", _SERVICE + "internal"], legacy
    return Balancer(obj, "cloud", internal, field, text)


@dataclass(frozen=True, slots=True)
class IngressClasses:
    """The IngressClasses of the manifests and the Terraform, by name."""

    #: Name -> whether the class is the AWS Load Balancer Controller's, without parameters
    #: (IngressClassParams may set the scheme and the subnets for every Ingress).
    alb: dict[str, bool]
    #: The class marked `ingressclass.kubernetes.io/is-default-class`, when exactly one is.
    default: str | None


def _ingress_classes(estate: Estate, deployment: Deployment) -> IngressClasses:
    alb: dict[str, bool] = {}
    defaults: list[str] = []
    for obj in deployment.objects.objects:
        if obj.kind != "IngressClass":
            continue
        spec = mapping(obj.data.get("spec"))
        alb[obj.name] = spec.get("controller") == _ALB_CONTROLLER and not spec.get("parameters")
        if _annotations(obj).get("ingressclass.kubernetes.io/is-default-class") == "true":
            defaults.append(obj.name)
    for resource in deployment.resources:
        if resource.type not in {"kubernetes_ingress_class", "kubernetes_ingress_class_v1"}:
            continue
        metadata = next(resource.block.blocks("metadata"), None)
        body = next(resource.block.blocks("spec"), None)
        if metadata is None or body is None:
            continue
        _, name = estate.attribute_of(resource, metadata, "name")
        _, controller = estate.attribute_of(resource, body, "controller")
        if name is None:
            continue
        alb[name] = controller == _ALB_CONTROLLER and not any(body.blocks("parameters"))
        annotations = metadata.attributes.get("annotations")
        marks = _map(estate, resource, annotations.value) if annotations is not None else {}
        if (marks or {}).get("ingressclass.kubernetes.io/is-default-class") == "true":
            defaults.append(name)
    return IngressClasses(alb, defaults[0] if len(defaults) == 1 else None)


def _ingress_balancer(obj: Obj, classes: IngressClasses) -> Balancer | None:
    """What an Ingress for the AWS Load Balancer Controller asks for."""
    annotations = _annotations(obj)
    klass = annotations.get("kubernetes.io/ingress.class")
    name = mapping(obj.data.get("spec")).get("ingressClassName")
    field: FieldPath
    if klass is not None:
        if klass != "alb":
            return None
        field, text = ["metadata", "annotations", "kubernetes.io/ingress.class"], klass
    elif isinstance(name, str):
        # The controller's chart installs an IngressClass `alb` unless told otherwise.
        if not classes.alb.get(name, name == "alb"):
            return None
        field, text = ["spec", "ingressClassName"], name
    elif classes.default is not None and classes.alb.get(classes.default):
        field, text = ["metadata", "name"], obj.name
    else:
        return None
    if _ALB + "subnets" in annotations:
        return None
    scheme = annotations.get(_ALB + "scheme")
    if scheme is not None:
        field, text = ["metadata", "annotations", _ALB + "scheme"], scheme
    return Balancer(obj, "lbc", scheme != "internet-facing", field, text)


def _refs(expr: Expr, kind: str) -> list[str]:
    """Names of the ``kind`` resources (or modules) ``expr`` refers to, in order."""
    found: list[str] = []
    for node in walk(expr):
        if (
            isinstance(node, Traversal)
            and isinstance(node.source, Variable)
            and node.source.name == kind
            and node.steps
            and isinstance(node.steps[0], GetAttr)
            and node.steps[0].name not in found
        ):
            found.append(node.steps[0].name)
    return found


def _only_ref(expr: Expr | None, kind: str) -> str | None:
    """The one ``kind`` resource a reference expression names, else None."""
    if expr is None or not isinstance(expr, Traversal):
        return None
    names = _refs(expr, kind)
    return names[0] if len(names) == 1 else None


def _map(
    estate: Estate, resource: Resource, expr: Expr, depth: int = 0
) -> dict[str, str | None] | None:
    """A map of tags written with literals, `merge()`, `local.*` and `var.*`; None if not static."""
    module = estate.modules.get(resource.file.parent)
    if depth > 16 or module is None:
        return None
    if isinstance(expr, Paren):
        return _map(estate, resource, expr.expr, depth + 1)
    if isinstance(expr, ObjectExpr):
        result: dict[str, str | None] = {}
        for item in expr.items:
            key = (
                object_key(item.key)
                if isinstance(item.key, (Variable, Literal))
                else estate.string(resource, item.key)
            )
            if key is None:
                return None
            value = literal_value(item.value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                result[key] = str(value)
            else:
                result[key] = estate.string(resource, item.value)
        return result
    if isinstance(expr, Call) and expr.name == "merge":
        merged: dict[str, str | None] = {}
        for arg in expr.args:
            part = _map(estate, resource, arg, depth + 1)
            if part is None:
                return None
            merged.update(part)
        return merged
    if (
        isinstance(expr, Traversal)
        and isinstance(expr.source, Variable)
        and len(expr.steps) == 1
        and isinstance(expr.steps[0], GetAttr)
    ):
        name = expr.steps[0].name
        if expr.source.name == "local" and name in module.locals:
            return _map(estate, resource, module.locals[name], depth + 1)
        if expr.source.name == "var":
            value = module.variables.get(name)
            if isinstance(value, dict):
                return {str(k): v if isinstance(v, str) else None for k, v in value.items()}
    return None


def _tags(
    estate: Estate, resource: Resource, block: Block, name: str = "tags"
) -> dict[str, str | None] | None:
    attribute = block.attributes.get(name)
    return {} if attribute is None else _map(estate, resource, attribute.value)


def _by_type(resources: tuple[Resource, ...], kind: str) -> dict[str, Resource]:
    return {r.name: r for r in resources if r.type == kind}


def _route_tables(resources: tuple[Resource, ...]) -> dict[str, tuple[bool | None, Place]]:
    """Route table name -> whether it routes to an internet gateway, and where it says so."""
    tables: dict[str, tuple[bool | None, Place]] = {}
    for table in _by_type(resources, "aws_route_table").values():
        public: bool | None = False
        if any(d.label(0) == "route" for d in table.block.blocks("dynamic")):
            public = None
        for route in table.block.blocks("route"):
            gateway = route.attributes.get("gateway_id")
            if gateway is not None and _refs(gateway.value, "aws_internet_gateway"):
                public = True
            elif (
                gateway is not None and public is False and not isinstance(gateway.value, Traversal)
            ):
                public = None
        tables[table.name] = (public, (table.file, table.block.line))
    for extra in _by_type(resources, "aws_route").values():
        table_name = _only_ref(_value(extra.block, "route_table_id"), "aws_route_table")
        target = _value(extra.block, "gateway_id")
        if table_name not in tables:
            continue
        if target is not None and _refs(target, "aws_internet_gateway"):
            tables[table_name] = (True, (extra.file, extra.block.line))
        elif target is not None and not isinstance(target, Traversal):
            tables[table_name] = (None, tables[table_name][1])
    return tables


def _value(block: Block, name: str) -> Expr | None:
    attribute = block.attributes.get(name)
    return attribute.value if attribute is not None else None


def _resource_subnets(
    estate: Estate, resources: tuple[Resource, ...], vpc: str
) -> list[Subnet] | None:
    """Every `aws_subnet` of the VPC ``vpc``; None when one's VPC or route table is not static."""
    subnets = _by_type(resources, "aws_subnet")
    tables = _route_tables(resources)
    associations: dict[str, set[str]] = {}
    for association in _by_type(resources, "aws_route_table_association").values():
        member = _only_ref(_value(association.block, "subnet_id"), "aws_subnet")
        table = _only_ref(_value(association.block, "route_table_id"), "aws_route_table")
        if "gateway_id" in association.block.attributes:
            continue
        if member is None or table is None:
            return None
        associations.setdefault(member, set()).add(table)
    # A subnet without an association uses the VPC's main table: the default one routes only
    # inside the VPC unless the Terraform changes it.
    main_changed = any(
        r.type in {"aws_main_route_table_association", "aws_default_route_table"}
        or (r.type == "aws_route" and "main_route_table_id" in _attr_names(r))
        for r in resources
    )
    found = []
    for subnet in subnets.values():
        owner = _only_ref(_value(subnet.block, "vpc_id"), "aws_vpc")
        if owner is None:
            return None
        if owner != vpc:
            continue
        names = associations.get(subnet.name, set())
        public: bool | None
        where: Place | None = None
        if not names:
            public, route = (None if main_changed else False), "the VPC's main route table"
        elif len(names) == 1 and (name := next(iter(names))) in tables:
            public, where = tables[name]
            route = f"`aws_route_table.{name}`"
        else:
            public, route = None, "several route tables"
        tags = _tags(estate, subnet, subnet.block)
        attribute = subnet.block.attributes.get("tags")
        line = attribute.line if attribute is not None else subnet.block.line
        found.append(Subnet(subnet.address, (subnet.file, line), tags, public, route, where))
    return found


def _attr_names(resource: Resource) -> set[str]:
    names: set[str] = set()
    for attribute in resource.block.attributes.values():
        names.update(
            step.name
            for node in walk(attribute.value)
            if isinstance(node, Traversal)
            for step in node.steps
            if isinstance(step, GetAttr)
        )
    return names


def _static(estate: Estate, resource: Resource, expr: Expr) -> object:
    """A constant, or the value of a `var.*` it names; UNKNOWN otherwise."""
    value = literal_value(expr)
    module = estate.modules.get(resource.file.parent)
    if (
        value is UNKNOWN
        and module is not None
        and isinstance(expr, Traversal)
        and isinstance(expr.source, Variable)
        and expr.source.name == "var"
        and len(expr.steps) == 1
        and isinstance(expr.steps[0], GetAttr)
    ):
        return module.variables.get(expr.steps[0].name, UNKNOWN)
    return value


def _module_subnets(estate: Estate, call: Resource) -> list[Subnet] | None:
    """The subnets of a terraform-aws-modules/vpc call, by kind; None if not static."""
    block = call.block
    if any(name.endswith("_subnet_tags_per_az") for name in block.attributes):
        return None
    common = _tags(estate, call, block)
    if common is None:
        return None
    found = []
    for kind in _MODULE_SUBNETS:
        subnets = block.attributes.get(f"{kind}_subnets")
        if subnets is None:
            continue
        listed = _static(estate, call, subnets.value)
        if isinstance(listed, list) and not listed:
            continue
        # Only public subnets, and database ones when asked, route to the internet gateway.
        switch = {"public": "create_igw", "database": "create_database_internet_gateway_route"}
        setting = block.attributes.get(switch.get(kind, ""))
        value = _static(estate, call, setting.value) if setting is not None else kind == "public"
        public = value if isinstance(value, bool) else None
        own = _tags(estate, call, block, f"{kind}_subnet_tags")
        attribute = block.attributes.get(f"{kind}_subnet_tags") or subnets
        tags = None if own is None else {**common, **own}
        route = "the module's route tables"
        found.append(
            Subnet(
                f"module.{call.name} {kind} subnets",
                (call.file, attribute.line),
                tags,
                public,
                route,
            )
        )
    return found


def _subnets(estate: Estate, deployment: Deployment) -> tuple[str, list[Subnet]] | None:
    """The VPC the cluster runs in and every subnet in it; None when that is not static."""
    config = next(deployment.cluster.block.blocks("vpc_config"), None)
    ids = _value(config, "subnet_ids") if config is not None else None
    if ids is None:
        return None
    if _refs(ids, "module") and not _refs(ids, "aws_subnet"):
        names = _refs(ids, "module")
        calls = [
            c
            for c in estate.calls
            if c.name in names and c.file.parent == deployment.cluster.file.parent
        ]
        if len(calls) != 1:
            return None
        source = estate.string(calls[0], _value(calls[0].block, "source"))
        if source != _VPC_MODULE:
            return None
        subnets = _module_subnets(estate, calls[0])
        return None if subnets is None else (f"module.{calls[0].name}", subnets)
    # References are local to a module: the subnets are those of the cluster's directory.
    resources = tuple(
        r for r in deployment.resources if r.file.parent == deployment.cluster.file.parent
    )
    names = _refs(ids, "aws_subnet")
    known = _by_type(resources, "aws_subnet")
    if not names or any(name not in known for name in names) or _refs(ids, "data"):
        return None
    vpcs = {_only_ref(_value(known[name].block, "vpc_id"), "aws_vpc") for name in names}
    if len(vpcs) != 1 or None in vpcs:
        return None
    vpc = vpcs.pop()
    assert vpc is not None
    subnets = _resource_subnets(estate, resources, vpc)
    return None if subnets is None else (f"aws_vpc.{vpc}", subnets)


def _tagged_elsewhere(estate: Estate, resources: tuple[Resource, ...]) -> bool:
    """Whether an `aws_ec2_tag` may add discovery tags to a subnet."""
    for tag in _by_type(resources, "aws_ec2_tag").values():
        _, key = estate.attribute(tag, "key")
        if key is None or key.startswith("kubernetes.io/"):
            return True
    return False


def _lbc_present(estate: Estate, deployment: Deployment) -> bool:
    """Whether the repository installs the AWS Load Balancer Controller.

    Its webhook then takes LoadBalancer Services the built-in controller would otherwise build,
    so which rules apply is not known.
    """
    for resource in deployment.resources:
        if resource.type == "helm_release":
            _, chart = estate.attribute(resource, "chart")
            if chart is None or "load-balancer-controller" in chart:
                return True
    for call in estate.calls:
        if any("load_balancer_controller" in name for name in call.block.attributes):
            return True
    return any(
        obj.kind == "Deployment" and "load-balancer-controller" in obj.name
        for obj in deployment.objects.objects
    )


def _describe(subnet: Subnet, estate: Estate, *, route: bool = False) -> str:
    text = f"`{subnet.name}` ({estate.where(*subnet.place)})"
    if not route:
        return text
    where = f" ({estate.where(*subnet.route_place)})" if subnet.route_place else ""
    return f"{text} routes through {subnet.route}{where}"


def _places(subnets: list[Subnet], *, route: bool = False) -> tuple[Place, ...]:
    """The places :func:`_describe` names for ``subnets``, in order and once each."""
    found: list[Place] = []
    for subnet in subnets:
        for place in (subnet.place, subnet.route_place if route else None):
            if place is not None and place not in found:
                found.append(place)
    return tuple(found)


def _judge_subnets(
    estate: Estate, balancer: Balancer, cluster: str | None, subnets: list[Subnet], vpc: str
) -> Verdict | None:
    """Why the controller finds no subnet for ``balancer``, or None when it finds one or may."""
    if not subnets or any(s.tags is None for s in subnets):
        return None
    candidates = []
    for subnet in subnets:
        assert subnet.tags is not None
        clusters = [k for k in subnet.tags if k.startswith(_CLUSTER_TAG)]
        if clusters and cluster is None:
            return None
        if not clusters or f"{_CLUSTER_TAG}{cluster}" in clusters:
            candidates.append(subnet)
    scheme = "internal" if balancer.internal else "internet-facing"
    what = f"`{balancer.obj.label()}` asks for an {scheme} load balancer"
    excluded = [s for s in subnets if s not in candidates]
    tagged_other = (
        f"; {', '.join(_describe(s, estate) for s in excluded)} "
        f"{'is' if len(excluded) == 1 else 'are'} tagged for another cluster"
        if excluded
        else ""
    )
    if balancer.controller == "cloud":
        if balancer.internal or not candidates:
            return None
        if any(s.public is not False for s in candidates):
            return None
        routes = ", ".join(_describe(s, estate, route=True) for s in candidates)
        return Verdict(
            f"{what}, which EKS's service controller puts only in public subnets (a route to "
            f"an internet gateway) of `{vpc}` not tagged for another cluster, and there is "
            f"none: {routes}, without an internet gateway route{tagged_other}",
            _places([*candidates, *excluded], route=True),
        )
    role = _ROLE[balancer.internal]
    tagged = [s for s in candidates if s.tags and s.tags.get(role) in {"1", ""}]
    if tagged:
        if balancer.internal or any(s.public is not False for s in tagged):
            return None
        routes = ", ".join(_describe(s, estate, route=True) for s in tagged)
        return Verdict(
            f"{what}, and the AWS Load Balancer Controller places it in the subnets tagged "
            f"`{role}`, which have no internet gateway route: {routes}",
            _places(tagged, route=True),
        )
    reachable = [s for s in candidates if s.public is (not balancer.internal)]
    if any(s.public is None for s in candidates) or reachable:
        return None
    kind = "private" if balancer.internal else "public"
    listed = ", ".join(_describe(s, estate) for s in subnets)
    return Verdict(
        f"{what}, but no subnet of `{vpc}` is tagged `{role}` = `1` for the AWS Load Balancer "
        f"Controller, and none is {kind} for its fallback (2.12.1 and later): {listed}"
        f"{tagged_other}",
        _places(subnets),
    )


def _check_subnets(estate: Estate) -> Iterator[Finding]:
    for deployment in estate.deployments():
        if deployment.cluster.type != "aws_eks_cluster":
            continue
        objects = deployment.objects.objects
        classes = _ingress_classes(estate, deployment)
        balancers = [
            found
            for obj in objects
            if (
                found := _service_balancer(obj)
                if obj.kind == "Service"
                else _ingress_balancer(obj, classes)
                if obj.kind == "Ingress"
                else None
            )
            is not None
        ]
        if not balancers or _tagged_elsewhere(estate, deployment.resources):
            continue
        network = _subnets(estate, deployment)
        if network is None:
            continue
        vpc, subnets = network
        _, cluster = estate.attribute(deployment.cluster, "name")
        lbc = _lbc_present(estate, deployment)
        for balancer in balancers:
            if balancer.controller == "cloud" and lbc:
                continue
            verdict = _judge_subnets(estate, balancer, cluster, subnets, vpc)
            if verdict is not None:
                yield estate.finding(
                    balancer.obj, NO_SUBNETS, balancer.field, verdict.message, text=balancer.text
                )


# --- INFRA031 -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FirewallRule:
    """One ingress rule as it applies to health-check traffic to one port."""

    name: str
    place: Place
    priority: int
    #: "allow", "deny" or "goto_next".
    action: str
    #: Whether it matches the traffic: None when that is not static.
    matches: bool | None


def _cidr_covers(ranges: object) -> bool | None:
    """Whether source ranges include every health-check range; None when not static."""
    if not isinstance(ranges, list) or not all(isinstance(r, str) for r in ranges):
        return None
    try:
        networks = [ipaddress.ip_network(r, strict=False) for r in ranges]
    except ValueError:
        return None
    wanted = [ipaddress.ip_network(r) for r in HEALTH_CHECK_RANGES]
    return all(
        any(w.version == n.version and w.subnet_of(n) for n in networks)  # type: ignore[arg-type]
        for w in wanted
    )


def _port_in(ports: object, port: int) -> bool | None:
    """Whether a firewall `ports` list (absent: every port) holds ``port``."""
    if ports is None:
        return True
    if not isinstance(ports, list):
        return None
    for item in ports:
        text = str(item)
        low, _, high = text.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            return None
        if int(low) <= port <= int(high or low):
            return True
    return False


def _protocol_port(protocol: object, ports: object, port: int) -> bool | None:
    if not isinstance(protocol, str):
        return None
    if protocol.lower() in {"all", "any"}:
        return True
    if protocol.lower() not in {"tcp", "6"}:
        return False
    return _port_in(ports, port)


def _any(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _vpc_rules(
    estate: Estate, resources: tuple[Resource, ...], network: str, port: int
) -> list[FirewallRule] | None:
    rules = []
    for resource in _by_type(resources, "google_compute_firewall").values():
        block = resource.block
        target = _only_ref(_value(block, "network"), "google_compute_network")
        if target is None:
            return None
        if target != network:
            continue
        direction = (
            literal_value(block.attributes["direction"].value)
            if "direction" in block.attributes
            else "INGRESS"
        )
        disabled = (
            literal_value(block.attributes["disabled"].value)
            if "disabled" in block.attributes
            else False
        )
        if direction != "INGRESS" or disabled is True:
            continue
        if not isinstance(direction, str) or disabled is not False:
            return None
        priority = (
            literal_value(block.attributes["priority"].value)
            if "priority" in block.attributes
            else 1000
        )
        if not isinstance(priority, int) or any(
            d.label(0) in {"allow", "deny"} for d in block.blocks("dynamic")
        ):
            return None
        sources = block.attributes.get("source_ranges")
        covers: bool | None
        if sources is not None:
            covers = _cidr_covers(literal_value(sources.value))
        else:
            # Health checks carry no network tag or service account; a rule naming no source
            # at all applies to 0.0.0.0/0 (cloud.google.com/firewall/docs/firewalls).
            tagged = {"source_tags", "source_service_accounts"} & block.attributes.keys()
            covers = not tagged
        targeted = bool({"target_tags", "target_service_accounts"} & block.attributes.keys())
        for action in ("allow", "deny"):
            ports = _any(
                [
                    _protocol_port(
                        literal_value(b.attributes["protocol"].value)
                        if "protocol" in b.attributes
                        else None,
                        literal_value(b.attributes["ports"].value)
                        if "ports" in b.attributes
                        else None,
                        port,
                    )
                    for b in block.blocks(action)
                ]
            )
            if not any(block.blocks(action)):
                continue
            matches: bool | None = None if covers is None or ports is None else covers and ports
            if matches and targeted:
                matches = None
            attribute = block.attributes.get("priority")
            line = attribute.line if attribute is not None else block.line
            rules.append(
                FirewallRule(resource.address, (resource.file, line), priority, action, matches)
            )
    return rules


def _policy_rules(
    estate: Estate, resources: tuple[Resource, ...], network: str, port: int
) -> list[FirewallRule] | None:
    associated = set()
    for association in _by_type(
        resources, "google_compute_network_firewall_policy_association"
    ).values():
        target = _only_ref(_value(association.block, "attachment_target"), "google_compute_network")
        policy = _only_ref(
            _value(association.block, "firewall_policy"), "google_compute_network_firewall_policy"
        )
        if target is None or policy is None:
            return None
        if target == network:
            associated.add(policy)
    rules = []
    for resource in _by_type(resources, "google_compute_network_firewall_policy_rule").values():
        block = resource.block
        policy = _only_ref(
            _value(block, "firewall_policy"), "google_compute_network_firewall_policy"
        )
        if policy is None:
            return None
        if policy not in associated:
            continue
        values = {name: literal_value(a.value) for name, a in block.attributes.items()}
        if values.get("direction") != "INGRESS" or values.get("disabled") is True:
            if not isinstance(values.get("direction"), str):
                return None
            continue
        action, priority = values.get("action"), values.get("priority")
        if not isinstance(action, str) or not isinstance(priority, int):
            return None
        match = next(block.blocks("match"), None)
        if match is None:
            return None
        sources = match.attributes.get("src_ip_ranges")
        covers = _cidr_covers(literal_value(sources.value)) if sources is not None else None
        ports = _any(
            [
                _protocol_port(
                    literal_value(c.attributes["ip_protocol"].value)
                    if "ip_protocol" in c.attributes
                    else None,
                    literal_value(c.attributes["ports"].value) if "ports" in c.attributes else None,
                    port,
                )
                for c in match.blocks("layer4_configs")
            ]
        )
        matches: bool | None = None if covers is None or ports is None else covers and ports
        if matches and (
            {"target_secure_tags", "target_service_accounts"} & block.attributes.keys()
            or any(block.blocks("target_secure_tags"))
            or any(match.blocks("src_secure_tags"))
        ):
            matches = None
        attribute = block.attributes.get("priority")
        line = attribute.line if attribute is not None else block.line
        rules.append(
            FirewallRule(resource.address, (resource.file, line), priority, action, matches)
        )
    return rules


def _decide(rules: list[FirewallRule], *, vpc: bool) -> tuple[str, FirewallRule | None] | None:
    """The first decision of a stage: ("allow"|"deny", rule), ("next", None), or None if unknown."""
    # VPC rules: the highest priority wins and a deny wins a tie; policies go in priority order.
    ordered = sorted(rules, key=lambda r: (r.priority, r.action != "deny" if vpc else 0))
    for rule in ordered:
        if rule.matches is None:
            return None
        if rule.matches and rule.action in {"allow", "deny"}:
            return rule.action, rule
        if rule.matches and rule.action != "goto_next":
            return None
    return "next", None


def _blocked(
    estate: Estate, deployment: Deployment, network: Resource, port: int
) -> tuple[FirewallRule, list[FirewallRule]] | None:
    """The Terraform rule that denies health checks to ``port``, and the allows it overrides."""
    # References are local to a module: rules elsewhere name other networks of the same name.
    resources = tuple(r for r in deployment.resources if r.file.parent == network.file.parent)
    if any(
        r.type
        in {
            "google_compute_network_firewall_policy_with_rules",
            "google_compute_region_network_firewall_policy_rule",
            "google_compute_region_network_firewall_policy_with_rules",
            "google_compute_firewall_policy_rule",
            "google_compute_firewall_policy_association",
        }
        for r in resources
    ):
        return None  # Regional and hierarchical policies are not modelled.
    vpc = _vpc_rules(estate, resources, network.name, port)
    policy = _policy_rules(estate, resources, network.name, port)
    if vpc is None or policy is None:
        return None
    gke = FirewallRule(
        "GKE's health-check rule", (network.file, 0), _GKE_RULE_PRIORITY, "allow", True
    )
    order = network.block.attributes.get("network_firewall_policy_enforcement_order")
    value = literal_value(order.value) if order is not None else "AFTER_CLASSIC_FIREWALL"
    if value == "AFTER_CLASSIC_FIREWALL":
        stages = [([*vpc, gke], True), (policy, False)]
    elif value == "BEFORE_CLASSIC_FIREWALL":
        stages = [(policy, False), ([*vpc, gke], True)]
    else:
        return None
    for rules, is_vpc in stages:
        decision = _decide(rules, vpc=is_vpc)
        if decision is None:
            return None
        action, rule = decision
        if action == "allow":
            return None
        if action == "deny":
            assert rule is not None
            allows = [
                r
                for group, _ in stages
                for r in group
                if r.action == "allow" and r.matches and r is not gke
            ]
            return rule, allows
    return None


@dataclass(frozen=True, slots=True)
class Backend:
    """The port an Ingress backend's load balancer health-checks, and why that one."""

    ingress: Obj
    field: FieldPath
    text: str
    port: int
    reason: str
    places: tuple[Place, ...]


def _service_port(service: Obj, wanted: dict[str, Any]) -> dict[str, Any] | None:
    for item in mapping(service.data.get("spec")).get("ports") or []:
        item = mapping(item)
        if ("number" in wanted and item.get("port") == wanted["number"]) or (
            "name" in wanted and item.get("name") == wanted["name"]
        ):
            return item
    return None


def _neg(service: Obj) -> bool | None:
    """Whether GKE serves the Service through NEGs for Ingress; None when the default decides."""
    value = _annotations(service).get("cloud.google.com/neg")
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed.get("ingress") is True if isinstance(parsed, dict) else None


def _container_port(
    estate: Estate, objects: tuple[Obj, ...], service: Obj, target: object
) -> tuple[int, str, Place] | None:
    """The pods' containerPort a targetPort names: (port, what, where); None if not one."""
    selector = mapping(service.data.get("spec")).get("selector")
    found: set[tuple[int, str, Place]] = set()
    for obj in objects:
        if obj.namespace != service.namespace or not selects(selector, pod_labels(obj)):
            continue
        pods = pod_spec(obj)
        if pods is None:
            continue
        base, spec = pods
        for _, path, _, container in containers(obj, base, spec):
            for index, item in enumerate(container.get("ports") or []):
                item = mapping(item)
                number = item.get("containerPort")
                if not isinstance(number, int) or (target != number and target != item.get("name")):
                    continue
                line, _ = obj.locate([*path, "ports", index, "containerPort"])
                what = f"container port `{item.get('name', number)}` of `{obj.label()}`"
                found.add((number, what, (estate.context.base / obj.source, line)))
    if len({port for port, _, _ in found}) != 1:
        return None
    return sorted(found)[0]


def _backend_refs(ingress: Obj) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    spec = mapping(ingress.data.get("spec"))
    if "defaultBackend" in spec:
        yield (
            ["spec", "defaultBackend", "service"],
            mapping(get(spec, ["defaultBackend", "service"])),
        )
    for r, rule in enumerate(spec.get("rules") or []):
        for p, path in enumerate(get(rule, ["http", "paths"]) or []):
            yield (
                ["spec", "rules", r, "http", "paths", p, "backend", "service"],
                mapping(get(path, ["backend", "service"])),
            )


def _backend_config_port(
    estate: Estate, objects: tuple[Obj, ...], service: Obj, port: dict[str, Any]
) -> tuple[tuple[int, Place] | None, bool]:
    """The BackendConfig `healthCheck.port` for the Service port and where, and if it is known."""
    annotations = _annotations(service)
    value = annotations.get("cloud.google.com/backend-config") or annotations.get(
        "beta.cloud.google.com/backend-config"
    )
    if value is None:
        return None, True
    try:
        parsed = mapping(json.loads(value))
    except ValueError:
        return None, False
    ports = mapping(parsed.get("ports"))
    name = (
        ports.get(str(port.get("port")))
        or ports.get(str(port.get("name")))
        or parsed.get("default")
    )
    if name is None:
        return None, True
    configs = [
        o
        for o in objects
        if o.kind == "BackendConfig" and o.name == name and o.namespace == service.namespace
    ]
    if len(configs) != 1:
        return None, False
    field: FieldPath = ["spec", "healthCheck", "port"]
    check = get(configs[0].data, field)
    if check is None:
        return None, True
    if not isinstance(check, int):
        return None, False
    line, _ = configs[0].locate(field)
    return (check, (estate.context.base / configs[0].source, line)), True


def _backends(estate: Estate, objects: tuple[Obj, ...], ingress: Obj) -> Iterator[Backend]:
    for field, reference in _backend_refs(ingress):
        wanted = mapping(reference.get("port"))
        services = [
            o
            for o in objects
            if o.kind == "Service"
            and o.name == reference.get("name")
            and o.namespace == ingress.namespace
        ]
        if len(services) != 1:
            continue
        service = services[0]
        port = _service_port(service, wanted)
        if port is None:
            continue
        text = str(wanted.get("name", wanted.get("number", "")))
        port_field = [*field, "port", "name" if "name" in wanted else "number"]
        override, known = _backend_config_port(estate, objects, service, port)
        if not known:
            continue
        neg = _neg(service)
        if neg is None:
            continue  # GKE's default (NEG or instance groups) depends on the cluster's version.
        if override is not None:
            number, place = override
            reason = f"the `healthCheck.port` of its BackendConfig ({estate.where(*place)})"
            yield Backend(ingress, port_field, text, number, reason, (place,))
            continue
        if neg:
            target = port.get("targetPort", port.get("port"))
            found = _container_port(estate, objects, service, target)
            if found is None:
                continue
            number, what, place = found
            yield Backend(
                ingress,
                port_field,
                text,
                number,
                f"the {what} ({estate.where(*place)}), with container-native load balancing",
                (place,),
            )
        elif isinstance(port.get("nodePort"), int):
            yield Backend(
                ingress,
                port_field,
                text,
                port["nodePort"],
                f"the nodePort of `{service.label()}`",
                (),
            )


def _network(deployment: Deployment) -> Resource | None:
    """The `google_compute_network` of the cluster's module that the cluster names."""
    cluster = deployment.cluster
    name = _only_ref(_value(cluster.block, "network"), "google_compute_network")
    local = tuple(r for r in deployment.resources if r.file.parent == cluster.file.parent)
    return _by_type(local, "google_compute_network").get(name or "")


def _check_health_checks(estate: Estate) -> Iterator[Finding]:
    for deployment in estate.deployments():
        if deployment.cluster.type != "google_container_cluster":
            continue
        network = _network(deployment)
        if network is None:
            continue
        objects = deployment.objects.objects
        for ingress in objects:
            if ingress.kind != "Ingress":
                continue
            klass = _annotations(ingress).get("kubernetes.io/ingress.class")
            if klass not in {"gce", "gce-internal"} and (
                klass is not None or "ingressClassName" in mapping(ingress.data.get("spec"))
            ):
                continue
            for backend in _backends(estate, objects, ingress):
                blocked = _blocked(estate, deployment, network, backend.port)
                if blocked is None:
                    continue
                rule, allows = blocked
                verdict = _health_verdict(estate, backend, rule, allows)
                yield estate.finding(
                    ingress, HEALTH_CHECK_BLOCKED, backend.field, verdict.message, text=backend.text
                )


def _health_verdict(
    estate: Estate, backend: Backend, rule: FirewallRule, allows: list[FirewallRule]
) -> Verdict:
    later = (
        "; "
        + ", ".join(f"`{a.name}` ({estate.where(*a.place)})" for a in allows)
        + (" allows it but is" if len(allows) == 1 else " allow it but are")
        + " evaluated after it"
        if allows
        else ""
    )
    return Verdict(
        f"`{backend.ingress.label()}`'s load balancer health-checks port {backend.port} "
        f"({backend.reason}), but `{rule.name}` ({estate.where(*rule.place)}) denies "
        f"{' and '.join(HEALTH_CHECK_RANGES)} there at priority {rule.priority}, before GKE's own "
        f"health-check rule (priority {_GKE_RULE_PRIORITY}){later}",
        (*backend.places, rule.place, *(a.place for a in allows)),
    )


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA030 and INFRA031 over every paired deployment."""
    yield from _check_subnets(estate)
    yield from _check_health_checks(estate)
