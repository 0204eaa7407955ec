"""Terraform rules: metadata plus one pure check per rule over a :class:`TerraformModule`.

Errors are what ``terraform validate`` reports without provider schemas; warnings follow
tflint's recommended preset; info rules are off by default, as tflint has them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scaffolder.validation.model import Finding, Rule
from scaffolder.validation.terraform.catalog import (
    COMMENT_SYNTAX,
    COUNT_AND_FOR_EACH,
    COUNT_INDEX,
    DEFAULT_TYPE,
    DEPRECATED_INDEX,
    DEPRECATED_INTERPOLATION,
    DEPRECATED_LOOKUP,
    DOCUMENTED_OUTPUTS,
    DOCUMENTED_VARIABLES,
    DUPLICATE_ATTRIBUTE,
    DUPLICATE_DECLARATION,
    DUPLICATE_KEYS,
    EACH_WITHOUT_FOR_EACH,
    EMPTY_LIST_EQUALITY,
    INVALID_NAME,
    MODULE_VERSION,
    NAMING_CONVENTION,
    REQUIRED_PROVIDERS,
    REQUIRED_VERSION,
    SELF_REFERENCE,
    STANDARD_STRUCTURE,
    TYPED_VARIABLES,
    UNDECLARED_DATA,
    UNDECLARED_LOCAL,
    UNDECLARED_MODULE,
    UNDECLARED_RESOURCE,
    UNDECLARED_VARIABLE,
    UNPINNED_SOURCE,
    UNUSED_DECLARATIONS,
    UNUSED_PROVIDERS,
    VERSION_CONSTRAINT,
)
from scaffolder.validation.terraform.module import (
    BLOCK_LABELS,
    RESERVED_ROOTS,
    Located,
    Reference,
    TerraformModule,
    attribute_values,
    is_local_source,
    is_override,
)
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
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
    Variable,
    object_key,
    string_value,
    walk,
)
from scaffolder.validation.terraform.types import default_mismatch

ModuleCheck = Callable[[TerraformModule], Iterator[Finding]]


def _finding(rule: Rule, file: str, line: int, column: int, message: str) -> Finding:
    return Finding(file, line, column, rule.id, rule.severity, message)


def _at(rule: Rule, located: Located | tuple[str, Block | Attribute], message: str) -> Finding:
    file, node = (located.file, located.node) if isinstance(located, Located) else located
    return _finding(rule, file, node.line, node.column, message)


def _dotted(names: tuple[str | None, ...], count: int) -> str:
    return ".".join(name or "[…]" for name in names[:count])


# --- references ------------------------------------------------------------------------------
def check_references(module: TerraformModule) -> Iterator[Finding]:
    """TF101-TF105: references to names the module does not declare."""
    for ref in module.references:
        names = ref.names
        if len(names) < 2 or names[1] is None:
            continue
        root = names[0]
        if root == "var" and not module.declared("var", names[1]):
            yield _ref(UNDECLARED_VARIABLE, ref, f"input variable `var.{names[1]}`")
        elif root == "local" and not module.declared("local", names[1]):
            yield _ref(UNDECLARED_LOCAL, ref, f"local value `local.{names[1]}`")
        elif root == "module" and not module.declared("module", names[1]):
            yield _ref(UNDECLARED_MODULE, ref, f"module call `module.{names[1]}`")
        elif root in {"data", "ephemeral"} and len(names) >= 3 and names[2] is not None:
            key = f"{names[1]}.{names[2]}"
            if not module.declared(root, key):
                kind = "data source" if root == "data" else "ephemeral resource"
                yield _ref(UNDECLARED_DATA, ref, f"{kind} `{root}.{key}`")
        elif root is not None and root not in RESERVED_ROOTS:
            key = f"{root}.{names[1]}"
            if not module.declared("resource", key):
                yield _ref(UNDECLARED_RESOURCE, ref, f"resource `{key}`")


def _ref(rule: Rule, ref: Reference, what: str) -> Finding:
    return _finding(rule, ref.file, ref.line, ref.column, f"reference to undeclared {what}")


def check_count_each_self(module: TerraformModule) -> Iterator[Finding]:
    """TF113-TF115: ``count.index``, ``each.*`` and ``self`` where they have no meaning."""
    for ref in module.references:
        root = ref.names[0]
        block = ref.block
        if block is None:
            continue
        attrs = block.attributes
        if root == "count" and ref.names[1:2] == ("index",) and "count" not in attrs:
            yield _finding(
                COUNT_INDEX,
                ref.file,
                ref.line,
                ref.column,
                f"`count.index` in {_describe(block)}, which does not set `count`",
            )
        elif root == "each" and "for_each" not in attrs:
            yield _finding(
                EACH_WITHOUT_FOR_EACH,
                ref.file,
                ref.line,
                ref.column,
                f"`each.{ref.names[1] or ''}` in {_describe(block)}, which does not set `for_each`",
            )
        elif root == "self" and not (
            {"provisioner", "connection"} & set(ref.path) or "postcondition" in ref.path
        ):
            yield _finding(
                SELF_REFERENCE,
                ref.file,
                ref.line,
                ref.column,
                f"`self` in {_describe(block)} outside a provisioner, connection or postcondition",
            )


def _describe(block: Block) -> str:
    labels = ".".join(label.value for label in block.labels)
    return (
        f"`{block.type} {labels}`".replace(" `", "`") if not labels else f"`{block.type}.{labels}`"
    )


# --- declarations ----------------------------------------------------------------------------
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
                yield _at(
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
                    yield _at(
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
                    yield _at(
                        DUPLICATE_ATTRIBUTE,
                        (hcl.path, item),
                        f"argument `{item.name}` is already set at line {seen[item.name].line}",
                    )
                else:
                    seen[item.name] = item


def check_count_and_for_each(module: TerraformModule) -> Iterator[Finding]:
    """TF112: ``count`` and ``for_each`` together."""
    for file, block in module.blocks():
        attrs = block.attributes
        if "count" in attrs and "for_each" in attrs:
            yield _at(
                COUNT_AND_FOR_EACH,
                (file, attrs["for_each"]),
                f"{_describe(block)} sets both `count` and `for_each`",
            )


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
                yield _at(
                    INVALID_NAME,
                    (hcl.path, item),
                    f"argument `{item.name}` is not allowed at the top level; blocks only",
                )
                continue
            expected = BLOCK_LABELS.get(item.type)
            if expected is None:
                yield _at(INVALID_NAME, (hcl.path, item), f"unknown block type `{item.type}`")
                continue
            if len(item.labels) != expected:
                yield _at(
                    INVALID_NAME,
                    (hcl.path, item),
                    f"`{item.type}` block takes {expected} label{'s' if expected != 1 else ''}, "
                    f"found {len(item.labels)}",
                )
                continue
            for label in item.labels:
                if not label.valid or not _IDENTIFIER.match(label.value):
                    shown = label.value if label.valid else "a template"
                    yield _finding(
                        INVALID_NAME,
                        hcl.path,
                        label.line,
                        label.column,
                        f"invalid name `{shown}` in `{item.type}` block: a name starts with a "
                        "letter or underscore and has only letters, digits, underscores and dashes",
                    )
            if item.type == "variable" and item.labels and item.label(0) in _RESERVED_VARIABLES:
                label = item.labels[0]
                yield _finding(
                    INVALID_NAME,
                    hcl.path,
                    label.line,
                    label.column,
                    f"variable name `{label.value}` is reserved for module calls",
                )
        for block in hcl.blocks("locals"):
            for attr in block.body:
                if isinstance(attr, Attribute) and not _IDENTIFIER.match(attr.name):
                    yield _at(INVALID_NAME, (hcl.path, attr), f"invalid local name `{attr.name}`")


def check_default_types(module: TerraformModule) -> Iterator[Finding]:
    """TF117: a constant default that cannot convert to the declared type."""
    for file, block in module.blocks("variable"):
        attrs = block.attributes
        if "type" in attrs and "default" in attrs:
            problem = default_mismatch(attrs["type"].value, attrs["default"].value)
            if problem:
                yield _at(
                    DEFAULT_TYPE,
                    (file, attrs["default"]),
                    f"default of `var.{block.label(0)}` does not match its type: {problem}",
                )


_CONSTRAINT = re.compile(
    r"^\s*(=|!=|>=|<=|>|<|~>)?\s*v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\s*$"
)


def constraint_problem(text: str) -> str | None:
    """Why a version constraint string is malformed, or None."""
    if not text.strip():
        return "it is empty"
    for part in text.split(","):
        if not _CONSTRAINT.match(part):
            return f"`{part.strip()}` is not an operator followed by a version"
    return None


def check_version_constraints(module: TerraformModule) -> Iterator[Finding]:
    """TF118: malformed ``required_version`` and provider ``version`` constraints."""
    for file, block in module.blocks("terraform"):
        attr = block.attributes.get("required_version")
        if attr is not None:
            yield from _constraint(file, attr, "required_version")
        for providers in block.blocks("required_providers"):
            for entry in providers.body:
                if isinstance(entry, Attribute) and isinstance(entry.value, ObjectExpr):
                    for item in entry.value.items:
                        if object_key(item.key) == "version":
                            version = Attribute("version", item.value, item.line, item.column)
                            yield from _constraint(file, version, f"{entry.name} version")
    for file, block in module.blocks():
        if block.type in {"provider", "module"} and "version" in block.attributes:
            attr = block.attributes["version"]
            yield from _constraint(file, attr, f"{block.type} {block.label(0)} version")


def _constraint(file: str, attr: Attribute, what: str) -> Iterator[Finding]:
    text = string_value(attr.value)
    if text is None:
        return
    problem = constraint_problem(text)
    if problem:
        yield _finding(
            VERSION_CONSTRAINT,
            file,
            attr.value.line,
            attr.value.column,
            f"malformed version constraint for `{what}`: {problem}",
        )


# --- expressions (tflint recommended) --------------------------------------------------------
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
                yield _finding(
                    DEPRECATED_INTERPOLATION,
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
                    yield _finding(DEPRECATED_INDEX, file, step.line, step.column, message)
        elif isinstance(node, Call) and node.name == "lookup" and len(node.args) == 2:
            yield _finding(
                DEPRECATED_LOOKUP,
                file,
                node.line,
                node.column,
                "`lookup` with two arguments is deprecated; use `map[key]`",
            )
        elif isinstance(node, Operation) and node.op in {"==", "!="}:
            if any(isinstance(side, TupleExpr) and not side.items for side in node.operands):
                yield _finding(
                    EMPTY_LIST_EQUALITY,
                    file,
                    node.line,
                    node.column,
                    f"comparing with `[]` is always false for lists; use `length(…) {node.op} 0`",
                )
        elif isinstance(node, ObjectExpr):
            seen: dict[str, int] = {}
            for item in node.items:
                key = object_key(item.key)
                if key is None:
                    continue
                if key in seen:
                    yield _finding(
                        DUPLICATE_KEYS,
                        file,
                        item.line,
                        item.column,
                        f"duplicate key `{key}`; the value at line {seen[key]} is overwritten",
                    )
                else:
                    seen[key] = item.line


# --- modules ---------------------------------------------------------------------------------
_GIT = re.compile(r"^(git::|git@|github\.com/|bitbucket\.org/)|\.git($|[/?])")
_HG = re.compile(r"^hg::")
_REGISTRY = re.compile(
    r"^(?:[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?/)?[A-Za-z0-9][A-Za-z0-9_-]*/"
    r"[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9]+(?://.*)?$"
)


def check_module_sources(module: TerraformModule) -> Iterator[Finding]:
    """TF206, TF207: unpinned git/mercurial sources and registry modules without a version."""
    for located_list in module.modules.values():
        for located in located_list:
            block = located.node
            assert isinstance(block, Block)
            attr = block.attributes.get("source")
            source = string_value(attr.value) if attr else None
            if attr is None or source is None or is_local_source(source):
                continue
            name = block.label(0)
            if _GIT.search(source):
                ref = re.search(r"[?&]ref=([^&]*)", source)
                if ref is None:
                    yield _at(
                        UNPINNED_SOURCE,
                        (located.file, attr),
                        f"module `{name}` source is not pinned; add `?ref=<tag or commit>`",
                    )
                elif ref.group(1) in {"main", "master", "HEAD", ""}:
                    yield _at(
                        UNPINNED_SOURCE,
                        (located.file, attr),
                        f"module `{name}` is pinned to branch `{ref.group(1)}`, which moves; "
                        "use a tag or commit",
                    )
            elif _HG.match(source):
                if "rev=" not in source:
                    yield _at(
                        UNPINNED_SOURCE,
                        (located.file, attr),
                        f"module `{name}` source is not pinned; add `?rev=<tag or changeset>`",
                    )
            elif (
                _REGISTRY.match(source) and "::" not in source and "version" not in block.attributes
            ):
                yield _at(
                    MODULE_VERSION,
                    (located.file, block),
                    f"registry module `{name}` ({source}) has no `version` constraint",
                )


# --- terraform settings ----------------------------------------------------------------------
_BUILTIN_PROVIDERS = {"terraform"}


def required_providers(module: TerraformModule) -> dict[str, tuple[str, Attribute]]:
    """Local provider name -> (file, attribute) from every ``required_providers`` block."""
    found: dict[str, tuple[str, Attribute]] = {}
    for file, block in module.blocks("terraform"):
        for providers in block.blocks("required_providers"):
            for entry in providers.body:
                if isinstance(entry, Attribute):
                    found.setdefault(entry.name, (file, entry))
    return found


def used_providers(module: TerraformModule) -> dict[str, tuple[str, Block]]:
    """Provider local names the module's resources, data sources and provider blocks use."""
    used: dict[str, tuple[str, Block]] = {}
    for file, block in module.blocks():
        name: str | None = None
        if block.type in {"resource", "data", "ephemeral"} and block.labels:
            provider = block.attributes.get("provider")
            value = provider.value if provider is not None else None
            if isinstance(value, Traversal) and isinstance(value.source, Variable):
                name = value.source.name
            elif isinstance(value, Variable):
                name = value.name
            else:
                name = block.label(0).split("_", 1)[0]
        elif block.type == "provider" and block.labels:
            name = block.label(0)
        if name and name not in _BUILTIN_PROVIDERS:
            used.setdefault(name, (file, block))
    return used


