"""Workloads that can be run reliably: probes, resource requests and limits, pinned images."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.kubernetes.objects import (
    RUN_TO_COMPLETION,
    ObjectSet,
    containers,
    mapping,
    workloads,
)
from scaffolder.validation.model import Finding, Rule, Severity

W = Severity.WARNING
PROBES = Rule("K8S101", "missing-probes", W, "A container has no liveness or readiness probe.")
RESOURCES = Rule(
    "K8S102", "missing-resources", W, "A container lacks CPU/memory requests or a memory limit."
)
IMAGE_TAG = Rule("K8S103", "image-latest", W, "An image is untagged or tagged `latest`.")
RULES = (PROBES, RESOURCES, IMAGE_TAG)


def check(objects: ObjectSet) -> Iterator[Finding]:
    """K8S101-K8S103 for every container of every workload in the set."""
    for obj, base, spec in workloads(objects):
        for group, where, what, container in containers(obj, base, spec):
            image = str(container.get("image", ""))
            last = image.rsplit("/", 1)[-1]
            if "@" not in last and (":" not in last or last.endswith(":latest")):
                yield obj.finding(
                    IMAGE_TAG,
                    [*where, "image"],
                    f"{what} image `{image}` is untagged or `latest`; pin a version",
                )
            resources = mapping(container.get("resources"))
            requests = mapping(resources.get("requests"))
            limits = mapping(resources.get("limits"))
            missing = [f"requests.{r}" for r in ("cpu", "memory") if r not in requests]
            if "memory" not in limits:
                missing.append("limits.memory")
            if missing:
                yield obj.finding(
                    RESOURCES,
                    [*where, "resources"] if resources else where,
                    f"{what} has no {', '.join(missing)}",
                )
            if group == "containers" and obj.kind not in RUN_TO_COMPLETION:
                absent = [p for p in ("livenessProbe", "readinessProbe") if p not in container]
                if absent:
                    yield obj.finding(PROBES, where, f"{what} has no {' or '.join(absent)}")
