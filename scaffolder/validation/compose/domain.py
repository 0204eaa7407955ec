"""Compose domain: the Compose Specification plus the references compose itself resolves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.compose.files import is_compose_file, is_override, load
from scaffolder.validation.compose.rules import FAMILIES, REFERENCE_FAMILIES, spec, suppression
from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit
from scaffolder.validation.model import Finding


def check(context: Context) -> Result:
    """Every compose rule over every compose file under the root."""
    findings: list[Finding] = []
    for path in sorted(context.owned):
        compose = load(context, path)
        findings.extend(suppression.check(compose))
        invalid = list(spec.check(compose))
        findings.extend(invalid)
        if invalid or is_override(path):
            # An override's references resolve against the main file it is merged onto.
            continue
        for family in REFERENCE_FAMILIES:
            findings.extend(family.check(compose))
    return Result(tuple(findings))


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
        return [
            Unit(
                name="compose",
                run=lambda: check(context),
                inputs=tuple(sorted(context.owned)),
                tree=True,
            )
        ]
