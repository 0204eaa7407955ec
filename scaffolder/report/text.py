"""Human-readable report: findings grouped by file, printed with rich."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.markup import escape

from scaffolder.validation.model import Report, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_text(report: Report, console: Console) -> None:
    """Print ``report``: one block per file, then a summary line."""
    for path, findings in groupby(report.findings, key=lambda finding: finding.path):
        console.print(f"[bold]{escape(path)}[/bold]")
        for finding in findings:
            style = _STYLE[finding.severity]
            console.print(
                f"  {finding.line}:{finding.column}  [{style}]{finding.severity.value}[/{style}]"
                f"  {finding.rule}  {escape(finding.message)}",
                soft_wrap=True,
            )
    counts = ", ".join(f"{report.count(severity)} {severity.value}" for severity in Severity)
    total = len(report.findings)
    console.print(
        f"{report.files} files checked, {total} finding{'s' if total != 1 else ''} ({counts})"
    )
