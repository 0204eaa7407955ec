"""Every object against the strict schema of its kind for the selected Kubernetes version."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.kubernetes.objects import ObjectSet, object_name
from scaffolder.validation.kubernetes.schemas import validator
from scaffolder.validation.model import Finding, Rule, Severity

SCHEMA = Rule(
    "K8S001",
    "schema",
    Severity.ERROR,
    "A Kubernetes object breaks its schema (kubernetes-validate, strict mode).",
)
NO_SCHEMA = Rule(
    "K8S003",
    "no-schema",
    Severity.INFO,
    "No schema is known for an object's kind (a custom resource): it was not validated.",
)
RULES = (SCHEMA, NO_SCHEMA)

_UNEXPECTED = re.compile(r"\('([^']+)' (?:was|were) unexpected\)")


def check(objects: ObjectSet) -> Iterator[Finding]:
    """K8S001 for every schema error of every object, K8S003 for kinds without a schema."""
    from kubernetes_validate.utils import SchemaNotFoundError

    for obj in objects.objects:
        data = obj.data
        # An object kustomize rendered is placed back in its file; say which render it was.
        suffix = f" (rendered by {obj.rendered_by})" if obj.rendered_by is not None else ""
        try:
            schema = validator(str(data["kind"]), str(data["apiVersion"]), objects.version)
        except SchemaNotFoundError:
            yield obj.finding(
                NO_SCHEMA,
                [],
                f"`{object_name(data)}`: no schema for `{data['apiVersion']}` `{data['kind']}` "
                f"in Kubernetes {objects.version}; not validated{suffix}",
            )
            continue
        for error in sorted(schema.iter_errors(data), key=lambda e: [str(p) for p in e.path]):
            unexpected = _UNEXPECTED.search(error.message)
            # An unknown key is reported on its parent; point at the key itself.
            place = [*error.path, unexpected.group(1)] if unexpected else [*error.path]
            where = ".".join(str(part) for part in place)
            location = f" at `{where}`" if where else ""
            yield obj.finding(
                SCHEMA, place, f"`{object_name(data)}`{location}: {error.message}{suffix}"
            )
