"""Terraform type constraints, and whether a constant default can convert to one.

Terraform (cty) converts between primitives (`"1"` to a number, `true` to a string), so only a
value that can never convert is reported; anything this module does not understand is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffolder.validation.terraform.syntax import (
    UNKNOWN,
    Call,
    Expr,
    ObjectExpr,
    TupleExpr,
    Variable,
    literal_value,
    object_key,
)

_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class Type:
    """A parsed type constraint; ``args`` hold element types, attributes or tuple items."""

    kind: str
    element: Type | None = None
    attributes: tuple[tuple[str, Type, bool], ...] = ()
    items: tuple[Type, ...] = ()


ANY = Type("any")


def parse_type(expr: Expr) -> Type | None:
    """The type ``expr`` spells, or None when it is not a valid type constraint."""
    if isinstance(expr, Variable):
        if expr.name in {"string", "number", "bool", "any"}:
            return Type(expr.name)
        return None
    if not isinstance(expr, Call):
        return None
    if expr.name in {"list", "set", "map"} and len(expr.args) == 1:
        element = parse_type(expr.args[0])
        return Type(expr.name, element=element) if element else None
    if expr.name == "object" and len(expr.args) == 1 and isinstance(expr.args[0], ObjectExpr):
        attributes = []
        for item in expr.args[0].items:
            name = object_key(item.key)
            optional = isinstance(item.value, Call) and item.value.name == "optional"
            inner = item.value.args[0] if optional and isinstance(item.value, Call) else item.value
            if optional and isinstance(item.value, Call) and not 1 <= len(item.value.args) <= 2:
                return None
            parsed = parse_type(inner)
            if name is None or parsed is None:
                return None
            attributes.append((name, parsed, optional))
        return Type("object", attributes=tuple(attributes))
    if expr.name == "tuple" and len(expr.args) == 1 and isinstance(expr.args[0], TupleExpr):
        items = [parse_type(item) for item in expr.args[0].items]
        if any(item is None for item in items):
            return None
        return Type("tuple", items=tuple(item for item in items if item is not None))
    return None


def describe(value: object) -> str:
    """Terraform's name for the type of a constant."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    return "null"


def mismatch(value: object, expected: Type, where: str = "") -> str | None:
    """Why ``value`` cannot convert to ``expected``, or None when it can."""
    if value is None or expected.kind == "any":
        return None
    label = f" at `{where}`" if where else ""
    kind = expected.kind
    if kind == "string":
        ok = isinstance(value, (str, int, float, bool))
    elif kind == "number":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_NUMBER.match(value))
        )
    elif kind == "bool":
        # A string compares by equality: a map or list value must not reach a set lookup.
        ok = isinstance(value, bool) or (isinstance(value, str) and value in {"true", "false"})
    elif kind in {"list", "set"}:
        if not isinstance(value, list):
            return f"{describe(value)} cannot convert to {kind}{label}"
        for index, item in enumerate(value):
            problem = mismatch(item, expected.element or ANY, f"{where}[{index}]")
            if problem:
                return problem
        return None
    elif kind == "map":
        if not isinstance(value, dict):
            return f"{describe(value)} cannot convert to map{label}"
        for key, item in value.items():
            problem = mismatch(item, expected.element or ANY, f"{where}.{key}" if where else key)
            if problem:
                return problem
        return None
    elif kind == "object":
        if not isinstance(value, dict):
            return f"{describe(value)} cannot convert to object{label}"
        for name, attribute, optional in expected.attributes:
            path = f"{where}.{name}" if where else name
            if name not in value:
                if not optional:
                    return f"required attribute `{path}` is missing"
                continue
            problem = mismatch(value[name], attribute, path)
            if problem:
                return problem
        return None
    elif kind == "tuple":
        if not isinstance(value, list):
            return f"{describe(value)} cannot convert to tuple{label}"
        if len(value) != len(expected.items):
            return f"tuple needs {len(expected.items)} elements, the default has {len(value)}"
        for index, (item, item_type) in enumerate(zip(value, expected.items, strict=True)):
            problem = mismatch(item, item_type, f"{where}[{index}]")
            if problem:
                return problem
        return None
    else:
        return None
    return None if ok else f"{describe(value)} cannot convert to {kind}{label}"


def default_mismatch(type_expr: Expr, default: Expr) -> str | None:
    """Why a variable's constant ``default`` cannot match ``type_expr`` (None: it can)."""
    parsed = parse_type(type_expr)
    if parsed is None:
        return None
    value = literal_value(default)
    if value is UNKNOWN:
        return None
    return mismatch(value, parsed)
