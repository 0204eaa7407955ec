"""Meta-arguments where they mean nothing: `count` with `for_each`, `count.index`, `each`, `self`.

These are errors `terraform validate` reports.
"""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
    describe,
)

E = Severity.ERROR

COUNT_AND_FOR_EACH = Rule(
    "TF112", "count-and-for-each", E, "A block sets both `count` and `for_each`."
)
COUNT_INDEX = Rule("TF113", "count-index-without-count", E, "`count.index` used without `count`.")
EACH_WITHOUT_FOR_EACH = Rule(
    "TF114", "each-without-for-each", E, "`each.key`/`each.value` used without `for_each`."
)
SELF_REFERENCE = Rule(
    "TF115", "invalid-self", E, "`self` used outside provisioner, connection and postcondition."
)
RULES = (
    COUNT_AND_FOR_EACH,
    COUNT_INDEX,
    EACH_WITHOUT_FOR_EACH,
    SELF_REFERENCE,
)


def check_count_and_for_each(module: TerraformModule) -> Iterator[Finding]:
    """TF112: ``count`` and ``for_each`` together."""
    for file, block in module.blocks():
        attrs = block.attributes
        if "count" in attrs and "for_each" in attrs:
            yield at(
                COUNT_AND_FOR_EACH,
                (file, attrs["for_each"]),
                f"{describe(block)} sets both `count` and `for_each`",
            )


def check_count_each_self(module: TerraformModule) -> Iterator[Finding]:
    """TF113-TF115: ``count.index``, ``each.*`` and ``self`` where they have no meaning."""
    for ref in module.references:
        root = ref.names[0]
        block = ref.block
        if block is None:
            continue
        attrs = block.attributes
        if root == "count" and ref.names[1:2] == ("index",) and "count" not in attrs:
            yield COUNT_INDEX.at(
                ref.file,
                ref.line,
                ref.column,
                f"`count.index` in {describe(block)}, which does not set `count`",
            )
        elif root == "each" and "for_each" not in attrs:
            yield EACH_WITHOUT_FOR_EACH.at(
                ref.file,
                ref.line,
                ref.column,
                f"`each.{ref.names[1] or ''}` in {describe(block)}, which does not set `for_each`",
            )
        elif root == "self" and not (
            {"provisioner", "connection"} & set(ref.path) or "postcondition" in ref.path
        ):
            yield SELF_REFERENCE.at(
                ref.file,
                ref.line,
                ref.column,
                f"`self` in {describe(block)} outside a provisioner, connection or postcondition",
            )


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_count_and_for_each(module)
    # `lookup(each.value, "a", each.value)` is one mistake on one line, reported once.
    seen: set[tuple[str, str, int, str]] = set()
    for finding in check_count_each_self(module):
        key = (finding.rule, finding.path, finding.line, finding.message)
        if key not in seen:
            seen.add(key)
            yield finding
