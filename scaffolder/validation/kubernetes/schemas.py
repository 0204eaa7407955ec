"""The schemas manifests are checked against: kubernetes-validate's strict JSON schemas."""

from __future__ import annotations

import functools
import re
from typing import Any

from scaffolder.errors import UserError

#: Kubernetes version whose schemas are used; a current release.
DEFAULT_VERSION = "1.33"


def resolve_version(requested: str | None) -> str:
    """``requested`` as a supported `1.NN`, or the default.

    Raises:
        UserError: No schemas exist for that version.
    """
    if not requested:
        return DEFAULT_VERSION
    from kubernetes_validate.utils import all_versions, major_minor

    wanted = requested.removeprefix("v")
    supported = sorted(
        {major_minor(v) for v in all_versions()}, key=lambda v: [int(p) for p in v.split(".")]
    )
    if not re.fullmatch(r"1\.\d+(\.\d+)?", wanted) or major_minor(wanted) not in supported:
        raise UserError(
            f"unsupported Kubernetes version `{requested}`; schemas exist for "
            f"{supported[0]} to {supported[-1]}"
        )
    return str(major_minor(wanted))


def _schema_directory(version: str) -> str:
    from kubernetes_validate.utils import all_versions, major_minor

    schema_version = [v for v in all_versions() if major_minor(v) <= major_minor(version)][-1]
    return f"kubernetes-json-schema/v{schema_version}-local-strict"


@functools.lru_cache(maxsize=4)
def _definitions(version: str) -> Any:
    """The definitions every kind's schema refers to (1 MB of JSON): read once per version."""
    from kubernetes_validate.utils import schema_contents
    from referencing import Resource

    return Resource.from_contents(
        schema_contents(f"{_schema_directory(version)}/_definitions.json", version)
    )


def prepare(version: str) -> None:
    """Import the schema libraries and read the definitions now (while kustomize renders)."""
    import jsonschema  # type: ignore[import-untyped]  # noqa: F401

    _definitions(version)


@functools.lru_cache(maxsize=256)
def validator(kind: str, api_version: str, version: str) -> Any:
    """kubernetes-validate's strict schema for one kind, as a jsonschema validator.

    Built the way ``kubernetes_validate.validate`` builds it, so that every error can be listed
    (the library raises the first one only), and cached: one schema serves every object of its
    kind. Raises the library's ``SchemaNotFoundError`` for kinds without a schema.
    """
    import jsonschema
    from kubernetes_validate.utils import SchemaNotFoundError, schema_contents
    from referencing import Registry, Resource

    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    directory = _schema_directory(version)
    try:
        schema = schema_contents(f"{directory}/{kind.lower()}-{group}.json", version)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=version, kind=kind, api_version=api_version) from None
    registry: Any = Resource.from_contents(schema) @ Registry()
    registry = _definitions(version) @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)
