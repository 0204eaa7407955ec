"""The adapter for compose files: which files they are, and a positioned view of one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.validation.domain import Context
from scaffolder.validation.model import Finding, Rule
from scaffolder.validation.yamlpos import Document, YamlSyntaxError

COMPOSE_NAMES = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")


def is_compose_file(path: Path) -> bool:
    """``compose.yaml``, ``docker-compose.yml`` and override files such as ``compose.dev.yaml``."""
    return bool(COMPOSE_NAMES.match(path.name))


def is_override(path: Path) -> bool:
    """An override file (``compose.dev.yaml``): merged onto the main file, and may be partial."""
    match = COMPOSE_NAMES.match(path.name)
    return bool(match and match.group(2))


@dataclass(frozen=True)
class ComposeFile:
    """One compose file: its text and YAML document, or why it has none."""

    path: Path
    context: Context
    text: str | None = None
    document: Document | None = None
    #: Why the file could not be read, or its YAML parsed: (line, column, message).
    error: tuple[int, int, str] | None = None

    @property
    def location(self) -> str:
        """The file, as findings name it."""
        return self.context.relative(self.path)

    @property
    def data(self) -> dict[str, Any]:
        """The top-level mapping (empty when there is none)."""
        data = self.document.data if self.document is not None else None
        return data if isinstance(data, dict) else {}

    def services(self) -> dict[str, dict[str, Any]]:
        """Service name -> settings, for the services whose settings are a mapping."""
        services = self.data.get("services") or {}
        if not isinstance(services, dict):
            return {}
        return {str(k): v for k, v in services.items() if isinstance(v, dict)}

    def locate(self, steps: list[str | int]) -> tuple[int, int]:
        """Line and column of the deepest node of ``steps`` that exists."""
        return self.document.locate(steps) if self.document is not None else (1, 1)

    def finding(self, rule: Rule, steps: list[str | int], message: str) -> Finding:
        """A finding of ``rule`` at the node ``steps`` leads to."""
        return self.context.finding(rule, self.path, *self.locate(steps), message)


def load(context: Context, path: Path) -> ComposeFile:
    """The compose file at ``path``, read through the run's file set."""
    try:
        text = context.files.text(path)
    except (OSError, UnicodeDecodeError) as error:
        reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
        return ComposeFile(path, context, error=(1, 1, f"cannot read: {reason}"))
    try:
        documents = context.files.yaml(path)
    except YamlSyntaxError as error:
        return ComposeFile(
            path, context, text, error=(error.line, error.column, f"invalid YAML: {error.message}")
        )
    if not documents or not isinstance(documents[0].data, dict):
        return ComposeFile(
            path, context, text, error=(1, 1, "a compose file must be a mapping with `services`")
        )
    return ComposeFile(path, context, text, documents[0])


def referenced_paths(compose: ComposeFile) -> list[Path]:
    """The paths outside the file that decide its findings: build contexts and env files.

    They go into the cache key whether or not they exist (and may sit in hidden directories or
    outside the root, where discovery does not look), so creating or removing one is seen.
    """
    directory = compose.path.parent
    found: list[Path] = []
    for service in compose.services().values():
        context = build_context(service)
        if isinstance(context, str) and "://" not in context and "$" not in context:
            found.append(directory / context)
            build = service.get("build")
            name = build.get("dockerfile") if isinstance(build, dict) else None
            found.append(directory / context / (name if isinstance(name, str) else "Dockerfile"))
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            file = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(file, str) and "$" not in file:
                found += [directory / file, directory / (file + ".example")]
    return found


def build_context(service: dict[str, Any]) -> str | None:
    """The `build` context of a compose service (short or long form), or None."""
    build = service.get("build")
    if isinstance(build, str):
        return build
    context = build.get("context", ".") if isinstance(build, dict) else None
    return context if isinstance(context, str) else None