def check_required_providers(module: TerraformModule) -> Iterator[Finding]:
    """TF208: used providers missing from ``required_providers`` or without source/version."""
    declared = required_providers(module)
    for name, (file, block) in sorted(used_providers(module).items()):
        if name not in declared:
            yield _at(
                REQUIRED_PROVIDERS,
                (file, block),
                f"provider `{name}` is not in `required_providers` "
                "(give it `source` and `version`)",
            )
    for name, (file, entry) in sorted(declared.items()):
        if isinstance(entry.value, ObjectExpr):
            keys = {object_key(item.key) for item in entry.value.items}
            missing = [key for key in ("source", "version") if key not in keys]
        else:
            missing = ["source"]
        if missing:
            yield _at(
                REQUIRED_PROVIDERS,
                (file, entry),
                f"provider `{name}` in `required_providers` has no "
                + " or ".join(f"`{key}`" for key in missing),
            )


def check_required_version(module: TerraformModule) -> Iterator[Finding]:
    """TF209: no ``required_version`` anywhere in the module."""
    if not module.files:
        return
    for _, block in module.blocks("terraform"):
        if "required_version" in block.attributes:
            return
    if any(name.startswith("terraform.") for name in module.json_names):
        return
    first = sorted(module.files, key=lambda hcl: hcl.path)[0]
    terraform_blocks = list(module.blocks("terraform"))
    file, line, column = (
        (terraform_blocks[0][0], terraform_blocks[0][1].line, terraform_blocks[0][1].column)
        if terraform_blocks
        else (first.path, 1, 1)
    )
    yield _finding(
        REQUIRED_VERSION,
        file,
        line,
        column,
        "module does not set `required_version` in a `terraform` block",
    )


