"""Rego domain: policy files (`*.rego`).

``engine.py`` is the adapter (OPA's parser, when the `rego` extra is installed; the view the
rules check), ``domain.py`` the entry point, and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.rego.domain import RegoDomain

__all__ = ["DOMAIN"]

DOMAIN = RegoDomain()
