"""The validator's data: rule metadata, findings and the report."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
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

    def at(
        self, path: str, line: int, column: int, message: str, related: tuple[Place, ...] = ()
    ) -> Finding:
        """A finding of this rule at ``path:line:column``, naming ``related`` places too."""
        return Finding(path, line, column, self.id, self.severity, message, related)


@dataclass(frozen=True, slots=True, order=True)
class Place:
    """Another place a finding's message names as ``path:line`` (a SARIF related location).

    ``path`` is relative to the same directory as the finding's own path.
    """

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    def mention(self) -> re.Pattern[str]:
        """``path:line`` as a message writes it: not part of a longer path or line number."""
        return re.compile(rf"(?<![\w./-]){re.escape(self.path)}:{self.line}(?!\d)")


def _is_place(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and type(value[1]) is int
        and value[1] >= 1
    )


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One problem at one place. ``path`` is relative to the validated root; line/column 1-based.

    ``related`` are the other places the message names (each finding of a cross-file rule sits
    at one place and names the other), so SARIF and JSON readers can link them.
    """

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    related: tuple[Place, ...] = ()

    def to_row(self) -> list[object]:
        """The finding as a JSON-ready row (the cache's storage form)."""
        row: list[object] = [
            self.path,
            self.line,
            self.column,
            self.rule,
            self.severity.value,
            self.message,
        ]
        if self.related:
            row.append([[place.path, place.line] for place in self.related])
        return row

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Finding:
        """Inverse of :meth:`to_row`; raises TypeError or ValueError for a malformed row."""
        if not isinstance(row, list) or len(row) not in (6, 7):
            raise TypeError("a finding row is a list of six values and its related places")
        path, line, column, rule, severity, message = row[:6]
        if not all(isinstance(value, str) for value in (path, rule, message)):
            raise TypeError("a finding's path, rule and message are strings")
        if not all(type(value) is int and value >= 1 for value in (line, column)):
            raise ValueError("a finding's line and column are positive integers")
        related: tuple[Place, ...] = ()
        if len(row) == 7:
            if not isinstance(row[6], list) or not row[6] or not all(map(_is_place, row[6])):
                raise TypeError("a finding's related places are [path, line] pairs")
            related = tuple(Place(place_path, place_line) for place_path, place_line in row[6])
        return cls(path, line, column, rule, Severity(severity), message, related)

    def moved(self, move: Callable[[str], str]) -> Finding:
        """The finding with every path (its own and its related places') mapped by ``move``.

        The message names related places by path too, so each mention is rewritten with it:
        a finding read from another directory still names clickable places.
        """
        path = move(self.path)
        message = self.message
        related: list[Place] = []
        for place in self.related:
            moved = Place(move(place.path), place.line)
            # A replacement template: only a backslash is special in it.
            message = place.mention().sub(str(moved).replace("\\", r"\\"), message)
            related.append(moved)
        if path == self.path and tuple(related) == self.related:
            return self
        return replace(self, path=path, message=message, related=tuple(related))


class Citations:
    """The places a view's checks name in their messages, recorded as they are written.

    A check writes the other place into its message through :meth:`cite`; the findings it
    returns then get, as related places, exactly the cited places their message mentions
    (see :func:`scaffolder.validation.domain.run_families`). Checks keep composing messages as
    text, and no rule has to pass the same place twice.
    """

    def __init__(self) -> None:
        self._places: dict[Place, re.Pattern[str]] = {}

    def cite(self, path: str, line: int) -> str:
        """``path:line`` for a message, remembered as a place findings may name."""
        place = Place(path, max(line, 1))
        if place not in self._places:
            self._places[place] = place.mention()
        return str(place)

    def attach(self, finding: Finding) -> Finding:
        """``finding`` with the cited places its message mentions (other than its own)."""
        own = Place(finding.path, finding.line)
        found = sorted(
            {
                place
                for place, pattern in self._places.items()
                if place != own and place not in finding.related and pattern.search(finding.message)
            }
        )
        if not found:
            return finding
        return replace(finding, related=(*finding.related, *found))


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
