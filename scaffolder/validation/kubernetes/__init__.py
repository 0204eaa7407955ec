"""Kubernetes domain: manifests and kustomizations.

``manifests.py`` is the adapter (loading, kustomize renders, placing rendered objects back in
their files), ``objects.py`` the view the rules check, ``schemas.py`` the schema source,
``domain.py`` the entry point, and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.kubernetes.domain import KubernetesDomain
from scaffolder.validation.kubernetes.schemas import DEFAULT_VERSION

__all__ = ["DEFAULT_VERSION", "DOMAIN"]

DOMAIN = KubernetesDomain()
