"""Objects of a set that need each other.

PDBs and NetworkPolicies for Deployments, Services and HPAs that find their workloads, and no
object defined twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.kubernetes.objects import (
    POD_SPEC,
    Obj,
    ObjectSet,
    get,
    mapping,
    pod_labels,
    selects,
)
from scaffolder.validation.model import Finding, Rule, Severity

W = Severity.WARNING
NO_PDB = Rule("K8S112", "deployment-without-pdb", W, "No PodDisruptionBudget covers a Deployment.")
NO_NETPOL = Rule(
    "K8S113", "deployment-without-networkpolicy", W, "No NetworkPolicy covers a Deployment."
)
SERVICE_SELECTOR = Rule(
    "K8S114", "service-selects-nothing", W, "A Service's selector matches no workload."
)
HPA_TARGET = Rule(
    "K8S115", "hpa-missing-target", W, "An HPA scales a workload that does not exist."
)
DUPLICATE = Rule(
    "K8S116", "duplicate-object", W, "Two objects in one file share kind, namespace and name."
)
RULES = (NO_PDB, NO_NETPOL, SERVICE_SELECTOR, HPA_TARGET, DUPLICATE)


def check(found: ObjectSet) -> Iterator[Finding]:
    """K8S112-K8S116 across the objects of the set."""
    objects = found.objects
    seen: dict[tuple[str, str | None, str], Obj] = {}
    for obj in objects:
        key = (obj.kind, obj.namespace, obj.name)
        # Files of one directory may be alternatives (`deployment.yaml`, `deployment-v2.yaml`,
        # applied one or the other); a kustomization that renders both fails by itself (K8S002).
        if key in seen and obj.name and seen[key].source == obj.source:
            yield obj.finding(
                DUPLICATE,
                ["metadata", "name"],
                f"`{obj.label()}` is defined twice in this set ({seen[key].source})",
            )
        seen.setdefault(key, obj)
    workloads = [obj for obj in objects if obj.kind in POD_SPEC and obj.kind != "CronJob"]
    by_namespace: dict[str | None, list[Obj]] = {}
    for obj in objects:
        by_namespace.setdefault(obj.namespace, []).append(obj)

    def same_namespace(obj: Obj, kind: str) -> list[Obj]:
        return [o for o in by_namespace.get(obj.namespace, []) if o.kind == kind]

    for obj in objects:
        if obj.kind == "Deployment":
            labels = pod_labels(obj)
            pdbs = same_namespace(obj, "PodDisruptionBudget")
            if not any(selects(get(p.data, ["spec", "selector"]), labels) for p in pdbs):
                yield obj.finding(
                    NO_PDB,
                    ["metadata", "name"],
                    f"no PodDisruptionBudget covers `{obj.label()}`: a node drain may take "
                    "every replica at once",
                )
            policies = same_namespace(obj, "NetworkPolicy")
            if not any(
                get(p.data, ["spec", "podSelector"]) == {}
                or selects(get(p.data, ["spec", "podSelector"]), labels)
                for p in policies
            ):
                yield obj.finding(
                    NO_NETPOL,
                    ["metadata", "name"],
                    f"no NetworkPolicy covers `{obj.label()}`: every pod may reach it",
                )
        elif obj.kind == "Service":
            selector = get(obj.data, ["spec", "selector"])
            if (
                isinstance(selector, dict)
                and selector
                and not any(
                    w.namespace == obj.namespace and selects(selector, pod_labels(w))
                    for w in workloads
                )
                and workloads
            ):
                yield obj.finding(
                    SERVICE_SELECTOR,
                    ["spec", "selector"],
                    f"`{obj.label()}` selects "
                    + ", ".join(f"{k}={v}" for k, v in selector.items())
                    + ", which no workload in this set carries",
                )
        elif obj.kind == "HorizontalPodAutoscaler":
            target = mapping(get(obj.data, ["spec", "scaleTargetRef"]))
            kind, name = target.get("kind"), target.get("name")
            # Without any such workload here, the target lives elsewhere (a parent directory,
            # another repository); among others of its kind, a missing name is a mistake.
            if (
                kind
                and name
                and any(o.kind == kind for o in objects)
                and not any(
                    o.kind == kind and o.name == name and o.namespace == obj.namespace
                    for o in objects
                )
            ):
                yield obj.finding(
                    HPA_TARGET,
                    ["spec", "scaleTargetRef", "name"],
                    f"`{obj.label()}` scales `{kind}/{name}`, which is not in this set",
                )
