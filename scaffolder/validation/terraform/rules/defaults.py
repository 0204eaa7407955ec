"""Variable defaults that cannot convert to the declared type."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
)
from scaffolder.validation.terraform.types import default_mismatch

E = Severity.ERROR

DEFAULT_TYPE = Rule(
    "TF117", "default-type-mismatch", E, "A variable default cannot convert to its type."
)
RULES = (DEFAULT_TYPE,)


def check_default_types(module: TerraformModule) -> Iterator[Finding]:
    """TF117: a constant default that cannot convert to the declared type."""
    for file, block in module.blocks("variable"):
        attrs = block.attributes
        if "type" in attrs and "default" in attrs:
            problem = default_mismatch(attrs["type"].value, attrs["default"].value)
            if problem:
                yield at(
                    DEFAULT_TYPE,
                    (file, attrs["default"]),
                    f"default of `var.{block.label(0)}` does not match its type: {problem}",
                )


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_default_types(module)
