"""A ``scaffolder:ignore`` comment in a Dockerfile that gives no reason."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.domain import Context
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.suppress import unexplained_in

SUPPRESSION_REASON = Rule(
    "DOCKER003",
    "suppression-without-reason",
    Severity.WARNING,
    "A `scaffolder:ignore` comment gives no reason, or names a rule that does not exist.",
)
RULES = (SUPPRESSION_REASON,)


def check(context: Context) -> Iterator[Finding]:
    """DOCKER003 for every directive without a reason in the files the domain owns."""
    return unexplained_in(context, SUPPRESSION_REASON)
