"""Parity domain: dev/prod parity between compose and Kubernetes.

``pairs.py`` is the adapter (services paired with containers), ``domain.py`` the entry point,
and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.parity.domain import ParityDomain

__all__ = ["DOMAIN"]

DOMAIN = ParityDomain()
