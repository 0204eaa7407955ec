"""Published ports: no two services on one host port, and loopback unless others must reach it."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.compose.files import ComposeFile
from scaffolder.validation.model import Finding, Rule, Severity

PORT_CONFLICT = Rule(
    "COMPOSE007", "host-port-conflict", Severity.ERROR, "Two services publish the same host port."
)
ALL_INTERFACES = Rule(
    "COMPOSE008",
    "port-on-all-interfaces",
    Severity.WARNING,
    "A port is published on every interface (0.0.0.0), not just loopback.",
)
RULES = (PORT_CONFLICT, ALL_INTERFACES)


def check(compose: ComposeFile) -> Iterator[Finding]:
    """COMPOSE007 and COMPOSE008 over every published port."""
    published: dict[tuple[str, str, str], str] = {}
    for name, service in compose.services().items():
        for index, port in enumerate(service.get("ports") or []):
            host_ip, host_port, protocol = published_port(port)
            if host_port is None:
                continue
            steps: list[str | int] = ["services", name, "ports", index]
            if host_ip in {None, "0.0.0.0", "::"}:
                yield compose.finding(
                    ALL_INTERFACES,
                    steps,
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
                yield compose.finding(
                    PORT_CONFLICT,
                    steps,
                    f"service `{name}` publishes host port {host_port}/{protocol}, already "
                    f"published by `{clash}`",
                )
            published.setdefault(key, name)


def published_port(port: object) -> tuple[str | None, str | None, str]:
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
