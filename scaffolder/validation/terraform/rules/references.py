"""References to names the module does not declare (what `terraform validate` reports)."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    RESERVED_ROOTS,
    Reference,
    TerraformModule,
)

E = Severity.ERROR

UNDECLARED_VARIABLE = Rule(
    "TF101", "undeclared-variable", E, "Reference to an undeclared input variable."
)
UNDECLARED_LOCAL = Rule("TF102", "undeclared-local", E, "Reference to an undeclared local value.")
UNDECLARED_RESOURCE = Rule(
    "TF103", "undeclared-resource", E, "Reference to an undeclared managed resource."
)
UNDECLARED_DATA = Rule("TF104", "undeclared-data", E, "Reference to an undeclared data source.")
UNDECLARED_MODULE = Rule("TF105", "undeclared-module", E, "Reference to an undeclared module call.")
RULES = (
    UNDECLARED_VARIABLE,
    UNDECLARED_LOCAL,
    UNDECLARED_RESOURCE,
    UNDECLARED_DATA,
    UNDECLARED_MODULE,
)
#: Rules that would misreport what an unparsable file declares or uses.
COMPLETE_MODULE_ONLY = RULES


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
        elif root == "resource" and len(names) >= 3 and names[2] is not None:
            # The explicit form (Terraform 1.x): `resource.terraform_data.a.id`.
            key = f"{names[1]}.{names[2]}"
            if not module.declared("resource", key):
                yield _ref(UNDECLARED_RESOURCE, ref, f"resource `{key}`")
        elif root is not None and root not in RESERVED_ROOTS and root != "resource":
            key = f"{root}.{names[1]}"
            if not module.declared("resource", key):
                yield _ref(UNDECLARED_RESOURCE, ref, f"resource `{key}`")


def _ref(rule: Rule, ref: Reference, what: str) -> Finding:
    return rule.at(ref.file, ref.line, ref.column, f"reference to undeclared {what}")


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_references(module)
