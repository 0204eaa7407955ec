"""A HorizontalPodAutoscaler has a metrics source in the cluster it runs on.

An HPA scaling on CPU or memory reads the resource metrics API (`metrics.k8s.io`). GKE serves
it on every cluster; an EKS cluster serves it only once metrics-server runs, so without it the
HPA reports `FailedGetResourceMetric` and never scales. Counted as metrics-server on EKS: an
`aws_eks_addon` named `metrics-server` (or with it among the literals of its `for_each`), a
`helm_release` of a `metrics-server` chart, a module call naming it in an argument (an add-on
entry of the EKS module's `addons`/`cluster_addons` or the Blueprints add-ons module's
`eks_addons`, whose maps must be static), or a `metrics-server` Deployment or the
`v1beta1.metrics.k8s.io` APIService among the repository's manifests. An add-on name or a
`helm_release` chart that is not static, or an Argo CD or Flux object in the set (it deploys
more than the set shows), leaves the cluster unjudged.

On GKE the resource metrics API comes with the cluster, but a Standard cluster can switch the
whole feature off: `addons_config { horizontal_pod_autoscaling { disabled = true } }` ("whether
the Horizontal Pod Autoscaling feature is enabled in the cluster", the GKE API's
`HorizontalPodAutoscaling`). Then no HPA of any metric type scales. Autopilot cannot switch it
off; a `dynamic` block or a value that is not a literal leaves the cluster unjudged.
"""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.infra.estate import (
    Deployment,
    Estate,
    Resource,
    cluster_module,
    gitops,
    module_input,
    module_source,
)
from scaffolder.validation.infra.rules.networking import ADDONS, BLUEPRINTS_ADDONS, addons
from scaffolder.validation.kubernetes.objects import get
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    Call,
    Literal,
    Traversal,
    Variable,
    literal_value,
    walk,
)

NO_METRICS = Rule(
    "INFRA006",
    "hpa-without-metrics-source",
    Severity.ERROR,
    "A HorizontalPodAutoscaler scales on metrics its cluster does not serve (EKS) or at all (GKE).",
)
RULES = (NO_METRICS,)

_NAME = "metrics-server"


def _addons(estate: Estate, resource: Resource) -> set[str] | None:
    """The add-on names an `aws_eks_addon` installs; None when they are not static.

    A block with `for_each = toset([...])` (or a list) of literals and `addon_name = each.value`
    (or `each.key`) installs each of them.
    """
    attribute, addon = estate.attribute(resource, "addon_name")
    if addon is not None:
        return {addon}
    each = resource.block.attributes.get("for_each")
    if (
        attribute is None
        or each is None
        or not isinstance(attribute.value, Traversal)
        or not isinstance(attribute.value.source, Variable)
        or attribute.value.source.name != "each"
        or [getattr(step, "name", None) for step in attribute.value.steps]
        not in (["value"], ["key"])
    ):
        return None
    items = each.value
    if isinstance(items, Call) and items.name == "toset" and len(items.args) == 1:
        items = items.args[0]
    names = literal_value(items)
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return None
    return {str(name) for name in names}


def _served(estate: Estate, deployment: Deployment) -> bool | None:
    """Whether metrics-server runs on the deployment's EKS cluster; None when unknown."""
    if gitops(deployment.objects):
        return None  # Argo CD or Flux installs what the set does not show
    for resource in deployment.resources:
        if resource.type == "aws_eks_addon":
            installed = _addons(estate, resource)
            if installed is None:
                return None
            if _NAME in installed:
                return True
        elif resource.type == "helm_release":
            _, chart = estate.attribute(resource, "chart")
            if chart is None:
                return None
            if _NAME in chart:
                return True
    directories = {resource.file.parent for resource in deployment.resources}
    directories.add(deployment.cluster.file.parent)
    for call in estate.calls:
        if call.file.parent not in directories:
            continue
        names = (
            ADDONS
            if cluster_module(call) == "eks"
            else ("eks_addons",)
            if module_source(call) == BLUEPRINTS_ADDONS
            else ()
        )
        if names and module_input(call, *names) is not None:
            managed = addons(estate, call, names)
            if managed is None:
                return None
            if _NAME in managed[1]:
                return True
        for attribute in call.block.attributes.values():
            strings = (
                node.value
                for node in walk(attribute.value)
                if isinstance(node, Literal) and isinstance(node.value, str)
            )
            if "metrics_server" in attribute.name or any(_NAME in text for text in strings):
                return True
    for objects in estate.sets:
        for obj in objects.objects:
            if (obj.kind, obj.name) == ("APIService", "v1beta1.metrics.k8s.io"):
                return True
            if obj.kind == "Deployment" and obj.name == _NAME:
                return True
    return False


def _resource_metrics(hpa: dict[str, object]) -> bool:
    """True when the HPA scales on CPU or memory (the default, with no `metrics`, is CPU)."""
    metrics = get(hpa, ["spec", "metrics"])
    if metrics is None:
        return True
    return isinstance(metrics, list) and any(
        isinstance(metric, dict) and metric.get("type") in {"Resource", "ContainerResource"}
        for metric in metrics
    )


def _gke_disabled(cluster: Resource) -> int | None:
    """The line of a `google_container_cluster`'s literal `disabled = true` HPA add-on."""
    if cluster.type != "google_container_cluster":
        return None
    autopilot = cluster.block.attributes.get("enable_autopilot")
    if autopilot is not None and literal_value(autopilot.value) is not False:
        return None
    for config in cluster.block.blocks("addons_config"):
        for addon in config.blocks("horizontal_pod_autoscaling"):
            disabled = addon.attributes.get("disabled")
            if disabled is not None and literal_value(disabled.value) is True:
                return disabled.line
    return None


def _gke(estate: Estate, deployment: Deployment) -> Iterator[Finding]:
    cluster = deployment.cluster
    line = _gke_disabled(cluster)
    if line is None:
        return
    where = estate.where(cluster.file, line)
    for hpa in deployment.objects.objects:
        if hpa.kind == "HorizontalPodAutoscaler":
            yield hpa.finding(
                NO_METRICS,
                ["spec", "scaleTargetRef"],
                f"`{hpa.label()}` never scales: `{cluster.address}` disables the "
                f"HorizontalPodAutoscaling add-on ({where}), the cluster's autoscaling feature",
            )


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA006 at an HPA on EKS without metrics-server, or on GKE without the HPA add-on."""
    for deployment in estate.deployments():
        if estate.cloud(deployment.cluster) == "gke":
            yield from _gke(estate, deployment)
            continue
        if estate.cloud(deployment.cluster) != "eks":
            continue
        hpas = [
            obj
            for obj in deployment.objects.objects
            if obj.kind == "HorizontalPodAutoscaler" and _resource_metrics(obj.data)
        ]
        if not hpas or _served(estate, deployment) is not False:
            continue
        cluster = deployment.cluster
        where = estate.where(cluster.file, cluster.block.line)
        for hpa in hpas:
            yield hpa.finding(
                NO_METRICS,
                ["spec", "metrics"],
                f"`{hpa.label()}` scales on resource metrics, but nothing serves "
                f"`metrics.k8s.io` on `{cluster.address}` ({where}): no `metrics-server` add-on, "
                "Helm release or Deployment",
            )
