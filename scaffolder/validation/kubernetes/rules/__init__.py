"""The Kubernetes rule families, one module each.

``SET_FAMILIES`` check an :class:`~scaffolder.validation.kubernetes.objects.ObjectSet`;
``sources`` is reported while loading and rendering, ``suppression`` over the files.
"""

from __future__ import annotations

from scaffolder.validation.kubernetes.rules import (
    api_versions,
    namespaces,
    relations,
    reliability,
    schema,
    security,
    sources,
    suppression,
)

FAMILIES = (
    schema,
    api_versions,
    sources,
    suppression,
    reliability,
    security,
    namespaces,
    relations,
)
SET_FAMILIES = (schema, api_versions, reliability, security, namespaces, relations)
