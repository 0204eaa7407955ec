"""Compose domain: the Compose Specification plus the references compose itself resolves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.compose.files import (
    is_compose_file,
    is_override,
    load,
    referenced_paths,
)
from scaffolder.validation.compose.rules import FAMILIES, REFERENCE_FAMILIES, spec, suppression
from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families


def check(context: Context) -> Result:
    """Every compose rule over every compose file under the root."""
    files = [load(context, path) for path in sorted(context.owned)]
    first = run_families((suppression, spec), files, prefix="COMPOSE")
    # A file that breaks the spec is still checked for references (the rules read fields by
    # type); only a file without data (unreadable, not YAML) is not. An override's references
    # resolve against the main file it is merged onto.
    complete = [
        compose for compose in files if compose.error is None and not is_override(compose.path)
    ]
    return Result(
        first.findings + run_families(REFERENCE_FAMILIES, complete, prefix="COMPOSE").findings
    )


class ComposeDomain(BaseDomain):
    """Docker Compose files."""

    name = "compose"
    prefix = "COMPOSE"
    families = FAMILIES

    def claim(self, path: Path) -> Claim:
        """Compose files, by their names."""
        return Claim.OWNS if is_compose_file(path) else Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """One unit for every compose file; build contexts and env files make it tree-keyed."""
        if not context.owned:
            return []
        referenced = {
            path
            for compose in sorted(context.owned)
            for path in referenced_paths(load(context, compose))
        }
        return [
            Unit(
                name="compose",
                run=lambda: check(context),
                inputs=(*sorted(context.owned), *sorted(referenced - context.owned)),
                tree=True,
            )
        ]
