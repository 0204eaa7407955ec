"""Kubernetes best-practice rules: pure checks over a set of objects that are deployed together.

A set is one rendered kustomization, or the plain manifests of one directory. Each object comes
with a ``locate`` function from a field path to its line and column in the file it came from,
so findings point at the offending field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scaffolder.validation.model import Rule, Severity

Path_ = list[str | int]


def _rule(rule_id: str, name: str, summary: str) -> Rule:
    return Rule(rule_id, name, "kubernetes", Severity.WARNING, summary)


PROBES = _rule("K8S101", "missing-probes", "A container has no liveness or readiness probe.")
RESOURCES = _rule(
    "K8S102", "missing-resources", "A container lacks CPU/memory requests or a memory limit."
)
IMAGE_TAG = _rule("K8S103", "image-latest", "An image is untagged or tagged `latest`.")
PRIVILEGED = _rule("K8S104", "privileged", "A container runs privileged.")
ESCALATION = _rule(
    "K8S105", "privilege-escalation", "A container does not set allowPrivilegeEscalation: false."
)
ROOT = _rule("K8S106", "root-user", "A pod or container may run as root.")
WRITABLE_ROOT = _rule(
    "K8S107", "writable-root-filesystem", "A container's root filesystem is writable."
)
CAPABILITIES = _rule("K8S108", "added-capabilities", "A container adds Linux capabilities.")
HOST = _rule("K8S109", "host-access", "A pod shares host namespaces or mounts a hostPath.")
DEFAULT_NAMESPACE = _rule("K8S110", "default-namespace", "An object is in the `default` namespace.")
TOKEN = _rule("K8S111", "token-automount", "A pod mounts a service account token it may not need.")
NO_PDB = _rule("K8S112", "deployment-without-pdb", "No PodDisruptionBudget covers a Deployment.")
NO_NETPOL = _rule(
    "K8S113", "deployment-without-networkpolicy", "No NetworkPolicy covers a Deployment."
)
SERVICE_SELECTOR = _rule(
    "K8S114", "service-selects-nothing", "A Service's selector matches no workload."
)
HPA_TARGET = _rule("K8S115", "hpa-missing-target", "An HPA scales a workload that does not exist.")
DUPLICATE = _rule("K8S116", "duplicate-object", "Two objects share kind, namespace and name.")
RULES = (
    PROBES,
    RESOURCES,
    IMAGE_TAG,
    PRIVILEGED,
    ESCALATION,
    ROOT,
    WRITABLE_ROOT,
    CAPABILITIES,
    HOST,
    DEFAULT_NAMESPACE,
    TOKEN,
    NO_PDB,
    NO_NETPOL,
    SERVICE_SELECTOR,
    HPA_TARGET,
    DUPLICATE,
)

#: Where the pod spec lives in each workload kind.
POD_SPEC: dict[str, Path_] = {
    "Pod": ["spec"],
    "Deployment": ["spec", "template", "spec"],
    "StatefulSet": ["spec", "template", "spec"],
    "DaemonSet": ["spec", "template", "spec"],
    "ReplicaSet": ["spec", "template", "spec"],
    "Job": ["spec", "template", "spec"],
    "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}
# Batch pods finish: liveness/readiness probes have nothing to say about them.
_RUN_TO_COMPLETION = {"Job", "CronJob"}


@dataclass(frozen=True, slots=True)
class Obj:
    """One object of a set, and how to find its fields in its source file."""

    data: dict[str, Any]
    locate: Callable[[Path_], tuple[int, int]]
    source: str

    @property
    def kind(self) -> str:
        """The object's kind."""
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        """metadata.name."""
        return str((self.data.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str | None:
        """metadata.namespace, when set."""
        value = (self.data.get("metadata") or {}).get("namespace")
        return str(value) if value else None

    def label(self) -> str:
        """`Kind/name` for messages."""
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule broken at a field of an object."""

    obj: Obj
    rule: Rule
    field: Path_
    message: str


def _get(data: Any, path: Path_) -> Any:
    for step in path:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
        if data is None:
            return None
    return data


def _pod(obj: Obj) -> tuple[Path_, dict[str, Any]] | None:
    path = POD_SPEC.get(obj.kind)
    spec = _get(obj.data, path) if path else None
    return (path, spec) if path is not None and isinstance(spec, dict) else None


def _containers(spec: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or []):
            if isinstance(container, dict):
                yield group, index, container


def check_set(objects: list[Obj]) -> Iterator[Hit]:
    """Every best-practice rule over one set of objects."""
    for obj in objects:
        yield from _check_object(obj)
    yield from _check_relations(objects)


def _check_object(obj: Obj) -> Iterator[Hit]:
    if obj.namespace == "default":
        yield Hit(
            obj,
            DEFAULT_NAMESPACE,
            ["metadata", "namespace"],
            f"`{obj.label()}` is in the `default` namespace; give the app its own",
        )
    found = _pod(obj)
    if found is None:
        return
    base, spec = found
    pod_context = spec.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            yield Hit(obj, HOST, [*base, key], f"`{obj.label()}` sets `{key}: true`")
    for index, volume in enumerate(spec.get("volumes") or []):
        if isinstance(volume, dict) and "hostPath" in volume:
            yield Hit(
                obj,
                HOST,
                [*base, "volumes", index, "hostPath"],
                f"`{obj.label()}` mounts hostPath volume `{volume.get('name')}`",
            )
    if spec.get("automountServiceAccountToken") is not False:
        yield Hit(
            obj,
            TOKEN,
            [*base, "automountServiceAccountToken"]
            if "automountServiceAccountToken" in spec
            else base,
            f"`{obj.label()}` mounts a service account token; set "
            "`automountServiceAccountToken: false` unless it calls the Kubernetes API",
        )
    pod_non_root = pod_context.get("runAsNonRoot") is True and pod_context.get("runAsUser") != 0
    for group, index, container in _containers(spec):
        where: Path_ = [*base, group, index]
        name = container.get("name", "?")
        what = f"`{obj.label()}` container `{name}`"
        context = container.get("securityContext") or {}
        image = str(container.get("image", ""))
        last = image.rsplit("/", 1)[-1]
        if "@" not in last and (":" not in last or last.endswith(":latest")):
            yield Hit(
                obj,
                IMAGE_TAG,
                [*where, "image"],
                f"{what} image `{image}` is untagged or `latest`; pin a version",
            )
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        missing = [f"requests.{r}" for r in ("cpu", "memory") if r not in requests]
        if "memory" not in limits:
            missing.append("limits.memory")
        if missing:
            yield Hit(
                obj,
                RESOURCES,
                [*where, "resources"] if resources else where,
                f"{what} has no {', '.join(missing)}",
            )
        if group == "containers" and obj.kind not in _RUN_TO_COMPLETION:
            absent = [p for p in ("livenessProbe", "readinessProbe") if p not in container]
            if absent:
                yield Hit(obj, PROBES, where, f"{what} has no {' or '.join(absent)}")
        if context.get("privileged") is True:
            yield Hit(
                obj,
                PRIVILEGED,
                [*where, "securityContext", "privileged"],
                f"{what} runs privileged",
            )
        if context.get("allowPrivilegeEscalation") is not False:
            yield Hit(
                obj,
                ESCALATION,
                [*where, "securityContext"] if context else where,
                f"{what} does not set `allowPrivilegeEscalation: false`",
            )
        non_root = context.get("runAsNonRoot", pod_non_root or None) is True
        if (
            context.get("runAsUser") == 0
            or (context.get("runAsUser") is None and pod_context.get("runAsUser") == 0)
            or not non_root
        ):
            yield Hit(
                obj,
                ROOT,
                [*where, "securityContext"] if context else where,
                f"{what} may run as root; set `runAsNonRoot: true` and a non-zero runAsUser",
            )
        if context.get("readOnlyRootFilesystem") is not True:
            yield Hit(
                obj,
                WRITABLE_ROOT,
                [*where, "securityContext"] if context else where,
                f"{what} has a writable root filesystem; set `readOnlyRootFilesystem: true`",
            )
        added = (context.get("capabilities") or {}).get("add") or []
        if added:
            yield Hit(
                obj,
                CAPABILITIES,
                [*where, "securityContext", "capabilities", "add"],
                f"{what} adds capabilities {', '.join(map(str, added))}",
            )


def _labels(obj: Obj) -> dict[str, str]:
    found = _pod(obj)
    if found is None:
        return {}
    template = _get(obj.data, found[0][:-1]) if obj.kind != "Pod" else obj.data
    labels = _get(template, ["metadata", "labels"]) or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _matches(selector: Any, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels/matchExpressions, or a plain map) against labels."""
    if not isinstance(selector, dict):
        return False
    plain = {k: v for k, v in selector.items() if k not in {"matchLabels", "matchExpressions"}}
    wanted = {**plain, **(selector.get("matchLabels") or {})}
    if any(labels.get(str(k)) != str(v) for k, v in wanted.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(v) for v in expression.get("values") or []]
        present = key in labels
        if operator == "In" and (not present or labels[key] not in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _check_relations(objects: list[Obj]) -> Iterator[Hit]:
    seen: dict[tuple[str, str | None, str], Obj] = {}
    for obj in objects:
        key = (obj.kind, obj.namespace, obj.name)
        if key in seen and obj.name:
            yield Hit(
                obj,
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
            labels = _labels(obj)
            pdbs = same_namespace(obj, "PodDisruptionBudget")
            if not any(_matches(_get(p.data, ["spec", "selector"]), labels) for p in pdbs):
                yield Hit(
                    obj,
                    NO_PDB,
                    ["metadata", "name"],
                    f"no PodDisruptionBudget covers `{obj.label()}`: a node drain may take "
                    "every replica at once",
                )
            policies = same_namespace(obj, "NetworkPolicy")
            if not any(
                _get(p.data, ["spec", "podSelector"]) == {}
                or _matches(_get(p.data, ["spec", "podSelector"]), labels)
                for p in policies
            ):
                yield Hit(
                    obj,
                    NO_NETPOL,
                    ["metadata", "name"],
                    f"no NetworkPolicy covers `{obj.label()}`: every pod may reach it",
                )
        elif obj.kind == "Service":
            selector = _get(obj.data, ["spec", "selector"])
            if (
                isinstance(selector, dict)
                and selector
                and not any(
                    w.namespace == obj.namespace and _matches(selector, _labels(w))
                    for w in workloads
                )
                and workloads
            ):
                yield Hit(
                    obj,
                    SERVICE_SELECTOR,
                    ["spec", "selector"],
                    f"`{obj.label()}` selects "
                    + ", ".join(f"{k}={v}" for k, v in selector.items())
                    + ", which no workload in this set carries",
                )
        elif obj.kind == "HorizontalPodAutoscaler":
            target = _get(obj.data, ["spec", "scaleTargetRef"]) or {}
            kind, name = target.get("kind"), target.get("name")
            if (
                kind
                and name
                and not any(
                    o.kind == kind and o.name == name and o.namespace == obj.namespace
                    for o in objects
                )
            ):
                yield Hit(
                    obj,
                    HPA_TARGET,
                    ["spec", "scaleTargetRef", "name"],
                    f"`{obj.label()}` scales `{kind}/{name}`, which is not in this set",
                )
