"""Command line: parse options, call the library, render, map errors to exit codes.

Exit codes (every command): 0 success, 1 findings at or above ``--fail-on``, 2 usage error or
invalid input. Heavy modules are imported inside the commands so ``--help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scaffolder import __version__
from scaffolder.errors import Aborted, InvalidAnswersFile, InvalidSetOption, ScaffolderError

if TYPE_CHECKING:
    from scaffolder.validation.model import Report, Severity

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _exit_code(report: Report, threshold: Severity) -> int:
    """The one exit-code policy of validation: a failed check, then findings, then success."""
    if report.internal_errors():
        return EXIT_INTERNAL
    return EXIT_FINDINGS if report.fails(threshold) else EXIT_OK


SEVERITIES = ("error", "warning", "info")


class ScaffolderGroup(click.Group):
    """Catches scaffolder's error root once, at the edge, and maps it to exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a ScaffolderError or Ctrl-C becomes a message and exit 2."""
        try:
            return super().invoke(ctx)
        except ScaffolderError as error:
            click.echo(f"scaffolder: error: {error}", err=True)
            ctx.exit(EXIT_USAGE)
        except (KeyboardInterrupt, click.Abort):
            click.echo(f"scaffolder: {Aborted()}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=ScaffolderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scaffolder")
