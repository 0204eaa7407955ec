"""The adapter for Rego files: OPA's own parser, from the optional `rego` extra.

OPA is the engine Spacelift evaluates policies with. `opa-golib-python-bindings` embeds it; the
file is parsed with the `rego.parse_module` built-in, so what is reported is what OPA itself
refuses, at the line (and, where OPA shows a caret, the column) it names. Spacelift's own
helpers (`sanitized`, `exec`) are functions OPA does not know, so the check stops at parsing:
compiling would reject every policy that uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffolder.validation.domain import Context

DISTRIBUTION = "opa-golib-python-bindings"
#: How to install the engine (its metadata claims Python >= 3.14; it runs on 3.10+).
INSTALL = "pip install --ignore-requires-python 'service-scaffolder[rego]'"
_ERROR = re.compile(r"^(?P<file>.+?):(?P<line>\d+): rego_\w+: (?P<message>.*)$")


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """One error OPA's parser reports."""

    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class RegoFile:
    """A Rego file as the rules see it: its path, and what OPA's parser said about it."""

    path: Path
    #: None when the engine is not installed and the file could not be parsed.
    problems: tuple[SyntaxProblem, ...] | None
    context: Context

    @property
    def location(self) -> str:
        """The file, as findings name it."""
        return self.context.relative(self.path)


def engine_version() -> str | None:
    """The installed OPA bindings' version, or None without the `rego` extra."""
    # Imported here: reading package metadata costs 10 ms that runs without .rego files skip.
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def parse_problems(name: str, source: str) -> tuple[SyntaxProblem, ...] | None:
    """OPA's parse errors for ``source``, none when it parses; None without the engine."""
    try:
        from opa_bindings import OpaEngine, OpaError
    except ImportError:
        return None
    with OpaEngine() as engine:
        try:
            # Only whether it parses comes back, not the module: a deeply nested policy's
            # syntax tree is too deep to decode from JSON in Python.
            engine.eval_query(
                "is_object(rego.parse_module(input.name, input.source))",
                {"name": name, "source": source},
            )
        except OpaError as error:
            return problems_in(error.message) or (SyntaxProblem(1, 1, error.message),)
    return ()


def problems_in(message: str) -> tuple[SyntaxProblem, ...]:
    """The errors in OPA's message.

    Each is `file:LINE: rego_parse_error: text`, then the source line and a caret under the
    column, each indented by a tab.
    """
    found: list[SyntaxProblem] = []
    lines = message.splitlines()
    for index, text in enumerate(lines):
        match = _ERROR.match(text.split(": rego.parse_module: ")[-1].split("occurred: ")[-1])
        if match is None:
            continue
        column = 1
        if index + 2 < len(lines) and lines[index + 2].strip() == "^":
            column = lines[index + 2].index("^")
        # OPA says line 0 for a file with no module at all (empty or only comments).
        line = max(int(match["line"]), 1)
        found.append(SyntaxProblem(line, max(column, 1), match["message"]))
    return tuple(dict.fromkeys(found))


def load(context: Context, path: Path) -> RegoFile:
    """``path`` parsed by OPA, when it is installed."""
    try:
        source = context.files.text(path)
    except (OSError, UnicodeDecodeError) as error:
        return RegoFile(path, (SyntaxProblem(1, 1, f"cannot read: {error}"),), context)
    return RegoFile(path, parse_problems(path.name, source), context)
