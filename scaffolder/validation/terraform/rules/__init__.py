"""The Terraform rule families, one module each: metadata and checks side by side.

Families with a ``check(module)`` run on every module; ``module_calls`` runs across modules and
``syntax`` is reported while parsing. The order is the order of ``scaffolder rules``' sources.
"""

from __future__ import annotations

from scaffolder.validation.terraform.rules import (
    blocks,
    defaults,
    documentation,
    duplicates,
    expressions,
    meta_arguments,
    module_calls,
    module_sources,
    references,
    settings,
    style,
    suppression,
    syntax,
    unused,
    variables,
)

FAMILIES = (
    syntax,
    suppression,
    references,
    module_calls,
    duplicates,
    meta_arguments,
    blocks,
    defaults,
    settings,
    expressions,
    module_sources,
    variables,
    unused,
    documentation,
    style,
)
#: The families that check one module at a time.
MODULE_FAMILIES = tuple(family for family in FAMILIES if hasattr(family, "check"))
