"""Compose domain: compose files.

``files.py`` is the adapter (which files are compose files, a positioned view of one),
``domain.py`` the entry point, and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.compose.domain import ComposeDomain

__all__ = ["DOMAIN"]

DOMAIN = ComposeDomain()
