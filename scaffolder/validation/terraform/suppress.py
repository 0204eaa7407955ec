"""Inline suppression for HCL: ``# scaffolder:ignore RULE reason`` above a block or attribute.

A comment on the line above a block silences that rule for everything inside the block, so
one comment can cover a finding reported deep in a nested block or on its label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from scaffolder.validation.model import Finding, Rule
from scaffolder.validation.terraform.syntax import Attribute, Block, HclFile, expression_end

SUPPRESS = re.compile(
    r"(?:#|//)\s*scaffolder:ignore\b\s*(?P<rules>(?:[A-Z]+\d+[\s,]*)*)(?P<reason>.*)$"
)


def _directives(hcl: HclFile) -> dict[int, set[str]]:
    """Line of each suppression comment -> the rule ids it names."""
    found: dict[int, set[str]] = {}
    for comment in hcl.comments:
        match = SUPPRESS.search(comment.text)
        if match:
            found[comment.line] = set(re.findall(r"[A-Z]+\d+", match["rules"]))
    return found


def _spans(body: Iterable[Attribute | Block]) -> Iterator[tuple[int, int]]:
    for item in body:
        if isinstance(item, Block):
            yield item.line, item.end_line
            yield from _spans(item.body)
        else:
            yield item.line, expression_end(item.value)


def suppress(findings: list[Finding], files: list[HclFile]) -> list[Finding]:
    """``findings`` minus those a suppression comment covers."""
    by_file = {hcl.path: hcl for hcl in files}
    directives = {path: _directives(hcl) for path, hcl in by_file.items()}
    # Spans are only worked out for files that have a suppression comment at all.
    spans = {path: list(_spans(hcl.body)) for path, hcl in by_file.items() if directives[path]}
    kept = []
    for finding in findings:
        rules_at = directives.get(finding.path, {})
        starts = {finding.line} | {
            start for start, end in spans.get(finding.path, ()) if start <= finding.line <= end
        }
        if not any(finding.rule in rules_at.get(start - 1, ()) for start in starts):
            kept.append(finding)
    return kept


def unexplained(files: list[HclFile], rule: Rule) -> Iterator[Finding]:
    """A warning for every suppression comment without a reason."""
    for hcl in files:
        for comment in hcl.comments:
            match = SUPPRESS.search(comment.text)
            if match and not match["reason"].strip():
                named = ", ".join(sorted(set(re.findall(r"[A-Z]+\d+", match["rules"])))) or "?"
                yield Finding(
                    hcl.path,
                    comment.line,
                    comment.column,
                    rule.id,
                    rule.severity,
                    f"`scaffolder:ignore {named}` gives no reason; say why after the rule id",
                )
