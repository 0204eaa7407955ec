"""The validator's data: rule metadata, findings and the report."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    """How bad a finding is; ordered error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Larger is more severe."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Rule:
    """Metadata of one rule; its check sits next to it, in its family's module.

    The domain a rule belongs to is the domain that lists its family (see :class:`Registry`),
    so a rule does not repeat it.
    """

    id: str
    name: str
    severity: Severity
    summary: str
    enabled: bool = True

    @property
    def help_uri(self) -> str:
        """The rule's documentation page as an absolute URI.

        The pages have no published home yet; the one installed with scaffolder (which
        `scaffolder rules ID` prints) is the page a reader can open. SARIF requires an absolute
        URI here.
        """
        from scaffolder.rules_docs import docs_root

        return (docs_root() / f"{self.id}.md").as_uri()

    def at(self, path: str, line: int, column: int, message: str) -> Finding:
        """A finding of this rule at ``path:line:column``."""
        return Finding(path, line, column, self.id, self.severity, message)


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One problem at one place. ``path`` is relative to the validated root; line/column 1-based."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str

    def to_row(self) -> list[object]:
        """The finding as a JSON-ready row (the cache's storage form)."""
        return [self.path, self.line, self.column, self.rule, self.severity.value, self.message]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Finding:
        """Inverse of :meth:`to_row`; raises TypeError or ValueError for a malformed row."""
        if not isinstance(row, list) or len(row) != 6:
            raise TypeError("a finding row is a list of six values")
        path, line, column, rule, severity, message = row
        if not all(isinstance(value, str) for value in (path, rule, message)):
            raise TypeError("a finding's path, rule and message are strings")
        if not all(type(value) is int and value >= 1 for value in (line, column)):
            raise ValueError("a finding's line and column are positive integers")
        return cls(path, line, column, rule, Severity(severity), message)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one validation run found."""

    findings: tuple[Finding, ...]
    files: int
    rules: tuple[Rule, ...] = field(default=())

    def count(self, severity: Severity) -> int:
        """Number of findings of exactly ``severity``."""
        return sum(1 for finding in self.findings if finding.severity is severity)

    def internal_errors(self) -> tuple[Finding, ...]:
        """Findings that stand for a check that failed (the domains' ``internal-error`` rules)."""
        internal = {rule.id for rule in self.rules if rule.name == "internal-error"}
        return tuple(f for f in self.findings if f.rule in internal)

    def fails(self, threshold: Severity) -> bool:
        """True when a finding is at or above ``threshold``."""
        return any(finding.severity.rank >= threshold.rank for finding in self.findings)
