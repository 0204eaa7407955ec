"""Compose domain: the Compose Specification (compose-spec) plus cross references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.model import finding_at as _finding
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
NETWORK = Rule(
    id="COMPOSE005",
    name="undeclared-network",
    domain="compose",
    severity=Severity.ERROR,
    summary="A service joins a network that the top-level `networks` does not declare.",
)
SECRET = Rule(
    id="COMPOSE006",
    name="undeclared-secret",
    domain="compose",
    severity=Severity.ERROR,
    summary="A service uses a secret or config that the top level does not declare.",
)
PORT_CONFLICT = Rule(
    id="COMPOSE007",
    name="host-port-conflict",
    domain="compose",
    severity=Severity.ERROR,
    summary="Two services publish the same host port.",
)
ALL_INTERFACES = Rule(
    id="COMPOSE008",
    name="port-on-all-interfaces",
    domain="compose",
    severity=Severity.WARNING,
    summary="A port is published on every interface (0.0.0.0), not just loopback.",
)
BUILD_CONTEXT = Rule(
    id="COMPOSE009",
    name="build-context-missing",
    domain="compose",
    severity=Severity.ERROR,
    summary="A service's `build` context does not exist.",
)
ENV_FILE = Rule(
    id="COMPOSE010",
    name="env-file-missing",
    domain="compose",
    severity=Severity.ERROR,
    summary="A service's `env_file` does not exist.",
)
ENV_FILE_EXAMPLE = Rule(
    id="COMPOSE011",
    name="env-file-not-created",
    domain="compose",
    severity=Severity.INFO,
    summary="An `env_file` is not created yet, but its `.example` is there.",
)
RULES = (
    SPEC,
    DEPENDS_ON,
    VOLUME,
    SUPPRESSION_REASON,
    NETWORK,
    SECRET,
    PORT_CONFLICT,
    ALL_INTERFACES,
    BUILD_CONTEXT,
    ENV_FILE,
    ENV_FILE_EXAMPLE,
)

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


def _check_file(root: Path, path: Path) -> Iterator[Finding]:
    from compose_spec import PyCompose

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
        yield _finding(root, path, SPEC, 1, 1, f"cannot read: {reason}")
        return
    try:
        documents = load_documents(text)
    except YamlSyntaxError as error:
        yield _finding(root, path, SPEC, error.line, error.column, f"invalid YAML: {error.message}")
        return
    if not documents or not isinstance(documents[0].data, dict):
        yield _finding(root, path, SPEC, 1, 1, "a compose file must be a mapping with `services`")
        return
    document = documents[0]
    # compose-spec's YAML reader does not apply merge keys (`<<: *anchor`), which Compose itself
    # does: a file using them is checked in its merged form, and errors are placed by key path.
    merged = "<<" in text
    try:
        PyCompose.from_yaml(_merged_yaml(document.data) if merged else text)
    except ValueError as error:
        message = _POSITION.sub("", str(error))
        match = _POSITION.search(str(error))
        if merged or match is None:
            prefix = message.split(": ", 1)[0] if ": " in message else ""
            steps: list[str | int] = (
                [p for p in prefix.split(".") if p] if " " not in prefix else []
            )
            line, column = document.locate(steps)
        else:
            line, column = int(match[1]), int(match[2])
        yield _finding(root, path, SPEC, line, column, message)
        return
    if _is_override(path):
        # A partial file: its references resolve against the main file it is merged onto.
        return
    yield from _references(root, path, document)
    yield from _more_references(root, path, document)


def _merged_yaml(data: object) -> str:
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False))


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


def _more_references(root: Path, path: Path, document: Document) -> Iterator[Finding]:
    """Networks, secrets/configs, published ports, build contexts and env files."""
    data = document.data
    services = data.get("services") or {}
    if not isinstance(services, dict):
        return
    networks = set((data.get("networks") or {}).keys()) | {"default"}
    declared = {kind: set((data.get(kind) or {}).keys()) for kind in ("secrets", "configs")}
    published: dict[tuple[str, str, str], str] = {}
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        joined = service.get("networks") or []
        # A list of names or a mapping of name to settings: iterating either gives the names.
        for index, target in enumerate(joined):
            if isinstance(target, str) and target not in networks:
                step: str | int = index if isinstance(joined, list) else target
                line, column = document.locate(["services", name, "networks", step])
                yield _finding(
                    root,
                    path,
                    NETWORK,
                    line,
                    column,
                    f"service `{name}` joins network `{target}`, which top-level `networks` "
                    "does not declare",
                )
        for kind in ("secrets", "configs"):
            for index, entry in enumerate(service.get(kind) or []):
                source = entry.get("source") if isinstance(entry, dict) else entry
                if isinstance(source, str) and source not in declared[kind]:
                    line, column = document.locate(["services", name, kind, index])
                    yield _finding(
                        root,
                        path,
                        SECRET,
                        line,
                        column,
                        f"service `{name}` uses {kind[:-1]} `{source}`, which top-level `{kind}` "
                        "does not declare",
                    )
        for index, port in enumerate(service.get("ports") or []):
            host_ip, host_port, protocol = _published(port)
            if host_port is None:
                continue
            line, column = document.locate(["services", name, "ports", index])
            if host_ip in {None, "0.0.0.0", "::"}:
                yield _finding(
                    root,
                    path,
                    ALL_INTERFACES,
                    line,
                    column,
                    f"service `{name}` publishes port {host_port} on every interface; bind it to "
                    f"127.0.0.1 (`127.0.0.1:{host_port}:…`) unless other machines must reach it",
                )
            key = (host_ip or "0.0.0.0", host_port, protocol)
            clash = next(
                (
                    other
                    for (ip, port_, proto), other in published.items()
                    if port_ == host_port
                    and proto == protocol
                    and (ip == key[0] or "0.0.0.0" in {ip, key[0]})
                ),
                None,
            )
            if clash is not None:
                yield _finding(
                    root,
                    path,
                    PORT_CONFLICT,
                    line,
                    column,
                    f"service `{name}` publishes host port {host_port}/{protocol}, already "
                    f"published by `{clash}`",
                )
            published.setdefault(key, name)
        build = service.get("build")
        context = build_context(service)
        remote = isinstance(context, str) and ("://" in context or "$" in context)
        if isinstance(context, str) and not remote and not (path.parent / context).is_dir():
            steps: list[str | int] = ["services", name, "build"]
            if isinstance(build, dict):
                steps.append("context")
            line, column = document.locate(steps)
            yield _finding(
                root,
                path,
                BUILD_CONTEXT,
                line,
                column,
                f"service `{name}` builds from `{context}`, which is not a directory",
            )
        env_files = service.get("env_file") or []
        if isinstance(env_files, (str, dict)):
            env_files = [env_files]
        for index, entry in enumerate(env_files):
            file = entry.get("path") if isinstance(entry, dict) else entry
            required = entry.get("required", True) if isinstance(entry, dict) else True
            if not isinstance(file, str) or "$" in file or (path.parent / file).is_file():
                continue
            line, column = document.locate(
                ["services", name, "env_file", index]
                if isinstance(service.get("env_file"), list)
                else ["services", name, "env_file"]
            )
            if (path.parent / (file + ".example")).is_file():
                yield _finding(
                    root,
                    path,
                    ENV_FILE_EXAMPLE,
                    line,
                    column,
                    f"service `{name}` reads `{file}`, not created yet; make it from "
                    f"`{file}.example`",
                )
            elif required is not False:
                yield _finding(
                    root,
                    path,
                    ENV_FILE,
                    line,
                    column,
                    f"service `{name}` reads env_file `{file}`, which does not exist",
                )


def build_context(service: dict[str, Any]) -> str | None:
    """The `build` context of a compose service (short or long form), or None."""
    build = service.get("build")
    if isinstance(build, str):
        return build
    context = build.get("context", ".") if isinstance(build, dict) else None
    return context if isinstance(context, str) else None


def _published(port: object) -> tuple[str | None, str | None, str]:
    """Host IP, host port and protocol of a `ports` entry (host port None when not published)."""
    if isinstance(port, dict):
        published = port.get("published")
        return (
            port.get("host_ip"),
            str(published) if published is not None else None,
            str(port.get("protocol", "tcp")),
        )
    text = str(port)
    text, _, protocol = text.partition("/")
    protocol = protocol or "tcp"
    if text.startswith("["):  # [::1]:8080:80
        address, _, rest = text[1:].partition("]:")
        parts = rest.split(":")
        return address, parts[0] if len(parts) == 2 else None, protocol
    parts = text.split(":")
    if len(parts) == 3:
        return parts[0], parts[1], protocol
    if len(parts) == 2:
        return None, parts[0], protocol
    return None, None, protocol


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
