"""Dev/prod parity: the app compose builds and the app Kubernetes runs must agree.

Every finding names both places. The domain owns no file: it reads compose files, manifests
and Dockerfiles that other domains own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.compose.files import is_compose_file
from scaffolder.validation.dockerfile.instructions import is_dockerfile
from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families
from scaffolder.validation.parity.pairs import pairs
from scaffolder.validation.parity.rules import FAMILIES


def check(context: Context) -> Result:
    """Every parity rule over every compose service paired with its container."""
    compose_files = [path for path in context.claimed if is_compose_file(path)]
    manifests = [
        path
        for path in context.claimed
        if path.suffix in {".yaml", ".yml"} and not is_compose_file(path)
    ]
    return run_families(FAMILIES, pairs(context, compose_files, manifests), prefix="PAR")


class ParityDomain(BaseDomain):
    """Dev (compose) against prod (Kubernetes)."""

    name = "parity"
    prefix = "PAR"
    families = FAMILIES

    def claim(self, path: Path) -> Claim:
        """Reads compose files, YAML manifests and Dockerfiles."""
        if is_compose_file(path) or is_dockerfile(path) or path.suffix in {".yaml", ".yml"}:
            return Claim.READS
        return Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """One unit, when there are both compose files and manifests."""
        if not any(is_compose_file(path) for path in context.claimed):
            return []
        return [Unit(name="parity", run=lambda: check(context), inputs=context.claimed, tree=True)]
