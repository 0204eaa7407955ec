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
    data: object = compose.data
    rewritten = "<<" in compose.text
    for _ in range(_MAX_RETRIES):
        try:
            parser.from_yaml(_merged_yaml(data) if rewritten else compose.text)
        except ValueError as error:
            message = _POSITION.sub("", str(error))
            match = _POSITION.search(str(error))
            steps = _steps(message)
            if steps and _compose_accepts(data, steps, message):
                # Checked without the value compose-spec cannot judge; the rest still is.
                data = _without(data, steps)
                rewritten = True
                continue
            if rewritten or match is None:
                yield compose.finding(SPEC, steps, message)
            else:
                yield compose.context.finding(
                    SPEC, compose.path, int(match[1]), int(match[2]), message
                )
        return


#: Values compose-spec's parser set aside before the file is valid: each a fresh parse.
_MAX_RETRIES = 20
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
#: A byte value with a fraction (`memory: 1.5G`), which Compose accepts.
_FRACTIONAL_BYTES = re.compile(r"^\d*\.\d+\s*[kKmMgGtT]?[bB]?$")
#: Platforms Docker accepts that compose-spec does not know (Wasm runtimes).
_PLATFORMS = re.compile(r"^wasi/wasm(32|64)?$")


def _steps(message: str) -> list[str | int]:
    """The key path a compose-spec message starts with (`services.app.volumes[0]: ...`)."""
    prefix = message.split(": ", 1)[0] if ": " in message else ""
    if not prefix or " " in prefix:
        return []
    return [int(index) if index else name for name, index in _STEP.findall(prefix)]


def _compose_accepts(data: object, steps: list[str | int], message: str) -> bool:
    """True when the value compose-spec rejects is one Docker Compose accepts.

    An unsubstituted variable (`${MEDIA_PATH}:/media`) has its value only when compose runs;
    a bind mount from the home directory (`~/data:/data`), a fractional byte size and a Wasm
    platform are valid Compose.
    """
    value = _at(data, steps)
    if isinstance(value, dict) and "source" in value:
        value = value["source"]
    if isinstance(value, str) and ("$" in value or value.startswith("~")):
        return True
    if isinstance(value, str) and _FRACTIONAL_BYTES.match(value.strip()):
        return True
    return steps[-1:] == ["platform"] and isinstance(value, str) and bool(_PLATFORMS.match(value))


def _at(data: object, steps: list[str | int]) -> object:
    for step in steps:
        found = (isinstance(data, dict) and step in data) or (
            isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)
        )
        if not found:
            return None
        data = data[step]  # type: ignore[index]
    return data


def _without(data: object, steps: list[str | int]) -> object:
    """A copy of ``data`` without the value at ``steps``."""
    if not steps:
        return data
    step, rest = steps[0], steps[1:]
    if isinstance(data, dict):
        if not rest:
            return {key: value for key, value in data.items() if key != step}
        return {key: _without(value, rest) if key == step else value for key, value in data.items()}
    if isinstance(data, list) and isinstance(step, int):
        if not rest:
            return [value for index, value in enumerate(data) if index != step]
        return [
            _without(value, rest) if index == step else value for index, value in enumerate(data)
        ]
    return data


def _merged_yaml(data: object) -> str:
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False))
