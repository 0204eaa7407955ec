"""Objects in the `default` namespace."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.kubernetes.objects import ObjectSet
from scaffolder.validation.model import Finding, Rule, Severity

DEFAULT_NAMESPACE = Rule(
    "K8S110", "default-namespace", Severity.WARNING, "An object is in the `default` namespace."
)
RULES = (DEFAULT_NAMESPACE,)


def check(objects: ObjectSet) -> Iterator[Finding]:
    """K8S110 for every object of the set."""
    for obj in objects.objects:
        if obj.namespace == "default":
            yield obj.finding(
                DEFAULT_NAMESPACE,
                ["metadata", "namespace"],
                f"`{obj.label()}` is in the `default` namespace; give the app its own",
            )
