"""Variables and outputs without a description (info, off by default)."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
)
from scaffolder.validation.terraform.syntax import (
    string_value,
)

N = Severity.INFO

DOCUMENTED_VARIABLES = Rule(
    "TF301", "documented-variables", N, "A variable has no `description`.", enabled=False
)
DOCUMENTED_OUTPUTS = Rule(
    "TF302", "documented-outputs", N, "An output has no `description`.", enabled=False
)
RULES = (
    DOCUMENTED_VARIABLES,
    DOCUMENTED_OUTPUTS,
)


def check_documented(module: TerraformModule) -> Iterator[Finding]:
    """TF301, TF302: variables and outputs without a description."""
    for kind, rule in (("variable", DOCUMENTED_VARIABLES), ("output", DOCUMENTED_OUTPUTS)):
        for file, block in module.blocks(kind):
            description = block.attributes.get("description")
            if description is None or string_value(description.value) == "":
                yield at(rule, (file, block), f"{kind} `{block.label(0)}` has no description")


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_documented(module)
