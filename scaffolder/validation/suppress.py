"""Inline suppression, one grammar for every format.

``# scaffolder:ignore RULE[, RULE …] reason`` (``//`` works too in HCL) silences the named rules
for the line below it; in Terraform, for the whole block below it (``terraform/suppress.py``).
The rule ids are the leading tokens shaped like an id (``TF101``, ``K8S104``, ``DL3008``); the
rest of the comment is the reason, which is required: a directive without one is itself a
warning of the domain's suppression rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffolder.validation.model import Finding, Rule

if TYPE_CHECKING:
    from scaffolder.validation.domain import Context

_DIRECTIVE = re.compile(r"(?:#|//)\s*scaffolder:ignore\b(?P<body>.*)$")
_LEADING_ID = re.compile(r"[\s,]*(?P<id>[A-Z][A-Z0-9]*[0-9])(?=[\s,]|$)")


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``scaffolder:ignore`` comment: the rules it names and its reason."""

    rules: tuple[str, ...]
    reason: str
    #: 1-based column where the comment starts.
    column: int

    def names(self, rule_id: str) -> bool:
        """True when the directive silences ``rule_id``."""
        return rule_id in self.rules


def parse(text: str) -> Directive | None:
    """The directive in a comment or line of text, or None when there is none."""
    match = _DIRECTIVE.search(text)
    if match is None:
        return None
    rest = match["body"]
    rules: list[str] = []
    while (token := _LEADING_ID.match(rest)) is not None:
        if token["id"] not in rules:
            rules.append(token["id"])
        rest = rest[token.end() :]
    return Directive(tuple(rules), rest.strip(" ,\t"), match.start() + 1)


def directives(lines: Sequence[str]) -> dict[int, Directive]:
    """1-based line number -> directive, for line-oriented formats (YAML, Dockerfile)."""
    found = {}
    for number, line in enumerate(lines, start=1):
        if "scaffolder:ignore" in line and (directive := parse(line)) is not None:
            found[number] = directive
    return found


def suppressed_by_line_above(lines: Sequence[str], finding: Finding) -> bool:
    """True when the finding's line, or the line above it, holds a directive naming its rule."""
    for index in (finding.line - 1, finding.line - 2):
        if 0 <= index < len(lines) and "scaffolder:ignore" in lines[index]:
            directive = parse(lines[index])
            if directive is not None and directive.names(finding.rule):
                return True
    return False


def without_reason(rule: Rule, path: str, line: int, column: int, directive: Directive) -> Finding:
    """The finding of ``rule`` for a directive at ``line``/``column`` that gives no reason."""
    named = ", ".join(directive.rules) or "?"
    return rule.at(
        path,
        line,
        column,
        f"`scaffolder:ignore {named}` gives no reason; say why after the rule id",
    )


def unexplained_in(context: Context, rule: Rule) -> Iterator[Finding]:
    """A finding of ``rule`` for each directive without a reason in the files a domain owns."""
    for path in sorted(context.owned):
        try:
            lines = context.files.text(path).splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        yield from unexplained(rule, context.relative(path), lines)


def unexplained(rule: Rule, path: str, lines: Sequence[str]) -> Iterator[Finding]:
    """A finding of ``rule`` for each directive in ``lines`` that gives no reason."""
    for number, directive in directives(lines).items():
        if not directive.reason:
            yield without_reason(rule, path, number, directive.column, directive)
