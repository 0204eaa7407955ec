"""Names declared twice in a module and arguments set twice in a block."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    Located,
    TerraformModule,
    at,
    is_override,
)
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
)

E = Severity.ERROR

DUPLICATE_DECLARATION = Rule(
    "TF110", "duplicate-declaration", E, "A name is declared twice in one module."
)
DUPLICATE_ATTRIBUTE = Rule(
    "TF111", "duplicate-attribute", E, "An argument is set twice in one block."
)
RULES = (
    DUPLICATE_DECLARATION,
    DUPLICATE_ATTRIBUTE,
)
#: Rules that would misreport what an unparsable file declares or uses.
COMPLETE_MODULE_ONLY = (DUPLICATE_DECLARATION,)


def check_duplicates(module: TerraformModule) -> Iterator[Finding]:
    """TF110: two declarations of one name (override files merge and are left out)."""
    tables = (
        ("variable", module.variables, "var."),
        ("local value", module.locals, "local."),
        ("output", module.outputs, "output."),
        ("module call", module.modules, "module."),
        ("resource", module.resources, ""),
        ("data source", module.data, "data."),
        ("ephemeral resource", module.ephemerals, "ephemeral."),
        ("provider configuration", module.providers, "provider."),
    )
    for kind, table, prefix in tables:
        for name, places in table.items():
            places = [place for place in places if not is_override(place.file)]
            first = places[0] if places else None
            for place in places[1:]:
                assert first is not None
                yield at(
                    DUPLICATE_DECLARATION,
                    place,
                    f"duplicate {kind} `{prefix}{name}`; first declared at "
                    f"{first.file}:{first.line}",
                )
    for setting in ("backend", "cloud", "required_providers"):
        seen: Located | None = None
        for file, block in module.blocks("terraform"):
            if is_override(file):
                continue
            for nested in block.blocks(setting):
                if seen is not None:
                    what = (
                        "`required_providers` block"
                        if setting == "required_providers"
                        else "`backend` or `cloud` block"
                    )
                    yield at(
                        DUPLICATE_DECLARATION,
                        (file, nested),
                        f"duplicate {what}; first at {seen.file}:{seen.line}",
                    )
                else:
                    seen = Located(file, nested)


def check_duplicate_attributes(module: TerraformModule) -> Iterator[Finding]:
    """TF111: an argument set twice in the same block (a repeated local is TF110's)."""
    for hcl in module.files:
        stack: list[Block] = [block for block in hcl.blocks() if block.type != "locals"]
        while stack:
            block = stack.pop()
            seen: dict[str, Attribute] = {}
            for item in block.body:
                if isinstance(item, Block):
                    stack.append(item)
                elif item.name in seen:
                    yield at(
                        DUPLICATE_ATTRIBUTE,
                        (hcl.path, item),
                        f"argument `{item.name}` is already set at line {seen[item.name].line}",
                    )
                else:
                    seen[item.name] = item


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_duplicates(module)
    yield from check_duplicate_attributes(module)
