"""Rego domain: every `*.rego` file parses, with OPA when the `rego` extra is installed.

One unit per file, keyed by its content and the engine's version, so installing the engine
re-checks files that were only reported as unparsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.domain import BaseDomain, Claim, Context, Unit, run_families
from scaffolder.validation.rego.engine import engine_version, load
from scaffolder.validation.rego.rules import FAMILIES


def is_rego(path: Path) -> bool:
    """A Rego policy or module."""
    return path.suffix == ".rego"


class RegoDomain(BaseDomain):
    """Rego policy files."""

    name = "rego"
    prefix = "REGO"
    families = FAMILIES

    def claim(self, path: Path) -> Claim:
        """`*.rego`, by its suffix."""
        return Claim.OWNS if is_rego(path) else Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """One unit per Rego file."""
        if not context.owned:
            return []
        version = engine_version() or "no engine"

        def unit(path: Path) -> Unit:
            return Unit(
                name=f"rego:{path.name}",
                run=lambda: run_families(FAMILIES, [load(context, path)], prefix=self.prefix),
                inputs=(path,),
                facts=(version,),
            )

        return [unit(path) for path in sorted(context.owned)]
