"""Ports agree across compose, the container's `containerPort` and the Dockerfile's EXPOSE."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.dockerfile.instructions import exposed_ports, instructions
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.parity.pairs import ServicePair, container_ports, dockerfile_of

PORT = Rule(
    "PAR002",
    "port-mismatch",
    Severity.WARNING,
    "Ports differ between compose, Kubernetes and EXPOSE.",
)
RULES = (PORT,)


def _target_port(port: object) -> int | None:
    if isinstance(port, dict):
        target = str(port.get("target"))
        return int(target) if target.isdigit() else None
    text = str(port).split("/", 1)[0].rsplit(":", 1)[-1]
    return int(text) if text.isdigit() else None


def check(pair: ServicePair) -> Iterator[Finding]:
    """PAR002 for compose ports and EXPOSE that the container does not declare."""
    container = pair.container
    if container is None:
        return
    ports = container_ports(container)
    if not ports:
        return
    declared = ", ".join(map(str, sorted(ports)))
    for index, port in enumerate(pair.service.get("ports") or []):
        target = _target_port(port)
        if target is not None and target not in ports:
            yield pair.finding(
                PORT,
                ["ports", index],
                f"service `{pair.name}` listens on {target}, but `{container.workload}` declares "
                f"containerPort {declared} ({pair.where(container, 'ports')})",
            )
    dockerfile = dockerfile_of(pair)
    if dockerfile is None:
        return
    try:
        items = instructions(pair.context.files.text(dockerfile))
    except (OSError, UnicodeDecodeError):
        return
    for number, item in exposed_ports(items):
        if number not in ports:
            yield pair.context.finding(
                PORT,
                dockerfile,
                item.line,
                item.column,
                f"EXPOSE {number} disagrees with containerPort {declared} of "
                f"`{container.workload}` ({pair.where(container, 'ports')}), built by compose "
                f"service `{pair.name}`",
            )
