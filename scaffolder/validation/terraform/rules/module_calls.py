"""Calls of local modules (``source = "./…"``) checked against the module they call.

These rules look across modules, so they run once every module is analysed (in the domain's
``finish``), on each call and the callee's interface.
"""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.index import ModuleCall, ModuleInterface

E = Severity.ERROR
UNDECLARED_OUTPUT = Rule(
    "TF106",
    "undeclared-module-output",
    E,
    "Reference to an output a local module does not declare.",
)
MISSING_INPUT = Rule(
    "TF107", "missing-module-input", E, "A local module call omits a required input variable."
)
UNKNOWN_ARGUMENT = Rule(
    "TF108", "unknown-module-argument", E, "A local module call sets an argument the module lacks."
)
MISSING_SOURCE = Rule(
    "TF109", "missing-module-source", E, "A local module source directory does not exist."
)
RULES = (UNDECLARED_OUTPUT, MISSING_INPUT, UNKNOWN_ARGUMENT, MISSING_SOURCE)


def check_call(
    call: ModuleCall, callee: ModuleInterface | None, *, source_exists: bool
) -> Iterator[Finding]:
    """TF106-TF109 for one call; paths are the caller's file names."""
    if callee is None:
        if not source_exists:
            yield MISSING_SOURCE.at(
                call.file,
                call.line,
                call.column,
                f"module `{call.name}` source `{call.source}` is not a directory",
            )
        return
    if not callee.complete:
        return
    for argument, (line, column) in sorted(call.arguments.items()):
        if argument not in callee.variables:
            yield UNKNOWN_ARGUMENT.at(
                call.file,
                line,
                column,
                f"module `{call.name}` ({call.source}) has no input variable `{argument}`",
            )
    missing = sorted(
        name
        for name, required in callee.variables.items()
        if required and name not in call.arguments
    )
    if missing:
        yield MISSING_INPUT.at(
            call.file,
            call.line,
            call.column,
            f"module `{call.name}` is missing required input"
            f"{'s' if len(missing) > 1 else ''} " + ", ".join(f"`{name}`" for name in missing),
        )
    for file, output, line, column in call.outputs:
        if output not in callee.outputs:
            yield UNDECLARED_OUTPUT.at(
                file, line, column, f"module `{call.name}` ({call.source}) has no output `{output}`"
            )
