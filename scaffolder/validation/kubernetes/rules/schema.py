"""Every object against the strict schema of its kind for the selected Kubernetes version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scaffolder.validation.kubernetes.objects import Obj, ObjectSet, object_name
from scaffolder.validation.kubernetes.rules.api_versions import removed
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

#: An envsubst placeholder (`${REPLICAS}`, `${PORT:-8080}`): the file is a template, and the
#: value's type is only known once it is substituted.
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}")
_UNEXPECTED = re.compile(r"\('([^']+)' (?:was|were) unexpected\)")
#: A kind is a CamelCase name; an apiVersion is `v1` or `<group>/<version>` (DNS subdomain).
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")
_API_VERSION = re.compile(r"(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?v[0-9a-z]{1,20}")


def check(objects: ObjectSet) -> Iterator[Finding]:
    """K8S001 for every schema error of every object, K8S003 for kinds without a schema."""
    for obj in objects.objects:
        data = obj.data
        # An object kustomize rendered is placed back in its file; say which render it was.
        suffix = f" (rendered by {obj.rendered_by})" if obj.rendered_by is not None else ""
        # Both become part of a schema file's name: nothing but a name may get there.
        for field, pattern in (("kind", _KIND), ("apiVersion", _API_VERSION)):
            if not isinstance(data[field], str) or not pattern.fullmatch(data[field]):
                shown = "has no value" if data[field] is None else f"`{str(data[field])[:60]}`"
                yield obj.finding(
                    SCHEMA, [field], f"`{field}` {shown}: not a valid {field}{suffix}"
                )
                break
        else:
            yield from _check(obj, data, objects.version, suffix)


def _check(obj: Obj, data: dict[str, Any], version: str, suffix: str) -> Iterator[Finding]:
    from kubernetes_validate.utils import SchemaNotFoundError

    try:
        schema = validator(str(data["kind"]), str(data["apiVersion"]), version)
    except SchemaNotFoundError:
        if removed(data["apiVersion"], data["kind"], version) is not None:
            return  # K8S008 says so, with the replacement
        yield obj.finding(
            NO_SCHEMA,
            [],
            f"`{object_name(data)}`: no schema for `{data['apiVersion']}` `{data['kind']}` "
            f"in Kubernetes {version}; not validated{suffix}",
        )
        return
    for error in sorted(schema.iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        if isinstance(error.instance, str) and _PLACEHOLDER.search(error.instance):
            continue
        unexpected = _UNEXPECTED.search(error.message)
        # An unknown key is reported on its parent; point at the key itself.
        place = [*error.path, unexpected.group(1)] if unexpected else [*error.path]
        where = ".".join(str(part) for part in place)
        location = f" at `{where}`" if where else ""
        yield obj.finding(
            SCHEMA,
            place,
            f"`{object_name(data)}`{location}: {error.message}{suffix}",
            key=unexpected is not None,
        )
