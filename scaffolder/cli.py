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
from scaffolder.errors import InvalidAnswersFile, InvalidSetOption, ScaffolderError

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
    """Catches scaffolder's error root once, at the edge, and maps it to exit code 2.

    SIGINT and SIGTERM become :class:`~scaffolder.errors.Interrupted` for the command's run
    (:class:`scaffolder.interrupt.Guard`, in ``ctx.meta["guard"]``) and end in 130 or 143.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a ScaffolderError becomes a message and exit 2, a signal 130/143."""
        import signal
        import threading

        from scaffolder import interrupt

        # The console script installed one for the whole process; a test calling `cli` gets its
        # own for the call.
        guard = interrupt.current()
        own = guard is None and threading.current_thread() is threading.main_thread()
        if guard is None:
            guard = interrupt.Guard()
            if own:
                guard.install()
        ctx.meta["guard"] = guard
        try:
            return super().invoke(ctx)
        except ScaffolderError as error:
            click.echo(f"scaffolder: error: {error}", err=True)
            ctx.exit(EXIT_USAGE)
        except (KeyboardInterrupt, click.Abort) as error:
            signum = getattr(error, "signal", signal.SIGINT)
            # Before a command starts, and in `new` before the project is in place (after it,
            # the guard prints its own line), nothing has been written.
            started = ctx.invoked_subcommand not in {None, "new"}
            nothing = "" if started else "; nothing was written"
            click.echo(
                f"{interrupt.line_start(signum)}scaffolder: interrupted by "
                f"{interrupt.NAMES[signum]}{nothing}",
                err=True,
            )
            ctx.exit(interrupt.exit_status(signum))
        finally:
            if own:
                guard.uninstall()


