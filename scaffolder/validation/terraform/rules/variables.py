"""Variables without a type."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
)

W = Severity.WARNING

TYPED_VARIABLES = Rule("TF210", "typed-variables", W, "A variable has no `type`.")
RULES = (TYPED_VARIABLES,)


def check_typed_variables(module: TerraformModule) -> Iterator[Finding]:
    """TF210: variables without ``type``."""
    for file, block in module.blocks("variable"):
        if "type" not in block.attributes:
            yield at(TYPED_VARIABLES, (file, block), f"variable `{block.label(0)}` has no `type`")


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_typed_variables(module)
