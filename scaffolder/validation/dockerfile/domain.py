"""Dockerfile domain: hadolint, plus scaffolder's own rules for production images.

Two units: hadolint (a subprocess over every Dockerfile, keyed by its binary and config) and
scaffolder's rules (keyed by the Dockerfiles and the answer records that give the app port).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.dockerfile.instructions import is_dockerfile, load, records
from scaffolder.validation.dockerfile.rules import (
    FAMILIES,
    IMAGE_FAMILIES,
    hadolint,
    sources,
    suppression,
)
from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families
from scaffolder.validation.model import Finding


def check_images(context: Context) -> Result:
    """Scaffolder's own rules over every Dockerfile, and unexplained suppressions."""
    loaded = {path: load(context, path) for path in sorted(context.owned)}
    unreadable = [
        context.finding(sources.UNREADABLE, path, 1, 1, f"cannot read: {why}")
        for path, dockerfile in loaded.items()
        if isinstance(dockerfile, str)
        for why in [dockerfile]
    ]
    views = [dockerfile for dockerfile in loaded.values() if not isinstance(dockerfile, str)]
    found = run_families(IMAGE_FAMILIES, views, prefix="DOCKER")
    return Result((*unreadable, *suppression.check(context), *found.findings))


def _readable(context: Context, path: Path) -> bool:
    try:
        context.files.text(path)
    except (OSError, UnicodeDecodeError):
        return False
    return True


class DockerfileDomain(BaseDomain):
    """Dockerfiles."""

    name = "dockerfile"
    prefix = "DOCKER"
    families = FAMILIES
    #: hadolint's rules (Dockerfile) and ShellCheck's (RUN scripts), reported as DOCKER001.
    tool_ids = r"(?:DL|SC)\d{4}"

    def tool_id(self, finding: Finding) -> str | None:
        """The hadolint or ShellCheck rule a DOCKER001 finding reports (`DL3008: ...`)."""
        if finding.rule != hadolint.HADOLINT.id:
            return None
        return finding.message.split(":", 1)[0]

    def claim(self, path: Path) -> Claim:
        """Dockerfiles, by their names."""
        return Claim.OWNS if is_dockerfile(path) else Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """The hadolint unit and the rules unit."""
        if not context.owned:
            return []
        dockerfiles = tuple(sorted(context.owned))
        # hadolint reads the files itself: only those the run could read go to it.
        readable = tuple(path for path in dockerfiles if _readable(context, path))
        binary = hadolint.hadolint_binary()
        configs, environment = hadolint.config_inputs(context.base)
        answer_records = sorted({r for path in dockerfiles for r in records(path, context.base)})
        return [
            Unit(
                name="hadolint",
                run=lambda: Result(tuple(hadolint.check(context, readable, binary))),
                inputs=(*dockerfiles, *configs),
                facts=(str(binary), *environment),
            ),
            Unit(
                name="images",
                run=lambda: check_images(context),
                inputs=(*dockerfiles, *(r for r in answer_records if r.is_file())),
            ),
        ]
