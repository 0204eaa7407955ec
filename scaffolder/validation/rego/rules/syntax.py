"""A Rego file parses (OPA's parser), or the engine to parse it is missing."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.rego.engine import INSTALL, RegoFile

SYNTAX = Rule("REGO001", "rego-syntax", Severity.ERROR, "A Rego file does not parse.")
NOT_PARSED = Rule(
    "REGO002",
    "rego-engine-missing",
    Severity.INFO,
    "A Rego file was not parsed: the `rego` extra (OPA) is not installed.",
)
RULES = (SYNTAX, NOT_PARSED)


def check(policy: RegoFile) -> Iterator[Finding]:
    """REGO001 for every error OPA reports; REGO002 when there is no engine."""
    relative = policy.context.relative(policy.path)
    if policy.problems is None:
        yield policy.context.finding(
            NOT_PARSED, policy.path, 1, 1, f"`{relative}` was not parsed: {INSTALL}"
        )
        return
    for problem in policy.problems:
        yield policy.context.finding(
            SYNTAX, policy.path, problem.line, problem.column, f"OPA: {problem.message}"
        )