def cli() -> None:
    """Generate Docker, GKE and EKS projects from templates, and validate them.

    \b
    Example:
      scaffolder new docker-dev --no-input --set project_name="Billing API"
    """


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` with the same spelling on every command."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def _comma_list(values: Sequence[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@cli.command("list")
@format_option("text", "json")
def list_command(output_format: str) -> None:
    """List the templates.

    \b
    Example:
      scaffolder list --format json
    """
    from scaffolder.report import listing
    from scaffolder.templates import list_templates

    templates = list_templates()
    render = listing.templates_json if output_format == "json" else listing.templates_text
    click.echo(render(templates), nl=False)


def _parse_sets(values: Sequence[str]) -> dict[str, object]:
    answers: dict[str, object] = {}
    for value in values:
        key, sep, answer = value.partition("=")
        if not sep or not key.strip():
            raise InvalidSetOption(option=value)
        answers[key.strip()] = answer
    return answers


def _load_answers_file(path: Path) -> dict[str, object]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidAnswersFile(path=str(path), reason="no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidAnswersFile(path=str(path), reason=f"cannot read it ({error})") from error
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise InvalidAnswersFile(path=str(path), reason=f"not valid {kind}: {error}") from error
    # A project's .scaffolder.json can be replayed: its answers are under "answers".
    if isinstance(data, dict) and isinstance(data.get("answers"), dict) and "template" in data:
        data = data["answers"]
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        raise InvalidAnswersFile(
            path=str(path), reason="must be a mapping of answer names to values"
        )
    for key, value in data.items():
        if isinstance(value, (dict, list)):
            raise InvalidAnswersFile(path=str(path), reason=f"answer `{key}` must be a scalar")
    return dict(data)


def click_prompter(
    name: str, default: str, choices: Sequence[str] | None, check: Callable[[object], object]
) -> object:
    """Ask one question on the terminal; ask again until the answer follows its rule."""
    from scaffolder.errors import InvalidAnswers

    while True:
        value = click.prompt(
            name,
            default=default,
            type=click.Choice(list(choices)) if choices else str,
            show_choices=bool(choices),
        )
        try:
            return check(value)
        except InvalidAnswers as error:
            for problem in error.errors:
                click.echo(f"  {problem}", err=True)


@cli.command("new")
@click.argument("template")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Directory that receives <project_slug>/.",
)
@click.option(
    "--no-input", is_flag=True, help="Do not prompt; use defaults for unanswered questions."
)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="An answer (repeatable).")
@click.option(
    "--answers-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Answers as a JSON or YAML mapping (or a project's .scaffolder.json).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite the files the template produces in an existing directory.",
)
def new_command(
    template: str,
    output_dir: Path,
    no_input: bool,
    sets: tuple[str, ...],
    answers_file: Path | None,
    force: bool,
) -> None:
    """Generate a project from TEMPLATE into OUTPUT_DIR/<project_slug>.

    Answers come from --answers-file, then --set, then prompts (on a terminal) or defaults.
    Invalid answers are all reported at once and nothing is written.

    \b
    Example:
      scaffolder new docker-dev -o ~/src --set project_name="Billing API" --set app_runtime=node
    """
    from rich.console import Console

    from scaffolder.generation import generate
    from scaffolder.report.text import print_text
    from scaffolder.validation import validate
    from scaffolder.validation.model import Severity

    answers: dict[str, object] = {}
    if answers_file is not None:
        answers.update(_load_answers_file(answers_file))
    answers.update(_parse_sets(sets))
    interactive = not no_input and sys.stdin.isatty()
    target = generate(
        template,
        output_dir,
        answers=answers,
        no_input=not interactive,
        force=force,
        prompter=click_prompter,
    )
    report = validate([target])
    if report.findings:
        print_text(report, Console(stderr=True, emoji=False))
    click.echo(str(target))
    code = _exit_code(report, Severity.ERROR)
    if code:
        sys.exit(code)


def source_lines(bases: Sequence[Path]) -> Callable[[str, int], str | None]:
    """Read line N of a finding's file, trying each validated root in turn."""
    from scaffolder.validation.files import read_regular

    cache: dict[str, list[str]] = {}

    def read(path: str, line: int) -> str | None:
        if path not in cache:
            cache[path] = []
            for base in bases:
                try:
                    # Never opened if it is not a regular file: a FIFO would block the output.
                    data = read_regular(base / path)
                    cache[path] = data.decode("utf-8").splitlines()
                    break
                except (OSError, UnicodeDecodeError):
                    continue
        lines = cache[path]
        return lines[line - 1] if 1 <= line <= len(lines) else None

    return read


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option("text", "json", "sarif")
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE."
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option("--select", multiple=True, metavar="RULE,...", help="Only these rules.")
@click.option("--ignore", multiple=True, metavar="RULE,...", help="Not these rules.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel parser processes.  [default: number of CPUs]",
)
@click.option("--no-cache", is_flag=True, help="Ignore and do not update the result cache.")
@click.option(
    "--kubernetes-version",
    metavar="1.NN",
    help="Kubernetes version whose schemas manifests must match.  [default: 1.33]",
)
def validate_command(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    fail_on: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    kubernetes_version: str | None,
) -> None:
    """Check Terraform, Kubernetes manifests, compose files and Dockerfiles under PATH.

    PATH defaults to the current directory. Results of unchanged files come from a cache in
    the user cache directory; --no-cache bypasses it.

    \b
    Example:
      scaffolder validate my-service --format sarif --output scaffolder.sarif
    """
    from scaffolder.validation import validate
    from scaffolder.validation.model import Severity
    from scaffolder.validation.registry import default_registry

    roots = list(paths) or [Path()]
    registry = default_registry()
    report = validate(
        roots,
        select=_comma_list(select),
        ignore=_comma_list(ignore),
        jobs=jobs,
        cache=not no_cache,
        kubernetes_version=kubernetes_version,
        registry=registry,
    )
    bases = [root.parent if root.is_file() else root for root in roots]
    if output_format in {"json", "sarif"}:
        if output_format == "json":
            from scaffolder.report.json import render_json

            text = render_json(report)
        else:
            from scaffolder.report.sarif import render_sarif

            text = render_sarif(report, registry)
        if output:
            _write_report(output, text)
        else:
            click.echo(text, nl=False)
    else:
        from rich.console import Console

        from scaffolder.report.text import print_text

        if output:
            import io

            buffer = io.StringIO()
            console = Console(file=buffer, no_color=True, width=200, emoji=False)
            print_text(report, console, source_lines(bases))
            _write_report(output, buffer.getvalue())
        else:
            print_text(report, Console(emoji=False), source_lines(bases))
    code = _exit_code(report, Severity(fail_on))
    if code:
        sys.exit(code)


def _write_report(output: Path, text: str) -> None:
    from scaffolder.errors import UserError

    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot write report to `{output}`: {error.strerror}") from error


@cli.command("rules")
@click.argument("rule_id", required=False)
@format_option("text", "json")
def rules_command(rule_id: str | None, output_format: str) -> None:
    """List the validation rules, or show the documentation of RULE_ID.

    \b
    Example:
      scaffolder rules K8S001
    """
    from scaffolder.report import listing
    from scaffolder.rules_docs import doc_page
    from scaffolder.validation.registry import default_registry

    registry = default_registry()
    rules = [registry.get(rule_id)] if rule_id else list(registry)
    if output_format == "json":
        click.echo(listing.rules_json(rules, registry), nl=False)
    elif rule_id:
        click.echo(listing.rule_page(rules[0], registry, doc_page(rules[0].id)), nl=False)
    else:
        click.echo(listing.rules_text(rules), nl=False)


@cli.command("graph")
@click.argument("path", required=False, type=click.Path(path_type=Path), default=Path())
@format_option("mermaid", "dot", "json")
def graph_command(path: Path, output_format: str) -> None:
    """Draw the Spacelift stack graph declared under PATH (default: .).

    Stacks come from the management Terraform (`spacelift_stack`); edges are stack
    dependencies, labelled with the outputs passed on and the inputs they become.

    \b
    Example:
      scaffolder graph my-service --format dot | dot -Tsvg > stacks.svg
    """
    from scaffolder.errors import UserError
    from scaffolder.report import graph as render
    from scaffolder.validation.spacelift.graph import build_graph

    if not path.exists():
        raise UserError(f"path `{path}` does not exist")
    graph = build_graph(path)
    renderers = {"json": render.render_json, "dot": render.render_dot}
    click.echo(renderers.get(output_format, render.render_mermaid)(graph), nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="scaffolder")


# update, check and diff live in their own module; imported last, as it uses the helpers above.
from scaffolder.cli_update import check_command, diff_command, update_command  # noqa: E402

for _command in (update_command, check_command, diff_command):
    cli.add_command(_command)
