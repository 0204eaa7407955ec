"""A PodDisruptionBudget the workload's replica count can satisfy.

A PDB whose `minAvailable` is at least the pods the workload keeps (the HPA's `minReplicas`
when an HPA scales it, else `spec.replicas`), or whose `maxUnavailable` is 0, allows no
voluntary eviction at all: every node drain, node-pool upgrade and cluster-autoscaler
scale-down waits on it forever. Percentages are rounded up, as the disruption controller
rounds them. Selectors the checker cannot match statically (no workload selected, or a value
that is not a number or percentage) leave the PDB unjudged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from scaffolder.validation.infra.estate import KUSTOMIZATIONS, Estate
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, get, pod_labels, selects
from scaffolder.validation.model import Finding, Rule, Severity

UNSATISFIABLE_PDB = Rule(
    "INFRA020",
    "pdb-blocks-every-drain",
    Severity.ERROR,
    "A PodDisruptionBudget the workload's replica count cannot satisfy blocks every node drain.",
)
RULES = (UNSATISFIABLE_PDB,)

_SCALED = {"Deployment", "StatefulSet", "ReplicaSet"}


def _scaled(value: object, replicas: int) -> int | None:
    """An int-or-percent PDB value as a pod count of ``replicas`` (rounded up), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(int(value[:-1]) * replicas / 100)
    return None


def place(estate: Estate, obj: Obj, field: FieldPath) -> tuple[str, int, int]:
    """``(path, line, column)`` that writes ``field`` of ``obj``: its base, or the overlay patch.

    A rendered object is placed back in its base file, where a value an overlay's JSON patch
    replaces still shows the base's. The patch is then found in the overlay's kustomization:
    the `path: /a/b` line of a patch whose target names the object's kind, and the `value:`
    after it.
    """
    line, column = obj.locate(field)
    value = get(obj.data, field)
    path = estate.context.base / obj.source
    try:
        lines = estate.context.files.text(path).splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    written = line <= len(lines) and lines[line - 1].rstrip().endswith(f": {value}")
    if obj.rendered_by is None or written:
        return obj.source, line, column
    directory = estate.context.base / obj.rendered_by
    pointer = "/" + "/".join(str(step) for step in field)
    for name in KUSTOMIZATIONS:
        overlay_path = directory / name
        if overlay_path not in estate.context.files:
            continue
        try:
            overlay = estate.context.files.text(overlay_path).splitlines()
        except (OSError, UnicodeDecodeError):
            break
        kind = None
        for number, content in enumerate(overlay, start=1):
            stripped = content.strip()
            if stripped.startswith("kind:"):
                kind = stripped.removeprefix("kind:").strip()
            elif kind == obj.kind and stripped in {f"path: {pointer}", f"- path: {pointer}"}:
                for offset, after in enumerate(overlay[number:], start=number + 1):
                    if after.strip().startswith("value:"):
                        relative = estate.context.relative(overlay_path)
                        return relative, offset, after.index("value:") + 1
                    if "path:" in after:
                        break
        break
    return obj.source, line, column


def _replicas(estate: Estate, workload: Obj, objects: tuple[Obj, ...]) -> tuple[int, str] | None:
    """The fewest pods ``workload`` keeps and `file:line` saying so; None when not static."""
    for hpa in objects:
        target = get(hpa.data, ["spec", "scaleTargetRef"])
        if (
            hpa.kind == "HorizontalPodAutoscaler"
            and hpa.namespace == workload.namespace
            and isinstance(target, dict)
            and (target.get("kind"), target.get("name")) == (workload.kind, workload.name)
        ):
            minimum = get(hpa.data, ["spec", "minReplicas"])
            if minimum is None:
                source, line, _ = place(estate, hpa, ["spec", "scaleTargetRef"])
                where = estate.cite(source, line)
                return 1, f"`{hpa.label()}` minReplicas 1 (the default, {where})"
            if not isinstance(minimum, int) or isinstance(minimum, bool):
                return None
            source, line, _ = place(estate, hpa, ["spec", "minReplicas"])
            return minimum, f"`{hpa.label()}` minReplicas {minimum} ({estate.cite(source, line)})"
    replicas = get(workload.data, ["spec", "replicas"])
    if replicas is None:
        source, line, _ = place(estate, workload, ["spec"])
        return 1, f"`{workload.label()}` replicas 1 (the default, {estate.cite(source, line)})"
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        return None
    source, line, _ = place(estate, workload, ["spec", "replicas"])
    return replicas, f"`{workload.label()}` replicas {replicas} ({estate.cite(source, line)})"


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA020 at a PDB's `minAvailable`/`maxUnavailable` that leaves no pod evictable."""
    for deployment in estate.deployments():
        objects = deployment.objects.objects
        for pdb in objects:
            if pdb.kind != "PodDisruptionBudget":
                continue
            selector = get(pdb.data, ["spec", "selector"])
            selected = [
                obj
                for obj in objects
                if obj.kind in _SCALED
                and obj.namespace == pdb.namespace
                and selects(selector, pod_labels(obj))
            ]
            for workload in selected:
                found = _replicas(estate, workload, objects)
                if found is None:
                    continue
                replicas, why = found
                for name in ("minAvailable", "maxUnavailable"):
                    value = get(pdb.data, ["spec", name])
                    count = _scaled(value, replicas)
                    if count is None:
                        continue
                    if name == "minAvailable" and count < replicas:
                        continue
                    if name == "maxUnavailable" and count > 0:
                        continue
                    path, line, column = place(estate, pdb, ["spec", name])
                    if name == "maxUnavailable":
                        message = (
                            f"`{pdb.label()}` has maxUnavailable {value}, so no pod of "
                            f"{why} may ever be evicted and every node drain waits on it"
                        )
                    else:
                        message = (
                            f"`{pdb.label()}` has minAvailable {value}, but {why} can leave "
                            f"only {replicas} pod{'s' if replicas != 1 else ''} running, so "
                            "none may ever be evicted and every node drain waits on it"
                        )
                    yield UNSATISFIABLE_PDB.at(path, line, column, message)
