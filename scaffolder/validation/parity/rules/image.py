"""The image compose builds is the one a Kubernetes workload runs."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.parity.pairs import ServicePair, image_name

IMAGE = Rule(
    "PAR001",
    "image-mismatch",
    Severity.WARNING,
    "No Kubernetes workload runs the image compose builds.",
)
RULES = (IMAGE,)


def check(pair: ServicePair) -> Iterator[Finding]:
    """PAR001 for a service no container runs."""
    if pair.container is not None:
        return
    others = ", ".join(
        f"`{c.workload}` runs `{c.data.get('image')}` ({pair.context.relative(c.path)})"
        for c in pair.containers[:3]
    )
    image = image_name(str(pair.service["image"]))
    yield pair.finding(
        IMAGE,
        ["image"],
        f"service `{pair.name}` builds image `{image}`, but no Kubernetes workload runs it: "
        f"{others}",
    )
