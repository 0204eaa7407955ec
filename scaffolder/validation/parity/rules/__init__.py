"""The parity rule families, one module each, every one a check over a :class:`ServicePair`."""

from __future__ import annotations

from scaffolder.validation.parity.rules import environment, health, image, ports

FAMILIES = (image, ports, health, environment)
