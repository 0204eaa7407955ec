"""The `terraform` block: version constraints, required providers and version, unused providers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
)
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    ObjectExpr,
    Traversal,
    Variable,
    object_key,
    string_value,
)

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO

VERSION_CONSTRAINT = Rule(
    "TF118", "invalid-version-constraint", E, "A version constraint is malformed."
)
REQUIRED_PROVIDERS = Rule(
    "TF208",
    "required-providers",
    W,
    "A provider lacks `source` or `version` in required_providers.",
)
REQUIRED_VERSION = Rule(
    "TF209", "required-version", W, "The module does not set `required_version`."
)
UNUSED_PROVIDERS = Rule(
    "TF305", "unused-required-providers", N, "A required provider is never used.", enabled=False
)
RULES = (
    VERSION_CONSTRAINT,
    REQUIRED_PROVIDERS,
    REQUIRED_VERSION,
    UNUSED_PROVIDERS,
)
#: Rules that would misreport what an unparsable file declares or uses.
COMPLETE_MODULE_ONLY = (
    REQUIRED_VERSION,
    UNUSED_PROVIDERS,
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
        yield VERSION_CONSTRAINT.at(
            file,
            attr.value.line,
            attr.value.column,
            f"malformed version constraint for `{what}`: {problem}",
        )


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
            yield at(
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
            yield at(
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
    yield REQUIRED_VERSION.at(
        file,
        line,
        column,
        "module does not set `required_version` in a `terraform` block",
    )


def check_unused_providers(module: TerraformModule) -> Iterator[Finding]:
    """TF305: a provider in ``required_providers`` that nothing in the module uses."""
    used = set(used_providers(module))
    passed = {ref.names[0] for ref in module.references if ref.names and ref.names[0] is not None}
    module_calls = bool(module.modules)
    for name, (file, entry) in sorted(required_providers(module).items()):
        if name not in used and name not in passed and not module_calls:
            yield at(
                UNUSED_PROVIDERS,
                (file, entry),
                f"provider `{name}` is required but no resource, data source or provider block "
                "uses it",
            )


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_version_constraints(module)
    yield from check_required_providers(module)
    yield from check_required_version(module)
    yield from check_unused_providers(module)
