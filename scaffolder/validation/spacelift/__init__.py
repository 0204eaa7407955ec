"""Spacelift domain: runtime config and stack wiring.

``config.py`` and ``wiring.py`` are the adapters (config.yml; stacks in the management
Terraform), ``repository.py`` the view the rules check, ``domain.py`` the entry point,
``graph.py`` the stack graph, and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.spacelift.domain import SpaceliftDomain

__all__ = ["DOMAIN"]

DOMAIN = SpaceliftDomain()
