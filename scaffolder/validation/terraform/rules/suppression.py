"""A ``scaffolder:ignore`` comment in HCL that gives no reason."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.suppress import parse, without_reason
from scaffolder.validation.terraform.module import TerraformModule

SUPPRESSION_REASON = Rule(
    "TF003",
    "suppression-without-reason",
    Severity.WARNING,
    "A `scaffolder:ignore` comment gives no reason, or names a rule that does not exist.",
)
RULES = (SUPPRESSION_REASON,)


def check(module: TerraformModule) -> Iterator[Finding]:
    """A warning for every suppression comment without a reason."""
    for hcl in module.files:
        for comment in hcl.comments:
            directive = parse(comment.text)
            if directive is not None and not directive.reason:
                yield without_reason(
                    SUPPRESSION_REASON, hcl.path, comment.line, comment.column, directive
                )
