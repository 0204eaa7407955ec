"""The Terraform view rules see: blocks, attributes and expressions with 1-based positions.

These are scaffolder's own frozen types, so python-hcl2's tree shape (which changes between
majors) never reaches a rule; :mod:`scaffolder.validation.terraform.hcl` builds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Literal:
    """A string, number, bool or null literal (strings already unescaped).

    ``quoted`` tells a quoted string from a bare word, for block labels.
    """

    value: str | int | float | bool | None
    line: int
    column: int
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Template:
    """A string or heredoc with interpolations and directives; ``parts`` in source order."""

    parts: tuple[Expr, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Directive:
    """A template directive (``%{ if }``, ``%{ for }``, ``%{ else }``, ``%{ endif }``, ...)."""

    kind: str
    names: tuple[str, ...]
    expr: Expr | None
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Variable:
    """A bare identifier: a traversal root, a type keyword or an object key."""

    name: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class GetAttr:
    """``.name`` step."""

    name: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Index:
    """``[key]`` step; ``legacy`` for the deprecated ``.0`` form."""

    key: Expr
    legacy: bool
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Splat:
    """``[*]`` step; ``legacy`` for the deprecated attribute-only ``.*`` form."""

    legacy: bool
    line: int
    column: int


Step = GetAttr | Index | Splat


@dataclass(frozen=True, slots=True)
class Traversal:
    """``source`` followed by attribute, index and splat steps."""

    source: Expr
    steps: tuple[Step, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class TupleExpr:
    """``[a, b]``."""

    items: tuple[Expr, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ObjectItem:
    """``key = value`` in an object; a bare identifier key is a name, not a reference."""

    key: Expr
    value: Expr
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """``{ k = v }``."""

    items: tuple[ObjectItem, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args)``; provider functions keep their ``provider::p::f`` name."""

    name: str
    args: tuple[Expr, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Operation:
    """Unary, binary or conditional (``?:``) operation."""

    op: str
    operands: tuple[Expr, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ForExpr:
    """``[for k, v in coll : value if cond]`` or its object form (``key`` set)."""

    names: tuple[str, ...]
    collection: Expr
    key: Expr | None
    value: Expr
    condition: Expr | None
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Paren:
    """``(expr)``."""

    expr: Expr
    line: int
    column: int


Expr = (
    Literal
    | Template
    | Directive
    | Variable
    | Traversal
    | TupleExpr
    | ObjectExpr
    | Call
    | Operation
    | ForExpr
    | Paren
)


@dataclass(frozen=True, slots=True)
class Attribute:
    """``name = value``; :func:`expression_end` finds where the value ends when needed."""

    name: str
    value: Expr
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Label:
    """A block label; ``quoted`` false for the bare form, ``valid`` false for a template."""

    value: str
    quoted: bool
    valid: bool
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Block:
    """``type "label" ... { body }``."""

    type: str
    labels: tuple[Label, ...]
    body: tuple[Attribute | Block, ...]
    line: int
    column: int
    end_line: int

    @property
    def attributes(self) -> dict[str, Attribute]:
        """The block's attributes by name (the first one when duplicated)."""
        found: dict[str, Attribute] = {}
        for item in self.body:
            if isinstance(item, Attribute):
                found.setdefault(item.name, item)
        return found

    def blocks(self, block_type: str | None = None) -> Iterator[Block]:
        """Nested blocks, optionally of one type."""
        for item in self.body:
            if isinstance(item, Block) and (block_type is None or item.type == block_type):
                yield item

    def label(self, index: int) -> str:
        """Label ``index`` or the empty string."""
        return self.labels[index].value if index < len(self.labels) else ""


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment token: ``text`` starts with ``#``, ``//`` or ``/*``."""

    text: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class HclFile:
    """One parsed ``.tf`` file; ``path`` is relative to the module directory."""

    path: str
    body: tuple[Attribute | Block, ...]
    comments: tuple[Comment, ...]

    def blocks(self, block_type: str | None = None) -> Iterator[Block]:
        """Top-level blocks, optionally of one type."""
        for item in self.body:
            if isinstance(item, Block) and (block_type is None or item.type == block_type):
                yield item


def children(expr: Expr) -> Iterator[Expr]:
    """Direct sub-expressions of ``expr``."""
    return iter(_CHILDREN[type(expr)](expr))


def _traversal_children(expr: Traversal) -> list[Expr]:
    return [expr.source, *(step.key for step in expr.steps if isinstance(step, Index))]


def _object_children(expr: ObjectExpr) -> list[Expr]:
    return [part for item in expr.items for part in (item.key, item.value)]


def _for_children(expr: ForExpr) -> list[Expr]:
    parts = (expr.collection, expr.key, expr.value, expr.condition)
    return [part for part in parts if part is not None]


# Dispatch on the exact type: rules walk every expression of every module, and a table is
# several times faster than a chain of isinstance checks.
_CHILDREN: dict[type, Callable[[Any], Sequence[Expr]]] = {
    Literal: lambda expr: (),
    Variable: lambda expr: (),
    Template: lambda expr: expr.parts,
    Directive: lambda expr: () if expr.expr is None else (expr.expr,),
    Traversal: _traversal_children,
    TupleExpr: lambda expr: expr.items,
    ObjectExpr: _object_children,
    Call: lambda expr: expr.args,
    Operation: lambda expr: expr.operands,
    ForExpr: _for_children,
    Paren: lambda expr: (expr.expr,),
}


def walk(expr: Expr) -> Iterator[Expr]:
    """``expr`` and every expression inside it, depth first."""
    stack = [expr]
    table = _CHILDREN
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(table[type(node)](node)))


UNKNOWN = object()


def literal_value(expr: Expr) -> object:
    """The Python value of a constant expression, or :data:`UNKNOWN`."""
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Paren):
        return literal_value(expr.expr)
    if isinstance(expr, Operation) and expr.op == "-" and len(expr.operands) == 1:
        inner = literal_value(expr.operands[0])
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
        return UNKNOWN
    if isinstance(expr, TupleExpr):
        items = [literal_value(item) for item in expr.items]
        return UNKNOWN if any(item is UNKNOWN for item in items) else items
    if isinstance(expr, ObjectExpr):
        result: dict[str, object] = {}
        for item in expr.items:
            key = object_key(item.key)
            value = literal_value(item.value)
            if key is None or value is UNKNOWN:
                return UNKNOWN
            result[key] = value
        return result
    return UNKNOWN


def object_key(expr: Expr) -> str | None:
    """The static name of an object key: a bare identifier or a constant string."""
    if isinstance(expr, Variable):
        return expr.name
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    return None


def string_value(expr: Expr) -> str | None:
    """A constant string's value, else None."""
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    return None


def expression_end(expr: Expr) -> int:
    """The last line ``expr`` covers (multi-line strings and heredocs included)."""
    end = 0
    for node in walk(expr):
        end = max(end, node.line)
        if isinstance(node, Literal) and isinstance(node.value, str):
            end = max(end, node.line + node.value.count("\n"))
    return end
