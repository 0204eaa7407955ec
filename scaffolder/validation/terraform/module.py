"""A Terraform module as rules see it: its parsed files, declarations and references."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from scaffolder.validation.model import Finding, Rule
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Directive,
    Expr,
    ForExpr,
    GetAttr,
    HclFile,
    ObjectExpr,
    Template,
    Traversal,
    Variable,
    children,
    string_value,
)

#: Top-level block types and the number of labels each takes (Terraform 1.10+).
BLOCK_LABELS = {
    "terraform": 0,
    "variable": 1,
    "locals": 0,
    "output": 1,
    "module": 1,
    "provider": 1,
    "resource": 2,
    "data": 2,
    "ephemeral": 2,
    "moved": 0,
    "import": 0,
    "removed": 0,
    "check": 1,
    "action": 2,
}
#: Reference roots that are not resource types.
RESERVED_ROOTS = frozenset(
    {"var", "local", "module", "data", "ephemeral", "count", "each", "self", "path", "terraform"}
)
#: Arguments of a module call that are Terraform's, not the module's inputs.
MODULE_META_ARGUMENTS = frozenset(
    {"source", "version", "providers", "count", "for_each", "depends_on"}
)


@dataclass(frozen=True, slots=True)
class Reference:
    """One traversal rooted at a name, e.g. ``var.x`` or ``module.net.id``.

    ``names`` are the root and the attribute names that follow it, with ``None`` for an index
    or splat step; ``block`` is the top-level block it sits in and ``path`` the nested block
    types between them (``("provisioner", "connection")``).
    """

    file: str
    names: tuple[str | None, ...]
    line: int
    column: int
    block: Block | None
    path: tuple[str, ...]
    steps: tuple[tuple[int, int], ...] = ()
    #: Inside ``try()`` or ``can()``, where a missing attribute is a value, not an error.
    guarded: bool = False

    def position(self, index: int) -> tuple[int, int]:
        """Line and column of name ``index`` (the root is 0)."""
        if index == 0 or index > len(self.steps):
            return self.line, self.column
        return self.steps[index - 1]


@dataclass(frozen=True, slots=True)
class Located:
    """A declaration: the file and block or attribute that makes it."""

    file: str
    node: Block | Attribute

    @property
    def line(self) -> int:
        """Line of the block or attribute."""
        return self.node.line

    @property
    def column(self) -> int:
        """Column of the block or attribute."""
        return self.node.column


def at(rule: Rule, place: Located | tuple[str, Block | Attribute], message: str) -> Finding:
    """A finding of ``rule`` at a declaration, or at ``(file, block or attribute)``."""
    file, node = (place.file, place.node) if isinstance(place, Located) else place
    return rule.at(file, node.line, node.column, message)


def describe(block: Block) -> str:
    """A block as messages name it: `resource.aws_s3_bucket.logs`, `terraform`."""
    labels = ".".join(label.value for label in block.labels)
    return (
        f"`{block.type} {labels}`".replace(" `", "`") if not labels else f"`{block.type}.{labels}`"
    )


def is_local_source(source: str) -> bool:
    """A local path source: ``./…`` or ``../…``."""
    return source.startswith(("./", "../")) or source in {".", ".."}


def is_override(path: str) -> bool:
    """Override files merge into declarations instead of adding to them."""
    name = path.rsplit("/", 1)[-1]
    return name in {"override.tf", "override.tf.json"} or name.endswith(
        ("_override.tf", "_override.tf.json")
    )


@dataclass
class TerraformModule:
    """One directory of ``.tf`` files. Build with :func:`build_module`.

    ``json_names`` are declarations read from ``.tf.json`` files, whose bodies are not analysed:
    they keep references from being reported as undeclared, and switch the unused-declaration
    rule off for the module.
    """

    path: str
    files: tuple[HclFile, ...]
    json_names: frozenset[str] = frozenset()
    variables: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    locals: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    outputs: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    modules: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    resources: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    data: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    ephemerals: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    providers: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    references: list[Reference] = field(default_factory=list)

    def blocks(self, block_type: str | None = None) -> Iterator[tuple[str, Block]]:
        """``(file, block)`` for every top-level block, optionally of one type."""
        for hcl in self.files:
            for block in hcl.blocks(block_type):
                yield hcl.path, block

    def declared(self, kind: str, name: str) -> bool:
        """True when ``kind.name`` is declared in HCL or JSON."""
        table = {
            "var": self.variables,
            "local": self.locals,
            "module": self.modules,
            "data": self.data,
            "ephemeral": self.ephemerals,
            "resource": self.resources,
            "output": self.outputs,
        }[kind]
        return name in table or f"{kind}.{name}" in self.json_names


def build_module(
    path: str, files: tuple[HclFile, ...], json_names: frozenset[str]
) -> TerraformModule:
    """Index ``files`` (one module's parsed ``.tf`` files) into declarations and references."""
    module = TerraformModule(path, files, json_names)
    for hcl in files:
        for block in hcl.blocks():
            located = Located(hcl.path, block)
            kind = block.type
            if kind == "variable" and block.labels:
                module.variables[block.label(0)].append(located)
            elif kind == "output" and block.labels:
                module.outputs[block.label(0)].append(located)
            elif kind == "module" and block.labels:
                module.modules[block.label(0)].append(located)
            elif kind in {"resource", "data", "ephemeral"} and len(block.labels) >= 2:
                table = {
                    "resource": module.resources,
                    "data": module.data,
                    "ephemeral": module.ephemerals,
                }[kind]
                table[f"{block.label(0)}.{block.label(1)}"].append(located)
            elif kind == "provider" and block.labels:
                alias = block.attributes.get("alias")
                alias_name = string_value(alias.value) if alias else None
                suffix = f".{alias_name}" if alias_name else ""
                module.providers[block.label(0) + suffix].append(located)
            elif kind == "locals":
                for item in block.body:
                    if isinstance(item, Attribute):
                        module.locals[item.name].append(Located(hcl.path, item))
            elif kind == "check":
                # Data sources scoped to a check block are only visible inside it; counting
                # them as module-wide is enough to find references to undeclared ones.
                for nested in block.blocks("data"):
                    if len(nested.labels) >= 2:
                        name = f"{nested.label(0)}.{nested.label(1)}"
                        module.data[name].append(Located(hcl.path, nested))
            module.references.extend(_block_references(hcl.path, block))
    return module


# Attributes whose value is not an expression of references (names, types, provider addresses).
# `moved`, `removed` and `import` name resource addresses: `from` no longer exists by design,
# and `to` may sit in a child module (`module.child.aws_s3_bucket.x`); `terraform validate`
# checks neither against the declarations, so they are not references.
_NOT_REFERENCES = {
    "variable": {"type"},
    "moved": {"from", "to"},
    "removed": {"from"},
    "module": {"providers", "provider"},
    "resource": {"provider"},
    "data": {"provider"},
    "ephemeral": {"provider"},
    "import": {"provider", "to"},
    "action": {"provider"},
}


def _block_references(file: str, top: Block) -> Iterator[Reference]:
    if top.type == "terraform":
        return
    skip = _NOT_REFERENCES.get(top.type, set())
    yield from _body_references(file, top, top, (), skip, frozenset())


def _body_references(
    file: str,
    top: Block,
    block: Block,
    path: tuple[str, ...],
    skip: set[str],
    bound: frozenset[str],
) -> Iterator[Reference]:
    for item in block.body:
        if isinstance(item, Attribute):
            if item.name in skip and not path:
                continue
            if path and path[-1] == "lifecycle" and item.name == "ignore_changes":
                continue
            if block.type == "dynamic" and item.name == "iterator":
                continue
            scope = bound
            if block.type == "dynamic" and item.name == "labels":
                scope = bound | {_iterator(block)}
            yield from expression_references(file, item.value, top, path, scope)
        else:
            scope = bound
            if item.type == "content" and block.type == "dynamic":
                scope = bound | {_iterator(block)}
            yield from _body_references(file, top, item, (*path, item.type), set(), scope)


def _iterator(dynamic: Block) -> str:
    iterator = dynamic.attributes.get("iterator")
    if iterator is not None and isinstance(iterator.value, Variable):
        return iterator.value.name
    return dynamic.label(0)


def expression_references(
    file: str,
    expr: Expr,
    top: Block | None,
    path: tuple[str, ...],
    bound: frozenset[str],
) -> Iterator[Reference]:
    """Every reference in ``expr``; names bound by ``for`` expressions and directives excluded."""
    if isinstance(expr, Traversal) and isinstance(expr.source, Variable):
        root = expr.source
        if root.name not in bound:
            names: list[str | None] = [root.name]
            steps: list[tuple[int, int]] = []
            for step in expr.steps:
                names.append(step.name if isinstance(step, GetAttr) else None)
                steps.append((step.line, step.column))
            yield Reference(file, tuple(names), root.line, root.column, top, path, tuple(steps))
        for sub in children(expr):
            if sub is not expr.source:
                yield from expression_references(file, sub, top, path, bound)
        return
    if isinstance(expr, Call) and expr.name in {"try", "can"}:
        for argument in expr.args:
            for reference in expression_references(file, argument, top, path, bound):
                yield replace(reference, guarded=True)
        return
    if isinstance(expr, ForExpr):
        yield from expression_references(file, expr.collection, top, path, bound)
        inner = bound | set(expr.names)
        for body in (expr.key, expr.value, expr.condition):
            if body is not None:
                yield from expression_references(file, body, top, path, inner)
        return
    if isinstance(expr, ObjectExpr):
        for item in expr.items:
            if not isinstance(item.key, Variable):
                yield from expression_references(file, item.key, top, path, bound)
            yield from expression_references(file, item.value, top, path, bound)
        return
    if isinstance(expr, Template):
        scopes = [bound]
        for part in expr.parts:
            if isinstance(part, Directive):
                if part.expr is not None:
                    yield from expression_references(file, part.expr, top, path, scopes[-1])
                if part.kind == "for":
                    scopes.append(scopes[-1] | set(part.names))
                elif part.kind == "endfor" and len(scopes) > 1:
                    scopes.pop()
                continue
            yield from expression_references(file, part, top, path, scopes[-1])
        return
    for sub in children(expr):
        yield from expression_references(file, sub, top, path, bound)


def attribute_values(block: Block) -> Iterator[tuple[tuple[str, ...], Attribute]]:
    """Every attribute in ``block`` and its nested blocks, with the nested block types."""
    stack: list[tuple[tuple[str, ...], Block]] = [((), block)]
    while stack:
        path, current = stack.pop()
        for item in current.body:
            if isinstance(item, Attribute):
                yield path, item
            else:
                stack.append(((*path, item.type), item))
