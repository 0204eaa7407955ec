"""Renderers of ``update`` plans and ``check`` results: text for people, JSON for bots."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from scaffolder import __version__
from scaffolder.report.json import finding_dict
from scaffolder.update import Action, CheckResult, UpdatePlan

_STYLE = {
    Action.NEW: "green",
    Action.UPDATED: "cyan",
    Action.MERGED: "cyan",
    Action.CONFLICT: "bold red",
    Action.KEPT: "yellow",
    Action.REMOVED: "magenta",
    Action.RENAMED: "blue",
}


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it is under it (as findings are)."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def print_plans(
    plans: Sequence[UpdatePlan], console: Console, *, applied: bool, confirming: bool = False
) -> None:
    """Print each plan: one line per path that is not unchanged, then the merge's findings.

    ``confirming``: the plan is shown before asking whether to write it.
    """
    for plan in plans:
        console.print(
            f"[bold]{escape(_shown(plan.project))}[/bold]: {plan.template} "
            f"{plan.from_version} -> {plan.to_version}",
            highlight=False,
        )
        unchanged = 0
        for change in plan.changes:
            if change.action is Action.UNCHANGED:
                unchanged += 1
                continue
            style = _STYLE[change.action]
            name = escape(change.path)
            if change.source is not None:
                name = f"{escape(change.source)} -> {name}"
            reason = f"  [dim]({escape(change.reason)})[/dim]" if change.reason else ""
            console.print(
                f"  [{style}]{change.action.value:<10}[/{style}] {name}{reason}",
                highlight=False,
                soft_wrap=True,
            )
        console.print(f"  {unchanged} unchanged", highlight=False)
        for finding in plan.findings:
            console.print(
                f"  [yellow]introduced[/yellow] {escape(finding.path)}:{finding.line}:"
                f"{finding.column}  {finding.severity.value}  {finding.rule}  "
                f"{escape(finding.message)}",
                highlight=False,
                soft_wrap=True,
            )
        conflicts = len(plan.conflicts)
        if not plan.changes_anything:
            status = "up to date; nothing to write"
        elif confirming:
            status = "to be written"
        elif not applied:
            status = "dry run; nothing written"
        elif conflicts:
            status = (
                f"written; {conflicts} conflict{'s' if conflicts != 1 else ''} to resolve "
                "(markers inline" + (", stages 1/2/3 in git's index)" if plan.git_root else ")")
            )
        else:
            status = "written"
        console.print(f"  {status}", highlight=False)


def plan_dict(plan: UpdatePlan, *, applied: bool) -> dict[str, Any]:
    """One plan as a JSON-ready object."""
    return {
        "path": _shown(plan.project),
        "template": plan.template,
        "from_version": plan.from_version,
        "to_version": plan.to_version,
        "applied": applied and plan.changes_anything,
        "conflicts": len(plan.conflicts),
        "changes": [
            {
                "path": change.path,
                "action": change.action.value,
                **({"source": change.source} if change.source else {}),
                **({"reason": change.reason} if change.reason else {}),
            }
            for change in plan.changes
        ],
        "findings": [finding_dict(finding) for finding in plan.findings],
    }


def plans_json(plans: Sequence[UpdatePlan], *, applied: bool) -> str:
    """Every plan as one JSON document."""
    document = {
        "version": 1,
        "tool": {"name": "scaffolder", "version": __version__},
        "projects": [plan_dict(plan, applied=applied) for plan in plans],
    }
    return json.dumps(document, indent=2) + "\n"


def print_checks(results: Sequence[CheckResult], console: Console) -> None:
    """Print each project's drift, with the diff of every drifted managed file."""
    for result in results:
        where = escape(_shown(result.project))
        if result.ok:
            console.print(
                f"[bold]{where}[/bold]: {result.template} {result.version}, up to date",
                highlight=False,
            )
            continue
        console.print(f"[bold]{where}[/bold]: {result.template} {result.version}", highlight=False)
        if result.outdated:
            console.print(
                f"  [yellow]version drift[/yellow]: {result.template} {result.latest} is out "
                f"(scaffolder update {where})",
                highlight=False,
            )
        for drift in result.drift:
            console.print(
                f"  [red]content drift[/red]: {escape(drift.path)} (managed by the template)",
                highlight=False,
            )
            console.print(escape(drift.diff), highlight=False, markup=True, end="")


def checks_json(results: Sequence[CheckResult]) -> str:
    """Every check result as one JSON document."""
    document = {
        "version": 1,
        "tool": {"name": "scaffolder", "version": __version__},
        "projects": [
            {
                "path": _shown(result.project),
                "template": result.template,
                "version": result.version,
                "latest": result.latest,
                "version_drift": result.outdated,
                "content_drift": [{"path": d.path, "diff": d.diff} for d in result.drift],
                "ok": result.ok,
            }
            for result in results
        ],
    }
    return json.dumps(document, indent=2) + "\n"
