"""Variables, locals and data sources nothing refers to."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
)

W = Severity.WARNING

UNUSED_DECLARATIONS = Rule(
    "TF211", "unused-declarations", W, "A variable, local or data source is never used."
)
RULES = (UNUSED_DECLARATIONS,)
#: Rules that would misreport what an unparsable file declares or uses.
COMPLETE_MODULE_ONLY = RULES


def check_unused(module: TerraformModule) -> Iterator[Finding]:
    """TF211: variables, locals and data sources nothing refers to."""
    if module.json_names:
        return
    used: set[tuple[str, ...]] = set()
    for ref in module.references:
        names = ref.names
        if len(names) >= 2 and names[1] is not None:
            used.add((str(names[0]), names[1]))
            if len(names) >= 3 and names[2] is not None:
                used.add((str(names[0]), names[1], names[2]))
    for name, places in module.variables.items():
        if ("var", name) not in used:
            yield at(UNUSED_DECLARATIONS, places[0], f"variable `{name}` is declared but not used")
    for name, places in module.locals.items():
        if ("local", name) not in used:
            yield at(
                UNUSED_DECLARATIONS, places[0], f"local value `{name}` is declared but not used"
            )
    for name, places in module.data.items():
        data_type, _, data_name = name.partition(".")
        if ("data", data_type, data_name) not in used:
            yield at(
                UNUSED_DECLARATIONS,
                places[0],
                f"data source `data.{name}` is declared but not used",
            )


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_unused(module)
