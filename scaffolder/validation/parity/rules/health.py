"""The health path compose checks is one the Kubernetes probes use."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.parity.pairs import ServicePair, get, health_paths

HEALTH = Rule(
    "PAR003",
    "health-path-mismatch",
    Severity.WARNING,
    "compose checks a health path no probe uses.",
)
RULES = (HEALTH,)


def check(pair: ServicePair) -> Iterator[Finding]:
    """PAR003 for every compose health path that no probe requests."""
    container = pair.container
    if container is None:
        return
    probe_paths = {
        str(get(container.data, [probe, "httpGet", "path"]))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe")
        if get(container.data, [probe, "httpGet", "path"])
    }
    for health in sorted(health_paths(pair.service.get("healthcheck"))):
        if probe_paths and health not in probe_paths:
            yield pair.finding(
                HEALTH,
                ["healthcheck", "test"],
                f"service `{pair.name}` checks `{health}`, but the probes of "
                f"`{container.workload}` use {', '.join(f'`{p}`' for p in sorted(probe_paths))} "
                f"({pair.where(container, 'livenessProbe')})",
            )
