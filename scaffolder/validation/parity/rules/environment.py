"""Every environment variable compose sets reaches the Kubernetes container."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.parity.pairs import ServicePair

ENVIRONMENT = Rule(
    "PAR004",
    "environment-mismatch",
    Severity.WARNING,
    "An environment variable compose sets is missing in Kubernetes.",
)
RULES = (ENVIRONMENT,)


def check(pair: ServicePair) -> Iterator[Finding]:
    """PAR004 for every variable the container gets from neither env, ConfigMap nor Secret."""
    container = pair.container
    if container is None:
        return
    provided = {
        str(item.get("name")) for item in container.data.get("env") or [] if isinstance(item, dict)
    }
    for source in container.data.get("envFrom") or []:
        if not isinstance(source, dict):
            continue
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(key)
            if isinstance(ref, dict):
                keys = pair.sources.get(f"{kind}/{ref.get('name')}")
                if keys is None:
                    # A Secret made elsewhere may provide anything: nothing can be proven missing.
                    return
                provided |= {str(source.get("prefix", "")) + k for k in keys}
    environment = pair.service.get("environment") or {}
    names = (
        list(environment)
        if isinstance(environment, dict)
        else [str(item).split("=", 1)[0] for item in environment]
    )
    for index, variable in enumerate(names):
        if variable not in provided:
            step: str | int = variable if isinstance(environment, dict) else index
            yield pair.finding(
                ENVIRONMENT,
                ["environment", step],
                f"service `{pair.name}` sets `{variable}`, which `{container.workload}` does not "
                f"get from env, a ConfigMap or a Secret ({pair.where(container)})",
            )