def check_typed_variables(module: TerraformModule) -> Iterator[Finding]:
    """TF210: variables without ``type``."""
    for file, block in module.blocks("variable"):
        if "type" not in block.attributes:
            yield _at(TYPED_VARIABLES, (file, block), f"variable `{block.label(0)}` has no `type`")


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
            yield _at(UNUSED_DECLARATIONS, places[0], f"variable `{name}` is declared but not used")
    for name, places in module.locals.items():
        if ("local", name) not in used:
            yield _at(
                UNUSED_DECLARATIONS, places[0], f"local value `{name}` is declared but not used"
            )
    for name, places in module.data.items():
        data_type, _, data_name = name.partition(".")
        if ("data", data_type, data_name) not in used:
            yield _at(
                UNUSED_DECLARATIONS,
                places[0],
                f"data source `data.{name}` is declared but not used",
            )


# --- info (off by default) -------------------------------------------------------------------
def check_documented(module: TerraformModule) -> Iterator[Finding]:
    """TF301, TF302: variables and outputs without a description."""
    for kind, rule in (("variable", DOCUMENTED_VARIABLES), ("output", DOCUMENTED_OUTPUTS)):
        for file, block in module.blocks(kind):
            description = block.attributes.get("description")
            if description is None or string_value(description.value) == "":
                yield _at(rule, (file, block), f"{kind} `{block.label(0)}` has no description")


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
            yield _finding(
                NAMING_CONVENTION,
                file,
                label.line,
                label.column,
                f"{block.type} name `{label.value}` is not snake_case",
            )
    for name, places in module.locals.items():
        if not _SNAKE.match(name):
            yield _at(NAMING_CONVENTION, places[0], f"local name `{name}` is not snake_case")


