"""Dockerfile domain: hadolint, plus scaffolder's own rules for production images.

Two units: hadolint (a subprocess over every Dockerfile, keyed by its binary and config) and
scaffolder's rules (keyed by the Dockerfiles and the answer records that give the app port).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.dockerfile.instructions import is_dockerfile, load, records
from scaffolder.validation.dockerfile.rules import FAMILIES, IMAGE_FAMILIES, hadolint, suppression
from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families


def check_images(context: Context) -> Result:
    """Scaffolder's own rules over every Dockerfile, and unexplained suppressions."""
    dockerfiles = [load(context, path) for path in sorted(context.owned)]
    found = run_families(IMAGE_FAMILIES, [d for d in dockerfiles if d is not None], prefix="DOCKER")
    return Result((*suppression.check(context), *found.findings))


class DockerfileDomain(BaseDomain):
    """Dockerfiles."""

    name = "dockerfile"
    prefix = "DOCKER"
    families = FAMILIES

    def claim(self, path: Path) -> Claim:
        """Dockerfiles, by their names."""
        return Claim.OWNS if is_dockerfile(path) else Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """The hadolint unit and the rules unit."""
        if not context.owned:
            return []
        dockerfiles = tuple(sorted(context.owned))
        binary = hadolint.hadolint_binary()
        config = context.base / hadolint.CONFIG
        answer_records = sorted({r for path in dockerfiles for r in records(path, context.base)})
        return [
            Unit(
                name="hadolint",
                run=lambda: Result(tuple(hadolint.check(context, dockerfiles, binary))),
                inputs=(*dockerfiles, *([config] if config.is_file() else [])),
                facts=(str(binary),),
            ),
            Unit(
                name="images",
                run=lambda: check_images(context),
                inputs=(*dockerfiles, *(r for r in answer_records if r.is_file())),
            ),
        ]
