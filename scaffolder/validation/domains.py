"""The domains scaffolder runs: one line each. Adding a domain is its package plus a line here."""

from __future__ import annotations

from scaffolder.validation.compose import DOMAIN as COMPOSE
from scaffolder.validation.dockerfile import DOMAIN as DOCKERFILE
from scaffolder.validation.domain import Domain
from scaffolder.validation.infra import DOMAIN as INFRA
from scaffolder.validation.kubernetes import DOMAIN as KUBERNETES
from scaffolder.validation.parity import DOMAIN as PARITY
from scaffolder.validation.rego import DOMAIN as REGO
from scaffolder.validation.spacelift import DOMAIN as SPACELIFT
from scaffolder.validation.terraform import DOMAIN as TERRAFORM

DOMAINS: tuple[Domain, ...] = (
    TERRAFORM,
    SPACELIFT,
    KUBERNETES,
    COMPOSE,
    DOCKERFILE,
    PARITY,
    INFRA,
    REGO,
)
