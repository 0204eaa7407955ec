"""The ``update``, ``check`` and ``diff`` commands, registered on :mod:`scaffolder.cli`'s group.

Exit codes: 0 done (or nothing to do), 1 conflicts left to resolve or errors the merge
introduces (``update``) or drift (``check``), 2 usage error or invalid input, 3 an internal
error (nothing was written).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click

from scaffolder.cli import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, _parse_sets, format_option
from scaffolder.errors import ScaffolderError, UserError

F = TypeVar("F")


@contextmanager
def _internal_errors() -> Iterator[None]:
    """A ScaffolderError that is not the user's (a broken release, a failed write) exits 3."""
    try:
        yield
    except ScaffolderError as error:
        if isinstance(error, UserError):
            raise
        click.echo(f"scaffolder: internal error: {error}", err=True)
        sys.exit(EXIT_INTERNAL)


def _update_options(function: Callable[..., None]) -> Callable[..., None]:
    function = click.option(
        "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Change an answer (repeatable)."
    )(function)
    function = click.option(
        "--to", "to", metavar="VERSION", help="Target template version.  [default: the latest]"
    )(function)
    function = click.option(
        "--allow-dirty", is_flag=True, help="Update even with uncommitted changes in git."
    )(function)
    return function


@click.command("update")
@click.argument("path", required=False, type=click.Path(path_type=Path), default=Path())
@_update_options
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option("--diff", "show_diff", is_flag=True, help="Also print the unified diff.")
@click.option("--all", "all_projects", is_flag=True, help="Every project under PATH.")
@click.option("-y", "--yes", is_flag=True, help="On a terminal, write without asking first.")
@format_option("text", "json")
def update_command(
    path: Path,
    to: str | None,
    sets: tuple[str, ...],
    allow_dirty: bool,
    dry_run: bool,
    show_diff: bool,
    all_projects: bool,
    yes: bool,
    output_format: str,
) -> None:
    """Merge the template's changes into the project at PATH (default: .).

    Per file, a three-way merge of what the project's version generated, what the target
    version generates and the project as it is. The plan is shown first (on a terminal, it
    asks before writing, unless --yes); conflicts get inline markers (and index stages in
    git). Nothing is written when anything fails.

    \b
    Example:
      scaffolder update my-service --dry-run --diff
      scaffolder update my-service --set app_runtime=node
    """
    from rich.console import Console

    from scaffolder.report.update import plans_json, print_plans
    from scaffolder.update import apply_updates, iter_targets, plan_update, unified_diff
    from scaffolder.validation.model import Severity

    answers = _parse_sets(sets)
    with _internal_errors():
        targets = list(iter_targets([path], all_projects=all_projects))
        if all_projects and to is not None:
            raise UserError("--to names one template's version; it cannot go with --all")
        # Every project is planned before any is written, so one failing plan writes nothing.
        plans = [
            plan_update(target, to=to, answers=answers, allow_dirty=allow_dirty)
            for target in targets
        ]
        pending = [plan for plan in plans if plan.changes_anything]
        if not dry_run and pending and not yes and output_format == "text" and _terminal():
            print_plans(plans, Console(emoji=False), applied=False, confirming=True)
            if not click.confirm("Write these changes?", default=False):
                click.echo("nothing written", err=True)
                return
        if not dry_run:
            apply_updates(pending)
    applied = not dry_run
    if output_format == "json":
        click.echo(plans_json(plans, applied=applied), nl=False)
    else:
        print_plans(plans, Console(emoji=False), applied=applied)
    if show_diff and output_format == "text":
        for plan in plans:
            click.echo(unified_diff(plan), nl=False)
    failed = any(
        plan.conflicts or any(f.severity is Severity.ERROR for f in plan.findings) for plan in plans
    )
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@click.command("diff")
@click.argument("path", required=False, type=click.Path(path_type=Path), default=Path())
@_update_options
def diff_command(path: Path, to: str | None, sets: tuple[str, ...], allow_dirty: bool) -> None:
    """Print the unified diff `scaffolder update` would apply to PATH (default: .).

    \b
    Example:
      scaffolder diff my-service --to 0.2.2 | less
    """
    from scaffolder.update import plan_update, unified_diff

    with _internal_errors():
        plan = plan_update(
            path, to=to, answers=_parse_sets(sets), allow_dirty=allow_dirty, check=False
        )
    click.echo(unified_diff(plan), nl=False)


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--all", "all_projects", is_flag=True, help="Every project under each PATH.")
@format_option("text", "json")
def check_command(paths: tuple[Path, ...], all_projects: bool, output_format: str) -> None:
    """Exit 1 when a project at PATH (default: .) has drifted from its template.

    Version drift: the template has a newer version. Content drift: a file the template
    manages (its `_managed` list: CI workflow, pre-commit, Spacelift policies, ...) differs from
    what the recorded version renders with the recorded answers. Other files are yours.

    \b
    Example:
      scaffolder check --all . --format json
    """
    from rich.console import Console

    from scaffolder.report.update import checks_json, print_checks
    from scaffolder.update import check_project, iter_targets

    with _internal_errors():
        results = [
            check_project(target)
            for target in iter_targets(list(paths) or [Path()], all_projects=all_projects)
        ]
    if output_format == "json":
        click.echo(checks_json(results), nl=False)
    else:
        print_checks(results, Console(emoji=False))
    sys.exit(EXIT_OK if all(result.ok for result in results) else EXIT_FINDINGS)
