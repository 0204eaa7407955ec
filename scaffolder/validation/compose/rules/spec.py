"""The file is YAML and follows the Compose Specification (compose-spec)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scaffolder.validation.compose.files import ComposeFile
from scaffolder.validation.model import Finding, Rule, Severity

SPEC = Rule(
    "COMPOSE001",
    "compose-spec",
    Severity.ERROR,
    "The compose file is not valid YAML or breaks the Compose Specification.",
)
RULES = (SPEC,)

_POSITION = re.compile(r" at line (\d+) column (\d+)$")


@functools.lru_cache(maxsize=1)
def native_parser() -> Any:
    """compose-spec's Rust parser (``compose_spec.compose_spec.PyCompose``).

    compose-spec's package ``__init__`` also builds pydantic models of the whole specification,
    which costs 120 ms at start-up (a fifth of `scaffolder new`), and ``PyCompose.from_yaml``
    there only wraps the Rust parser. So the extension module is loaded on its own, and
    registered under its usual name so a later ``import compose_spec`` reuses it; if that
    ever fails, the package is imported as usual.
    """
    import importlib.machinery
    import importlib.util
    import sys

    name = "compose_spec.compose_spec"
    if name not in sys.modules:
        try:
            package = importlib.util.find_spec("compose_spec")
            locations = list(package.submodule_search_locations or []) if package else []
            library = next(
                path
                for location in locations
                for path in sorted(Path(location).glob("compose_spec*.so"))
            )
            loader = importlib.machinery.ExtensionFileLoader(name, str(library))
            spec = importlib.util.spec_from_file_location(name, library, loader=loader)
            assert spec is not None
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            sys.modules[name] = module
        except (ImportError, StopIteration, AssertionError, OSError):
            from compose_spec import PyCompose

            return PyCompose
    return sys.modules[name].PyCompose


def check(compose: ComposeFile) -> Iterator[Finding]:
    """COMPOSE001: the first reason the file is not a valid compose file, if any."""
    parser = native_parser()
    if compose.error is not None:
        line, column, message = compose.error
        yield compose.context.finding(SPEC, compose.path, line, column, message)
        return
    assert compose.text is not None
    # compose-spec's YAML reader does not apply merge keys (`<<: *anchor`), which Compose itself
    # does: a file using them is checked in its merged form, and errors are placed by key path.
    merged = "<<" in compose.text
    try:
        parser.from_yaml(_merged_yaml(compose.data) if merged else compose.text)
    except ValueError as error:
        message = _POSITION.sub("", str(error))
        match = _POSITION.search(str(error))
        if merged or match is None:
            prefix = message.split(": ", 1)[0] if ": " in message else ""
            steps: list[str | int] = (
                [p for p in prefix.split(".") if p] if " " not in prefix else []
            )
            yield compose.finding(SPEC, steps, message)
        else:
            yield compose.context.finding(SPEC, compose.path, int(match[1]), int(match[2]), message)


def _merged_yaml(data: object) -> str:
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False))
