"""Infra ↔ Kubernetes domain: the Terraform that builds a cluster against the manifests on it.

``estate.py`` is the adapter (resources, rendered object sets, which set runs on which
cluster), ``domain.py`` the entry point, and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.infra.domain import InfraDomain

__all__ = ["DOMAIN"]

DOMAIN = InfraDomain()
