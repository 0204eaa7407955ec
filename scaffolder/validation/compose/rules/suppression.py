"""A ``scaffolder:ignore`` comment in a compose file that gives no reason."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.compose.files import ComposeFile
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.suppress import unexplained

SUPPRESSION_REASON = Rule(
    "COMPOSE004",
    "suppression-without-reason",
    Severity.WARNING,
    "A `scaffolder:ignore` comment gives no reason, or names a rule that does not exist.",
)
RULES = (SUPPRESSION_REASON,)


def check(compose: ComposeFile) -> Iterator[Finding]:
    """COMPOSE004 for every directive without a reason in the file."""
    if compose.text is not None:
        relative = compose.context.relative(compose.path)
        yield from unexplained(SUPPRESSION_REASON, relative, compose.text.splitlines())
