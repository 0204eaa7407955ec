"""Unknown top-level blocks, wrong label counts, invalid or reserved names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    BLOCK_LABELS,
    TerraformModule,
    at,
)
from scaffolder.validation.terraform.syntax import (
    Attribute,
)

E = Severity.ERROR

INVALID_NAME = Rule(
    "TF116", "invalid-block", E, "Unknown top-level block, wrong labels or an invalid name."
)
RULES = (INVALID_NAME,)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


_RESERVED_VARIABLES = {
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
}


def check_blocks(module: TerraformModule) -> Iterator[Finding]:
    """TF116: unknown top-level blocks, wrong label counts, invalid or reserved names."""
    for hcl in module.files:
        for item in hcl.body:
            if isinstance(item, Attribute):
                yield at(
                    INVALID_NAME,
                    (hcl.path, item),
                    f"argument `{item.name}` is not allowed at the top level; blocks only",
                )
                continue
            expected = BLOCK_LABELS.get(item.type)
            if expected is None:
                yield at(INVALID_NAME, (hcl.path, item), f"unknown block type `{item.type}`")
                continue
            if len(item.labels) != expected:
                yield at(
                    INVALID_NAME,
                    (hcl.path, item),
                    f"`{item.type}` block takes {expected} label{'s' if expected != 1 else ''}, "
                    f"found {len(item.labels)}",
                )
                continue
            for label in item.labels:
                if not label.valid or not _IDENTIFIER.match(label.value):
                    shown = label.value if label.valid else "a template"
                    yield INVALID_NAME.at(
                        hcl.path,
                        label.line,
                        label.column,
                        f"invalid name `{shown}` in `{item.type}` block: a name starts with a "
                        "letter or underscore and has only letters, digits, underscores and dashes",
                    )
            if item.type == "variable" and item.labels and item.label(0) in _RESERVED_VARIABLES:
                label = item.labels[0]
                yield INVALID_NAME.at(
                    hcl.path,
                    label.line,
                    label.column,
                    f"variable name `{label.value}` is reserved for module calls",
                )
        for block in hcl.blocks("locals"):
            for attr in block.body:
                if isinstance(attr, Attribute) and not _IDENTIFIER.match(attr.name):
                    yield at(INVALID_NAME, (hcl.path, attr), f"invalid local name `{attr.name}`")


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_blocks(module)
