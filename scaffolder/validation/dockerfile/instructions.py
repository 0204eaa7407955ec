"""The adapter for Dockerfiles: instructions with their lines, and the view the rules check.

Dockerfiles are parsed here line by line (continuations, comments, parser directives): the
format is small, and the rules need only instructions, their arguments and their lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from scaffolder.validation.domain import Context
from scaffolder.validation.model import Finding, Rule

#: Where a generated project records its answers (the app port among them).
RECORD_FILE = ".scaffolder.json"


def is_dockerfile(path: Path) -> bool:
    """``Dockerfile``, ``Dockerfile.<x>`` or ``<x>.Dockerfile``."""
    name = path.name
    return name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction: keyword upper-cased, arguments joined across continuations."""

    keyword: str
    arguments: str
    line: int
    column: int


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, with the line each starts on."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    escape = "\\"
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not pending:
            directive = re.match(r"#\s*escape\s*=\s*(\S)", stripped)
            if directive and not found:
                escape = directive.group(1)
            if not stripped or stripped.startswith("#"):
                continue
            start = number
        elif stripped.startswith("#"):
            continue
        if stripped.endswith(escape):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(part.strip() for part in pending)
        keyword, _, arguments = joined.partition(" ")
        indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
        found.append(Instruction(keyword.upper(), arguments.strip(), start, indent + 1))
        pending = []
    return found


def final_stage(items: list[Instruction]) -> list[Instruction]:
    """Instructions of the last stage (from its FROM on)."""
    starts = [index for index, item in enumerate(items) if item.keyword == "FROM"]
    return items[starts[-1] :] if starts else items


def exposed_ports(items: list[Instruction]) -> list[tuple[int, Instruction]]:
    """Ports the final stage EXPOSEs (numbers only; variables are skipped)."""
    ports = []
    for item in final_stage(items):
        if item.keyword == "EXPOSE":
            for token in item.arguments.split():
                number = token.split("/", 1)[0]
                if number.isdigit():
                    ports.append((int(number), item))
    return ports


def records(dockerfile: Path, base: Path) -> list[Path]:
    """The answer records that may hold the app's port: from the file's directory up to base."""
    found = []
    for directory in [dockerfile.parent, *dockerfile.parent.parents]:
        found.append(directory / RECORD_FILE)
        if directory == base:
            break
    return found


@dataclass(frozen=True)
class Dockerfile:
    """One Dockerfile as the rules see it."""

    path: Path
    instructions: list[Instruction]
    #: The port the app listens on, from the nearest `.scaffolder.json`, when known.
    app_port: int | None
    context: Context

    @property
    def location(self) -> str:
        """The file, as findings name it."""
        return self.context.relative(self.path)

    def finding(self, rule: Rule, line: int, column: int, message: str) -> Finding:
        """A finding of ``rule`` in this Dockerfile."""
        return self.context.finding(rule, self.path, line, column, message)


def load(context: Context, path: Path) -> Dockerfile | str:
    """The Dockerfile at ``path``, or why it cannot be read as text."""
    try:
        items = instructions(context.files.text(path))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except OSError as error:
        return str(error.strerror or error)
    return Dockerfile(path, items, _app_port(context, path), context)


def _app_port(context: Context, dockerfile: Path) -> int | None:
    for record in records(dockerfile, context.base):
        if not record.is_file():
            continue
        try:
            port = json.loads(context.files.text(record))["answers"]["app_port"]
            return int(port)
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return None
