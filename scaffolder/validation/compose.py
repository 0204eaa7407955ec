"""Compose domain: the Compose Specification (compose-spec) plus cross references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.yamlpos import Document, YamlSyntaxError, load_documents

SPEC = Rule(
    id="COMPOSE001",
    name="compose-spec",
    domain="compose",
    severity=Severity.ERROR,
    summary="The compose file is not valid YAML or breaks the Compose Specification.",
)
DEPENDS_ON = Rule(
    id="COMPOSE002",
    name="depends-on-unknown-service",
    domain="compose",
    severity=Severity.ERROR,
    summary="`depends_on` names a service the compose file does not define.",
)
VOLUME = Rule(
    id="COMPOSE003",
    name="undeclared-volume",
    domain="compose",
    severity=Severity.ERROR,
    summary="A service mounts a named volume that the top-level `volumes` does not declare.",
)
SUPPRESSION_REASON = Rule(
    id="COMPOSE004",
    name="suppression-without-reason",
    domain="compose",
    severity=Severity.WARNING,
    summary="A `scaffolder:ignore` comment gives no reason.",
)
RULES = (SPEC, DEPENDS_ON, VOLUME, SUPPRESSION_REASON)

COMPOSE_NAMES = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")
_POSITION = re.compile(r" at line (\d+) column (\d+)$")


def is_compose_file(path: Path) -> bool:
    """``compose.yaml``, ``docker-compose.yml`` and override files such as ``compose.dev.yaml``."""
    return bool(COMPOSE_NAMES.match(path.name))


def _is_override(path: Path) -> bool:
    # An override file (compose.dev.yaml) is merged onto the main file and may be partial.
    match = COMPOSE_NAMES.match(path.name)
    return bool(match and match.group(2))


def check(root: Path, files: list[Path]) -> Iterator[Finding]:
    """Check every compose file in ``files``."""
    for path in files:
        yield from _check_file(root, path)


def _finding(root: Path, path: Path, rule: Rule, line: int, column: int, message: str) -> Finding:
    return Finding(
        path=path.relative_to(root).as_posix(),
        line=line,
        column=column,
        rule=rule.id,
        severity=rule.severity,
        message=message,
    )


def _check_file(root: Path, path: Path) -> Iterator[Finding]:
    from compose_spec import PyCompose

    text = path.read_text(encoding="utf-8")
    try:
        documents = load_documents(text)
    except YamlSyntaxError as error:
        yield _finding(root, path, SPEC, error.line, error.column, f"invalid YAML: {error.message}")
        return
    if not documents or not isinstance(documents[0].data, dict):
        yield _finding(root, path, SPEC, 1, 1, "a compose file must be a mapping with `services`")
        return
    document = documents[0]
    try:
        PyCompose.from_yaml(text)
    except ValueError as error:
        message = str(error)
        match = _POSITION.search(message)
        line, column = (int(match[1]), int(match[2])) if match else (1, 1)
        yield _finding(root, path, SPEC, line, column, _POSITION.sub("", message))
        return
    if _is_override(path):
        # A partial file: its references resolve against the main file it is merged onto.
        return
    yield from _references(root, path, document)


def _references(root: Path, path: Path, document: Document) -> Iterator[Finding]:
    data = document.data
    services = data.get("services") or {}
    declared_volumes = set((data.get("volumes") or {}).keys())
    if not isinstance(services, dict):
        return
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        depends = service.get("depends_on") or []
        targets = list(depends.keys()) if isinstance(depends, dict) else list(depends)
        for index, target in enumerate(targets):
            if target not in services:
                step: str | int = target if isinstance(depends, dict) else index
                line, column = document.locate(["services", name, "depends_on", step])
                yield _finding(
                    root,
                    path,
                    DEPENDS_ON,
                    line,
                    column,
                    f"service `{name}` depends on `{target}`, which is not a service of this file",
                )
        for index, volume in enumerate(service.get("volumes") or []):
            source = _named_volume(volume)
            if source is not None and source not in declared_volumes:
                line, column = document.locate(["services", name, "volumes", index])
                yield _finding(
                    root,
                    path,
                    VOLUME,
                    line,
                    column,
                    f"service `{name}` mounts volume `{source}`, "
                    "which top-level `volumes` does not declare",
                )


def _named_volume(volume: object) -> str | None:
    """The named volume a service mount uses, or None for bind mounts and anonymous volumes."""
    if isinstance(volume, dict):
        source = volume.get("source")
        if volume.get("type", "volume") == "volume" and isinstance(source, str) and source:
            return source
        return None
    if not isinstance(volume, str) or ":" not in volume:
        return None
    source = volume.split(":", 1)[0]
    if source.startswith((".", "/", "~", "$")) or not source:
        return None
    return source
