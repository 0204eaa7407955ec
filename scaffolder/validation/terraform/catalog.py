"""Terraform rule metadata: ids, names, severities and summaries, without the checks.

Kept apart from :mod:`.rules` so that listing rules, building the registry and answering a
validation from the cache never import the parser view and the checks (start-up time is most
of a warm run). Each rule's check is in :mod:`.rules`, which names the rules it reports.
"""

from __future__ import annotations

from scaffolder.validation.model import Rule, Severity


def _rule(rule_id: str, name: str, severity: Severity, summary: str, *, on: bool = True) -> Rule:
    return Rule(rule_id, name, "terraform", severity, summary, enabled=on)


E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO
SYNTAX = _rule("TF001", "hcl-syntax", E, "A `.tf` file is not valid HCL.")
UNREADABLE = _rule("TF002", "unreadable-file", E, "A `.tf` file is not UTF-8 text.")
SUPPRESSION_REASON = _rule(
    "TF003", "suppression-without-reason", W, "A `scaffolder:ignore` comment gives no reason."
)
UNDECLARED_VARIABLE = _rule(
    "TF101", "undeclared-variable", E, "Reference to an undeclared input variable."
)
UNDECLARED_LOCAL = _rule("TF102", "undeclared-local", E, "Reference to an undeclared local value.")
UNDECLARED_RESOURCE = _rule(
    "TF103", "undeclared-resource", E, "Reference to an undeclared managed resource."
)
UNDECLARED_DATA = _rule("TF104", "undeclared-data", E, "Reference to an undeclared data source.")
UNDECLARED_MODULE = _rule(
    "TF105", "undeclared-module", E, "Reference to an undeclared module call."
)
UNDECLARED_OUTPUT = _rule(
    "TF106",
    "undeclared-module-output",
    E,
    "Reference to an output a local module does not declare.",
)
MISSING_INPUT = _rule(
    "TF107", "missing-module-input", E, "A local module call omits a required input variable."
)
UNKNOWN_ARGUMENT = _rule(
    "TF108", "unknown-module-argument", E, "A local module call sets an argument the module lacks."
)
MISSING_SOURCE = _rule(
    "TF109", "missing-module-source", E, "A local module source directory does not exist."
)
DUPLICATE_DECLARATION = _rule(
    "TF110", "duplicate-declaration", E, "A name is declared twice in one module."
)
DUPLICATE_ATTRIBUTE = _rule(
    "TF111", "duplicate-attribute", E, "An argument is set twice in one block."
)
COUNT_AND_FOR_EACH = _rule(
    "TF112", "count-and-for-each", E, "A block sets both `count` and `for_each`."
)
COUNT_INDEX = _rule("TF113", "count-index-without-count", E, "`count.index` used without `count`.")
EACH_WITHOUT_FOR_EACH = _rule(
    "TF114", "each-without-for-each", E, "`each.key`/`each.value` used without `for_each`."
)
SELF_REFERENCE = _rule(
    "TF115", "invalid-self", E, "`self` used outside provisioner, connection and postcondition."
)
INVALID_NAME = _rule(
    "TF116", "invalid-block", E, "Unknown top-level block, wrong labels or an invalid name."
)
DEFAULT_TYPE = _rule(
    "TF117", "default-type-mismatch", E, "A variable default cannot convert to its type."
)
VERSION_CONSTRAINT = _rule(
    "TF118", "invalid-version-constraint", E, "A version constraint is malformed."
)
DEPRECATED_INTERPOLATION = _rule(
    "TF201", "deprecated-interpolation", W, 'An interpolation-only expression (`"${var.x}"`).'
)
DEPRECATED_INDEX = _rule("TF202", "deprecated-index", W, "Legacy `.0` index or `.*` splat syntax.")
DEPRECATED_LOOKUP = _rule(
    "TF203", "deprecated-lookup", W, "`lookup` with two arguments; use an index."
)
EMPTY_LIST_EQUALITY = _rule(
    "TF204", "empty-list-equality", W, "Comparison with `[]`; use `length(x) == 0`."
)
DUPLICATE_KEYS = _rule("TF205", "map-duplicate-keys", W, "An object literal repeats a key.")
UNPINNED_SOURCE = _rule(
    "TF206", "module-pinned-source", W, "A git or mercurial module source is not pinned."
)
MODULE_VERSION = _rule("TF207", "module-version", W, "A registry module call has no `version`.")
REQUIRED_PROVIDERS = _rule(
    "TF208",
    "required-providers",
    W,
    "A provider lacks `source` or `version` in required_providers.",
)
REQUIRED_VERSION = _rule(
    "TF209", "required-version", W, "The module does not set `required_version`."
)
TYPED_VARIABLES = _rule("TF210", "typed-variables", W, "A variable has no `type`.")
UNUSED_DECLARATIONS = _rule(
    "TF211", "unused-declarations", W, "A variable, local or data source is never used."
)
DOCUMENTED_VARIABLES = _rule(
    "TF301", "documented-variables", N, "A variable has no `description`.", on=False
)
DOCUMENTED_OUTPUTS = _rule(
    "TF302", "documented-outputs", N, "An output has no `description`.", on=False
)
NAMING_CONVENTION = _rule("TF303", "naming-convention", N, "A name is not snake_case.", on=False)
STANDARD_STRUCTURE = _rule(
    "TF304",
    "standard-module-structure",
    N,
    "The module departs from the standard layout.",
    on=False,
)
UNUSED_PROVIDERS = _rule(
    "TF305", "unused-required-providers", N, "A required provider is never used.", on=False
)
COMMENT_SYNTAX = _rule("TF306", "comment-syntax", N, "A `//` comment; use `#`.", on=False)

#: Every Terraform rule, in id order.
RULES = tuple(
    sorted(
        (
            SYNTAX,
            UNREADABLE,
            SUPPRESSION_REASON,
            UNDECLARED_VARIABLE,
            UNDECLARED_LOCAL,
            UNDECLARED_RESOURCE,
            UNDECLARED_DATA,
            UNDECLARED_MODULE,
            UNDECLARED_OUTPUT,
            MISSING_INPUT,
            UNKNOWN_ARGUMENT,
            MISSING_SOURCE,
            DUPLICATE_DECLARATION,
            DUPLICATE_ATTRIBUTE,
            COUNT_AND_FOR_EACH,
            COUNT_INDEX,
            EACH_WITHOUT_FOR_EACH,
            SELF_REFERENCE,
            INVALID_NAME,
            DEFAULT_TYPE,
            VERSION_CONSTRAINT,
            DEPRECATED_INTERPOLATION,
            DEPRECATED_INDEX,
            DEPRECATED_LOOKUP,
            EMPTY_LIST_EQUALITY,
            DUPLICATE_KEYS,
            UNPINNED_SOURCE,
            MODULE_VERSION,
            REQUIRED_PROVIDERS,
            REQUIRED_VERSION,
            TYPED_VARIABLES,
            UNUSED_DECLARATIONS,
            DOCUMENTED_VARIABLES,
            DOCUMENTED_OUTPUTS,
            NAMING_CONVENTION,
            STANDARD_STRUCTURE,
            UNUSED_PROVIDERS,
            COMMENT_SYNTAX,
        ),
        key=lambda rule: rule.id,
    )
)
