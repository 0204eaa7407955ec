"""Kubernetes objects as the rules see them: data, where each field sits, and pod helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from scaffolder.validation.model import Finding, Rule

FieldPath = list[str | int]


class Locator(Protocol):
    """Where a field path sits in a source file (:meth:`Document.locate`)."""

    def __call__(self, path: FieldPath, *, key: bool = False) -> tuple[int, int]:
        """1-based line and column of ``path``, or of its key."""


#: Where the pod spec lives in each workload kind.
POD_SPEC: dict[str, FieldPath] = {
    "Pod": ["spec"],
    "Deployment": ["spec", "template", "spec"],
    "StatefulSet": ["spec", "template", "spec"],
    "DaemonSet": ["spec", "template", "spec"],
    "ReplicaSet": ["spec", "template", "spec"],
    "Job": ["spec", "template", "spec"],
    "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "ReplicationController": ["spec", "template", "spec"],
}
#: Batch pods finish: liveness/readiness probes have nothing to say about them.
RUN_TO_COMPLETION = frozenset({"Job", "CronJob"})


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one.

    A field of the wrong type in a manifest is the schema's finding (K8S001), not a crash of
    the other rules.
    """
    return value if isinstance(value, dict) else {}


def is_object(data: Any) -> bool:
    """A Kubernetes object: a mapping with `apiVersion` and `kind`.

    A KRM function's `ResourceList` (its input or output, as kustomize's and kpt's test data
    hold them) has that shape but is never sent to a cluster.
    """
    return (
        isinstance(data, dict)
        and "apiVersion" in data
        and "kind" in data
        and data["kind"] != "ResourceList"
    )


def object_name(obj: dict[str, Any]) -> str:
    """`Kind/name` of a raw object; `Kind/prefix*` for one named by ``generateName``."""
    return f"{obj.get('kind')}/{_shown_name(mapping(obj.get('metadata')))}"


def _shown_name(metadata: dict[str, Any]) -> str:
    name = metadata.get("name")
    if name is None and isinstance(metadata.get("generateName"), str):
        # The API server appends a random suffix (`kubectl create` of a Job template).
        return f"{metadata['generateName']}*"
    return "?" if name is None else str(name)


@dataclass(frozen=True, slots=True)
class Obj:
    """One object of a set, and how to find its fields in the file it came from."""

    data: dict[str, Any]
    locate: Locator
    #: The file findings go to, relative to the base.
    source: str
    #: The kustomization that rendered it, when it was rendered and placed back in its file.
    rendered_by: str | None = None

    @property
    def kind(self) -> str:
        """The object's kind."""
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        """metadata.name."""
        return str(mapping(self.data.get("metadata")).get("name", ""))

    @property
    def namespace(self) -> str | None:
        """metadata.namespace, when set."""
        value = mapping(self.data.get("metadata")).get("namespace")
        return str(value) if value else None

    def label(self) -> str:
        """`Kind/name` for messages (`Kind/prefix*` for a ``generateName``)."""
        return f"{self.kind}/{_shown_name(mapping(self.data.get('metadata')))}"

    def finding(self, rule: Rule, field: FieldPath, message: str, *, key: bool = False) -> Finding:
        """A finding of ``rule`` at ``field`` (or the deepest part of it the file has).

        With ``key``, at the field's key rather than its value.
        """
        line, column = self.locate(field, key=key)
        return rule.at(self.source, line, column, message)


@dataclass(frozen=True, slots=True)
class ObjectSet:
    """Objects deployed together: one rendered kustomization, or one directory's manifests."""

    objects: tuple[Obj, ...]
    #: Kubernetes minor whose schemas apply.
    version: str

    @property
    def location(self) -> str:
        """The file of the set's first object, as findings name it."""
        return self.objects[0].source if self.objects else "."


def get(data: Any, path: FieldPath) -> Any:
    """The value at ``path``, or None where a step is missing."""
    for step in path:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
        if data is None:
            return None
    return data


def pod_spec(obj: Obj) -> tuple[FieldPath, dict[str, Any]] | None:
    """Where the object's pod spec is, and the spec, for workloads."""
    path = POD_SPEC.get(obj.kind)
    spec = get(obj.data, path) if path else None
    return (path, spec) if path is not None and isinstance(spec, dict) else None


def workloads(objects: ObjectSet) -> Iterator[tuple[Obj, FieldPath, dict[str, Any]]]:
    """Each object of the set that makes pods, with where its pod spec is and the spec."""
    for obj in objects.objects:
        found = pod_spec(obj)
        if found is not None:
            yield obj, *found


def containers(
    obj: Obj, base: FieldPath, spec: dict[str, Any]
) -> Iterator[tuple[str, FieldPath, str, dict[str, Any]]]:
    """``(group, field path, name for messages, container)`` for each (init) container."""
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or []):
            if isinstance(container, dict):
                what = f"`{obj.label()}` container `{container.get('name', '?')}`"
                yield group, [*base, group, index], what, container


def pod_labels(obj: Obj) -> dict[str, str]:
    """Labels of the pods a workload makes."""
    found = pod_spec(obj)
    if found is None:
        return {}
    template = get(obj.data, found[0][:-1]) if obj.kind != "Pod" else obj.data
    labels = mapping(get(template, ["metadata", "labels"]))
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def selects(selector: Any, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels/matchExpressions, or a plain map) against labels."""
    if not isinstance(selector, dict):
        return False
    plain = {k: v for k, v in selector.items() if k not in {"matchLabels", "matchExpressions"}}
    wanted = {**plain, **mapping(selector.get("matchLabels"))}
    if any(labels.get(str(k)) != str(v) for k, v in wanted.items()):
        return False
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, list) else []:
        expression = mapping(expression)
        key, operator = str(expression.get("key")), expression.get("operator")
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