@click.group(cls=ScaffolderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scaffolder")
def cli() -> None:
    """Generate Docker, GKE and EKS projects from templates, and validate them.

    \b
    Example:
      scaffolder new docker-dev --no-input --set project_name="Billing API"
    """


class Choice(click.Choice):  # type: ignore[type-arg]
    """click's Choice, suggesting the choice meant when a value is misspelt (`--format jsn`)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The choice ``value`` names; a usage error with the closest choice otherwise."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as error:
            import difflib

            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            if not close:
                raise
            self.fail(f"{error.message} Did you mean {close[0]!r}?", param, ctx)


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` with the same spelling on every command."""
    return click.option(
        "--format",
        "output_format",
        type=Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def _comma_list(values: Sequence[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@cli.command("list")
@format_option("text", "json")
def list_command(output_format: str) -> None:
    """List the templates with their questions: help, default and rule of each answer.

    \b
    Example:
      scaffolder list --format json
    """
    from scaffolder.generation import describe_questions
    from scaffolder.report import listing
    from scaffolder.templates import list_templates

    templates = list_templates()
    questions = {t.name: describe_questions(t) for t in templates}
    render = listing.templates_json if output_format == "json" else listing.templates_text
    click.echo(render(templates, questions), nl=False)


def _parse_sets(values: Sequence[str]) -> dict[str, object]:
    answers: dict[str, object] = {}
    for value in values:
        key, sep, answer = value.partition("=")
        if not sep or not key.strip():
            raise InvalidSetOption(option=value)
        answers[key.strip()] = answer
    return answers


#: An answers file holds a few short values; a larger one is refused before it is parsed.
ANSWERS_FILE_MAX = 1_000_000


def _load_answers_file(path: Path) -> dict[str, object]:
    import yaml

    try:
        with path.open("rb") as handle:
            data_bytes = handle.read(ANSWERS_FILE_MAX + 1)
        if len(data_bytes) > ANSWERS_FILE_MAX:
            raise InvalidAnswersFile(
                path=str(path), reason=f"is larger than {ANSWERS_FILE_MAX} bytes"
            )
        text = data_bytes.decode("utf-8")
    except FileNotFoundError:
        raise InvalidAnswersFile(path=str(path), reason="no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidAnswersFile(path=str(path), reason=f"cannot read it ({error})") from error
    kind = "JSON" if path.suffix == ".json" else "YAML"
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InvalidAnswersFile(path=str(path), reason=f"not valid {kind}: {error}") from error
    except RecursionError:
        raise InvalidAnswersFile(
            path=str(path), reason=f"nested too deeply to be read as {kind}"
        ) from None
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


def _complete_templates(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    from scaffolder.templates import list_templates

    return [
        click.shell_completion.CompletionItem(t.name, help=t.description)
        for t in list_templates()
        if t.name.startswith(incomplete)
    ]


def _complete_sets(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """``KEY=`` for each answer of the template already on the command line."""
    from scaffolder.clouds import EKS_VERSIONS
    from scaffolder.errors import UnknownTemplate
    from scaffolder.templates import get_template

    # While the value of `--set` is being typed, click's resilient parse leaves TEMPLATE unparsed
    # in ctx.args.
    name = ctx.params.get("template") or next(iter(ctx.args), "")
    try:
        template = get_template(str(name))
    except UnknownTemplate:
        return []
    key, equals, partial = incomplete.partition("=")
    if equals:
        # After `KEY=`, the values a closed list allows (choices, regions, EKS versions).
        cloud = template.cloud
        values = {
            **{name: list(options) for name, options in template.choices.items()},
            "region": sorted(cloud.regions) if cloud else [],
            "kubernetes_version": list(EKS_VERSIONS),
        }.get(key, [])
        return [
            click.shell_completion.CompletionItem(f"{key}={value}")
            for value in values
            if value.startswith(partial)
        ]
    return [
        click.shell_completion.CompletionItem(f"{name}=", help=template.prompts.get(name))
        for name in template.questions
        if f"{name}=".startswith(incomplete)
    ]


def _complete_rules(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Rule ids; after a comma (``--select TF101,K8``), the ids that continue the list."""
    from scaffolder.validation.registry import default_registry

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [
        click.shell_completion.CompletionItem(prefix + rule.id, help=rule.summary)
        for rule in default_registry()
        if rule.id.startswith(last.upper())
    ]


class NewCommand(click.Command):
    """``new``, whose ``--help`` lists the questions of the template named before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Note the template named on the command line before ``--help`` stops parsing."""
        ctx.meta["help_template"] = next((a for a in args if not a.startswith("-")), None)
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """After the options: the questions of the template, if one was named."""
        from scaffolder.errors import UnknownTemplate
        from scaffolder.generation import describe_questions
        from scaffolder.report.listing import questions_text
        from scaffolder.templates import get_template

        name = ctx.meta.get("help_template")
        if not name:
            return
        try:
            template = get_template(name)
        except UnknownTemplate:
            return
        formatter.write_paragraph()
        formatter.write_text(f"Questions of {template.name} {template.version} (--set KEY=VALUE):")
        formatter.write(questions_text(describe_questions(template), indent="    "))


@cli.command("new", cls=NewCommand)
@click.argument("template", shell_complete=_complete_templates)
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
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="An answer (repeatable).",
    shell_complete=_complete_sets,
)
@click.option(
    "--answers-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Answers as a JSON or YAML mapping (or a project's .scaffolder.json).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite the files the template produces in an existing directory, and list them.",
)
@click.pass_context
def new_command(
    ctx: click.Context,
    template: str,
    output_dir: Path,
    no_input: bool,
    sets: tuple[str, ...],
    answers_file: Path | None,
    force: bool,
) -> None:
    """Generate a project from TEMPLATE into OUTPUT_DIR/<project_slug>.

    Answers come from --answers-file, then --set, then prompts (on a terminal) or defaults.
    Given answers are checked before the first prompt, all at once; nothing is written until
    every answer is valid. `scaffolder new TEMPLATE --help` lists the template's questions.

    \b
    Example:
      scaffolder new docker-dev -o ~/src --set project_name="Billing API" --set app_runtime=node
    """
    from rich.console import Console

    from scaffolder.generation import Written, generate
    from scaffolder.interrupt import NAMES, exit_status, line_start
    from scaffolder.prompts import TerminalPrompter
    from scaffolder.report.text import print_text
    from scaffolder.validation import validate
    from scaffolder.validation.model import Severity

    answers: dict[str, object] = {}
    if answers_file is not None:
        answers.update(_load_answers_file(answers_file))
    answers.update(_parse_sets(sets))
    interactive = not no_input and sys.stdin.isatty()
    prompter = TerminalPrompter()
    guard = ctx.meta["guard"]
    written: list[Written] = []

    def on_written(result: Written) -> None:
        written.append(result)
        guard.done(
            lambda signum: (
                f"scaffolder: interrupted by {NAMES[signum]} after the project was "
                f"written: `{result.path}` is complete but was not validated "
                f"(run `scaffolder validate {result.path}`)"
            )
        )

    try:
        target = generate(
            template,
            output_dir,
            answers=answers,
            no_input=not interactive,
            force=force,
            prompter=prompter,
            on_written=on_written,
        )
    except KeyboardInterrupt as error:
        signum = getattr(error, "signal", 2)
        click.echo(
            line_start(signum, mid_line=prompter.waiting)
            + f"scaffolder: interrupted by {NAMES[signum]}; nothing was written",
            err=True,
        )
        sys.exit(exit_status(signum))
    overwritten = written[0].overwritten if written else ()
    if overwritten:
        click.echo(
            f"scaffolder: --force overwrote {len(overwritten)} file(s) that differed from the "
            "template:\n" + "".join(f"  {path}\n" for path in overwritten),
            err=True,
            nl=False,
        )
    report = validate([target])
    if report.findings:
        print_text(report, Console(stderr=True, emoji=False))
    click.echo(str(target))
    code = _exit_code(report, Severity.ERROR)
    if code:
        sys.exit(code)


def source_lines() -> Callable[[str, int], str | None]:
    """Read line N of a finding's file (finding paths are relative to the current directory)."""
    import contextlib

    from scaffolder.validation.files import read_regular

    cache: dict[str, list[str]] = {}

    def read(path: str, line: int) -> str | None:
        if path not in cache:
            cache[path] = []
            with contextlib.suppress(OSError, UnicodeDecodeError):
                # Never opened if it is not a regular file: a FIFO would block the output.
                cache[path] = read_regular(Path(path)).decode("utf-8").splitlines()
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
    type=Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULE,...",
    help="Only these rules (ids or prefixes: TF, K8S1).",
    shell_complete=_complete_rules,
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="RULE,...",
    help="These rules too (off-by-default ones), on top of --select or the defaults.",
    shell_complete=_complete_rules,
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULE,...",
    help="Not these rules (ids or prefixes).",
    shell_complete=_complete_rules,
)
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
    extend_select: tuple[str, ...],
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
        extend_select=_comma_list(extend_select),
        jobs=jobs,
        cache=not no_cache,
        kubernetes_version=kubernetes_version,
        registry=registry,
        relative_to=Path.cwd(),
    )
    if output_format in {"json", "sarif"}:
        if output_format == "json":
            from scaffolder.report.json import render_json

            text = render_json(report)
        else:
            from scaffolder.report.sarif import render_sarif

            text = render_sarif(report, registry, Path.cwd())
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
            print_text(report, console, source_lines())
            _write_report(output, buffer.getvalue())
        else:
            print_text(report, Console(emoji=False), source_lines())
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
@click.argument("rule_id", required=False, shell_complete=_complete_rules)
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
    """Console-script entry point (:func:`scaffolder.entry.main`)."""
    from scaffolder.entry import main as run

    run()


# update, check and diff live in their own module; imported last, as it uses the helpers above.
from scaffolder.cli_update import check_command, diff_command, update_command  # noqa: E402

for _command in (update_command, check_command, diff_command):
    cli.add_command(_command)
