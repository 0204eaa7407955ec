"""Naming, the standard module structure and comment syntax (info, off by default)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
)

N = Severity.INFO

NAMING_CONVENTION = Rule(
    "TF303", "naming-convention", N, "A name is not snake_case.", enabled=False
)
STANDARD_STRUCTURE = Rule(
    "TF304",
    "standard-module-structure",
    N,
    "The module departs from the standard layout.",
    enabled=False,
)
COMMENT_SYNTAX = Rule("TF306", "comment-syntax", N, "A `//` comment; use `#`.", enabled=False)
RULES = (
    NAMING_CONVENTION,
    STANDARD_STRUCTURE,
    COMMENT_SYNTAX,
)


_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def check_naming(module: TerraformModule) -> Iterator[Finding]:
    """TF303: names that are not snake_case."""
    for file, block in module.blocks():
        index = {"resource": 1, "data": 1, "ephemeral": 1}.get(block.type, 0)
        named = {"variable", "output", "module", "resource", "data", "ephemeral", "check"}
        if (
            block.type in named
            and len(block.labels) > index
            and not _SNAKE.match(block.label(index))
        ):
            label = block.labels[index]
            yield NAMING_CONVENTION.at(
                file,
                label.line,
                label.column,
                f"{block.type} name `{label.value}` is not snake_case",
            )
    for name, places in module.locals.items():
        if not _SNAKE.match(name):
            yield at(NAMING_CONVENTION, places[0], f"local name `{name}` is not snake_case")


def check_structure(module: TerraformModule) -> Iterator[Finding]:
    """TF304: main.tf/variables.tf/outputs.tf exist and hold what their names say."""
    names = {hcl.path for hcl in module.files}
    first = sorted(names)[0] if names else "main.tf"
    for required in ("main.tf", "variables.tf", "outputs.tf"):
        if required not in names:
            yield STANDARD_STRUCTURE.at(
                first, 1, 1, f"module has no `{required}` (standard structure)"
            )
    for kind, home in (("variable", "variables.tf"), ("output", "outputs.tf")):
        for file, block in module.blocks(kind):
            if file != home and home in names:
                yield at(
                    STANDARD_STRUCTURE,
                    (file, block),
                    f"{kind} `{block.label(0)}` belongs in `{home}`",
                )


def check_comments(module: TerraformModule) -> Iterator[Finding]:
    """TF306: ``//`` comments."""
    for hcl in module.files:
        for comment in hcl.comments:
            if comment.text.startswith("//"):
                yield COMMENT_SYNTAX.at(
                    hcl.path,
                    comment.line,
                    comment.column,
                    "`//` comment; Terraform style is `#`",
                )


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_naming(module)
    yield from check_structure(module)
    yield from check_comments(module)