def check_structure(module: TerraformModule) -> Iterator[Finding]:
    """TF304: main.tf/variables.tf/outputs.tf exist and hold what their names say."""
    names = {hcl.path for hcl in module.files}
    first = sorted(names)[0] if names else "main.tf"
    for required in ("main.tf", "variables.tf", "outputs.tf"):
        if required not in names:
            yield _finding(
                STANDARD_STRUCTURE, first, 1, 1, f"module has no `{required}` (standard structure)"
            )
    for kind, home in (("variable", "variables.tf"), ("output", "outputs.tf")):
        for file, block in module.blocks(kind):
            if file != home and home in names:
                yield _at(
                    STANDARD_STRUCTURE,
                    (file, block),
                    f"{kind} `{block.label(0)}` belongs in `{home}`",
                )


def check_unused_providers(module: TerraformModule) -> Iterator[Finding]:
    """TF305: a provider in ``required_providers`` that nothing in the module uses."""
    used = set(used_providers(module))
    passed = {ref.names[0] for ref in module.references if ref.names and ref.names[0] is not None}
    module_calls = bool(module.modules)
    for name, (file, entry) in sorted(required_providers(module).items()):
        if name not in used and name not in passed and not module_calls:
            yield _at(
                UNUSED_PROVIDERS,
                (file, entry),
                f"provider `{name}` is required but no resource, data source or provider block "
                "uses it",
            )


