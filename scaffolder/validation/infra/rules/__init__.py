"""The infra rule families, one module each, every one a check over an :class:`Estate`."""

from __future__ import annotations

from scaffolder.validation.infra.rules import (
    access,
    capacity,
    database,
    disruption,
    identity,
    images,
    ingress,
    loadbalancing,
    networking,
    scaling,
    secrets,
    spacelift,
    trust,
)

FAMILIES = (
    spacelift,
    networking,
    ingress,
    identity,
    trust,
    access,
    scaling,
    disruption,
    secrets,
    database,
    capacity,
    images,
    loadbalancing,
)
