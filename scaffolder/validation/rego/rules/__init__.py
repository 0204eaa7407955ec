"""The Rego rule families, one module each, every one a check over a :class:`RegoFile`."""

from __future__ import annotations

from scaffolder.validation.rego.rules import syntax

FAMILIES = (syntax,)