def check_comments(module: TerraformModule) -> Iterator[Finding]:
    """TF306: ``//`` comments."""
    for hcl in module.files:
        for comment in hcl.comments:
            if comment.text.startswith("//"):
                yield _finding(
                    COMMENT_SYNTAX,
                    hcl.path,
                    comment.line,
                    comment.column,
                    "`//` comment; Terraform style is `#`",
                )


@dataclass(frozen=True, slots=True)
class Check:
    """The rules one check function reports."""

    rules: tuple[Rule, ...]
    run: ModuleCheck


CHECKS = (
    Check(
        (
            UNDECLARED_VARIABLE,
            UNDECLARED_LOCAL,
            UNDECLARED_RESOURCE,
            UNDECLARED_DATA,
            UNDECLARED_MODULE,
        ),
        check_references,
    ),
    Check((COUNT_INDEX, EACH_WITHOUT_FOR_EACH, SELF_REFERENCE), check_count_each_self),
    Check((DUPLICATE_DECLARATION,), check_duplicates),
    Check((DUPLICATE_ATTRIBUTE,), check_duplicate_attributes),
    Check((COUNT_AND_FOR_EACH,), check_count_and_for_each),
    Check((INVALID_NAME,), check_blocks),
    Check((DEFAULT_TYPE,), check_default_types),
    Check((VERSION_CONSTRAINT,), check_version_constraints),
    Check(
        (
            DEPRECATED_INTERPOLATION,
            DEPRECATED_INDEX,
            DEPRECATED_LOOKUP,
            EMPTY_LIST_EQUALITY,
            DUPLICATE_KEYS,
        ),
        check_expressions,
    ),
    Check((UNPINNED_SOURCE, MODULE_VERSION), check_module_sources),
    Check((REQUIRED_PROVIDERS,), check_required_providers),
    Check((REQUIRED_VERSION,), check_required_version),
    Check((TYPED_VARIABLES,), check_typed_variables),
    Check((UNUSED_DECLARATIONS,), check_unused),
    Check((DOCUMENTED_VARIABLES, DOCUMENTED_OUTPUTS), check_documented),
    Check((NAMING_CONVENTION,), check_naming),
    Check((STANDARD_STRUCTURE,), check_structure),
    Check((UNUSED_PROVIDERS,), check_unused_providers),
    Check((COMMENT_SYNTAX,), check_comments),
)


def run_checks(module: TerraformModule) -> Iterator[Finding]:
    """Every module-level check over ``module``."""
    for check in CHECKS:
        yield from check.run(module)
