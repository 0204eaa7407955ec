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


@functools.lru_cache(maxsize=256)
def validator(kind: str, api_version: str, version: str) -> Any:
    """kubernetes-validate's strict schema for one kind, as a jsonschema validator.

    Built the way ``kubernetes_validate.validate`` builds it, so that every error can be listed
    (the library raises the first one only), and cached: one schema serves every object of its
    kind. Raises the library's ``SchemaNotFoundError`` for kinds without a schema.
    """
    import jsonschema  # type: ignore[import-untyped]
    from kubernetes_validate.utils import (
        SchemaNotFoundError,
        all_versions,
        major_minor,
        schema_contents,
    )
    from referencing import Registry, Resource

    schema_version = [v for v in all_versions() if major_minor(v) <= major_minor(version)][-1]
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    directory = f"kubernetes-json-schema/v{schema_version}-local-strict"
    try:
        schema = schema_contents(f"{directory}/{kind.lower()}-{group}.json", version)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=version, kind=kind, api_version=api_version) from None
    definitions = schema_contents(f"{directory}/_definitions.json", version)
    registry: Any = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(definitions) @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)
