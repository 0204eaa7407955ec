"""Inline suppression in HCL: a ``scaffolder:ignore`` comment above a block covers the block.

The grammar is the one of every format (:mod:`scaffolder.validation.suppress`); what HCL adds
is scope: a comment on the line above a block silences its rules for everything inside the
block, so one comment can cover a finding reported deep in a nested block or on its label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scaffolder.validation.model import Finding
from scaffolder.validation.suppress import parse
from scaffolder.validation.terraform.syntax import Attribute, Block, HclFile, expression_end


def _directives(hcl: HclFile) -> dict[int, tuple[str, ...]]:
    """Line of each suppression comment -> the rule ids it names."""
    found: dict[int, tuple[str, ...]] = {}
    for comment in hcl.comments:
        directive = parse(comment.text)
        if directive is not None:
            found[comment.line] = directive.rules
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
