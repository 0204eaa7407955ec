"""Human-readable report: findings grouped by file, each with its source line and a caret."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from rich.console import Console
from rich.markup import escape

from scaffolder.validation.model import Report, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

#: Returns line ``n`` (1-based) of a finding's file, or None when it cannot be read.
SourceLines = Callable[[str, int], "str | None"]


#: Longer source lines are shown as an excerpt around the column.
_WIDTH = 160


def _excerpt(line: str, column: int) -> tuple[str, int]:
    """The part of ``line`` around ``column`` that fits the width, and where it starts."""
    if len(line) <= _WIDTH:
        return line, 0
    start = max(0, min(column - 1 - _WIDTH // 2, len(line) - _WIDTH))
    return line[start : start + _WIDTH], start


def print_text(report: Report, console: Console, source: SourceLines | None = None) -> None:
    """Print ``report``: one block per file, source line and caret under each finding."""
    for path, findings in groupby(report.findings, key=lambda finding: finding.path):
        console.print(f"[bold]{escape(path)}[/bold]")
        for finding in findings:
            style = _STYLE[finding.severity]
            console.print(
                f"  {finding.line}:{finding.column}  [{style}]{finding.severity.value}[/{style}]"
                f"  {finding.rule}  {escape(finding.message)}",
                soft_wrap=True,
            )
            text = source(finding.path, finding.line) if source else None
            if text is not None and text.strip():
                shown, offset = _excerpt(text.expandtabs(4).rstrip(), finding.column)
                caret = " " * min(max(finding.column - 1 - offset, 0), len(shown))
                console.print(f"      [dim]{escape(shown)}[/dim]", soft_wrap=True, highlight=False)
                console.print(f"      {caret}[{style}]^[/{style}]", highlight=False)
    counts = ", ".join(f"{report.count(severity)} {severity.value}" for severity in Severity)
    total = len(report.findings)
    files = f"{report.files} file{'s' if report.files != 1 else ''}"
    console.print(
        f"{files} checked, {total} finding{'s' if total != 1 else ''} ({counts})",
        highlight=False,
    )
