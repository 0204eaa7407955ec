"""Deprecated expression syntax, `[]` comparisons and duplicate object keys (tflint recommended)."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    attribute_values,
)
from scaffolder.validation.terraform.syntax import (
    Call,
    Directive,
    Expr,
    Index,
    Literal,
    ObjectExpr,
    Operation,
    Splat,
    Template,
    Traversal,
    TupleExpr,
    object_key,
    walk,
)

W = Severity.WARNING

DEPRECATED_INTERPOLATION = Rule(
    "TF201", "deprecated-interpolation", W, 'An interpolation-only expression (`"${var.x}"`).'
)
DEPRECATED_INDEX = Rule("TF202", "deprecated-index", W, "Legacy `.0` index or `.*` splat syntax.")
DEPRECATED_LOOKUP = Rule(
    "TF203", "deprecated-lookup", W, "`lookup` with two arguments; use an index."
)
EMPTY_LIST_EQUALITY = Rule(
    "TF204", "empty-list-equality", W, "Comparison with `[]`; use `length(x) == 0`."
)
DUPLICATE_KEYS = Rule("TF205", "map-duplicate-keys", W, "An object literal repeats a key.")
RULES = (
    DEPRECATED_INTERPOLATION,
    DEPRECATED_INDEX,
    DEPRECATED_LOOKUP,
    EMPTY_LIST_EQUALITY,
    DUPLICATE_KEYS,
)


def _expressions(module: TerraformModule) -> Iterator[tuple[str, Expr]]:
    """Every expression node, except object keys (a quoted template is how a key is computed)."""
    for file, block in module.blocks():
        for _, attr in attribute_values(block):
            keys: set[int] = set()
            for node in walk(attr.value):
                if id(node) in keys:
                    continue
                if isinstance(node, ObjectExpr):
                    keys.update(id(item.key) for item in node.items)
                yield file, node


def check_expressions(module: TerraformModule) -> Iterator[Finding]:
    """TF201-TF205: deprecated syntax, ``[]`` comparisons and duplicate object keys."""
    for file, node in _expressions(module):
        if isinstance(node, Template) and len(node.parts) == 1:
            only = node.parts[0]
            if not isinstance(only, (Literal, Directive)):
                yield DEPRECATED_INTERPOLATION.at(
                    file,
                    node.line,
                    node.column,
                    "interpolation-only expressions are deprecated; "
                    'write the expression without `"${…}"`',
                )
        elif isinstance(node, Traversal):
            for step in node.steps:
                if isinstance(step, (Index, Splat)) and step.legacy:
                    message = (
                        "legacy `.N` index; use `[N]`"
                        if isinstance(step, Index)
                        else "legacy `.*` splat; use `[*]`"
                    )
                    yield DEPRECATED_INDEX.at(file, step.line, step.column, message)
        elif isinstance(node, Call) and node.name == "lookup" and len(node.args) == 2:
            yield DEPRECATED_LOOKUP.at(
                file,
                node.line,
                node.column,
                "`lookup` with two arguments is deprecated; use `map[key]`",
            )
        elif isinstance(node, Operation) and node.op in {"==", "!="}:
            if any(isinstance(side, TupleExpr) and not side.items for side in node.operands):
                yield EMPTY_LIST_EQUALITY.at(
                    file,
                    node.line,
                    node.column,
                    f"comparing with `[]` is always {'false' if node.op == '==' else 'true'} "
                    f"for lists; use `length(…) {node.op} 0`",
                )
        elif isinstance(node, ObjectExpr):
            seen: dict[str, int] = {}
            for item in node.items:
                key = object_key(item.key)
                if key is None:
                    continue
                if key in seen:
                    yield DUPLICATE_KEYS.at(
                        file,
                        item.line,
                        item.column,
                        f"duplicate key `{key}`; the value at line {seen[key]} is overwritten",
                    )
                else:
                    seen[key] = item.line


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_expressions(module)
