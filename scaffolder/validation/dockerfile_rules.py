"""scaffolder's own Dockerfile rules, on top of hadolint: what a production image must get right.

Dockerfiles are parsed here line by line (continuations, comments, parser directives): the
format is small, and the rules need only instructions, their arguments and their lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffolder.validation.model import Finding, Rule, Severity


def _rule(rule_id: str, name: str, severity: Severity, summary: str) -> Rule:
    return Rule(rule_id, name, "dockerfile", severity, summary)


W = Severity.WARNING
ROOT_USER = _rule("DOCKER004", "final-stage-root", W, "The final stage runs as root.")
NO_HEALTHCHECK = _rule("DOCKER005", "no-healthcheck", W, "The final stage has no HEALTHCHECK.")
UNPINNED_BASE = _rule(
    "DOCKER006", "unpinned-base-image", W, "A base image is untagged or `latest`."
)
EXPOSE = _rule("DOCKER007", "expose-port", W, "EXPOSE is missing or disagrees with the app's port.")
REMOTE_ADD = _rule("DOCKER008", "add-remote-url", W, "ADD fetches a remote URL.")
SECRET_NAME = _rule("DOCKER009", "secret-in-env-arg", W, "ENV or ARG names look like secrets.")
RULES = (ROOT_USER, NO_HEALTHCHECK, UNPINNED_BASE, EXPOSE, REMOTE_ADD, SECRET_NAME)

_SECRET_WORDS = {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "CREDENTIALS"}
_KEY_KINDS = {"API", "PRIVATE", "ACCESS", "SECRET", "SIGNING"}


def looks_secret(name: str) -> bool:
    """A variable name whose words say it holds a secret (`DB_PASSWORD`, not `TOKENIZER`)."""
    words = name.upper().split("_")
    if _SECRET_WORDS & set(words):
        return True
    return any(
        word == "KEY" and index and words[index - 1] in _KEY_KINDS
        for index, word in enumerate(words)
    )


_FROM = re.compile(r"^(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<alias>\S+))?$", re.I)


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


def app_port(dockerfile: Path, root: Path) -> int | None:
    """The app port recorded in the nearest `.scaffolder.json` between the file and ``root``."""
    for directory in [dockerfile.parent, *dockerfile.parent.parents]:
        record = directory / ".scaffolder.json"
        if record.is_file():
            try:
                port = json.loads(record.read_text(encoding="utf-8"))["answers"]["app_port"]
                return int(port)
            except (OSError, ValueError, KeyError, TypeError):
                return None
        if directory == root:
            break
    return None


def check(root: Path, dockerfiles: list[Path]) -> Iterator[Finding]:
    """Check every file in ``dockerfiles`` with scaffolder's own rules."""
    for path in dockerfiles:
        try:
            items = instructions(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        relative = path.relative_to(root).as_posix()
        yield from (
            Finding(relative, line, column, rule.id, rule.severity, message)
            for rule, line, column, message in check_instructions(items, app_port(path, root))
        )


def check_instructions(
    items: list[Instruction], port: int | None
) -> Iterator[tuple[Rule, int, int, str]]:
    """The rules over one Dockerfile's instructions; ``port`` is the app's, when known."""
    aliases: set[str] = set()
    for item in items:
        if item.keyword == "FROM":
            match = _FROM.match(item.arguments)
            if match is None:
                continue
            image = match["image"]
            if match["alias"]:
                aliases.add(match["alias"].lower())
            name = image.rsplit("/", 1)[-1]
            pinned = "@" in image or (":" in name and not name.endswith(":latest"))
            if (
                image.lower() not in aliases
                and image != "scratch"
                and "$" not in image
                and not pinned
            ):
                yield (
                    UNPINNED_BASE,
                    item.line,
                    item.column,
                    f"base image `{image}` is untagged or `latest`; pin a version or digest",
                )
        elif item.keyword == "ADD":
            for token in item.arguments.split():
                if re.match(r"^https?://", token):
                    yield (
                        REMOTE_ADD,
                        item.line,
                        item.column,
                        f"ADD fetches `{token}`; download with a checksum in a RUN step instead",
                    )
        elif item.keyword in {"ENV", "ARG"}:
            names = re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", item.arguments)
            for name in names:
                if looks_secret(name):
                    yield (
                        SECRET_NAME,
                        item.line,
                        item.column,
                        f"{item.keyword} `{name}` looks like a secret: it stays in the image "
                        "history; pass it at run time or with a build secret mount",
                    )
    stage = final_stage(items)
    if not stage:
        return
    head = stage[0]
    users = [item for item in stage if item.keyword == "USER"]
    if not users:
        yield (
            ROOT_USER,
            head.line,
            head.column,
            "the final stage sets no USER, so the container runs as root",
        )
    else:
        user = users[-1].arguments.split(":", 1)[0].strip()
        if user in {"root", "0"}:
            yield (
                ROOT_USER,
                users[-1].line,
                users[-1].column,
                f"the final stage runs as `{user}`; switch to an unprivileged user",
            )
    if not any(item.keyword == "HEALTHCHECK" for item in stage):
        yield (
            NO_HEALTHCHECK,
            head.line,
            head.column,
            "the final stage has no HEALTHCHECK: Docker cannot tell a hung app from a live one",
        )
    exposed = exposed_ports(items)
    if not exposed:
        yield (
            EXPOSE,
            head.line,
            head.column,
            "the final stage EXPOSEs no port" + (f"; the app listens on {port}" if port else ""),
        )
    elif port is not None and port not in {number for number, _ in exposed}:
        number, item = exposed[0]
        yield (
            EXPOSE,
            item.line,
            item.column,
            f"EXPOSE {number} disagrees with the app port {port} (.scaffolder.json)",
        )
