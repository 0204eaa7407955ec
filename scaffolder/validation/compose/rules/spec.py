"""The file is YAML and follows the Compose Specification (compose-spec)."""

from __future__ import annotations

import re
from collections.abc import Iterator

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


def check(compose: ComposeFile) -> Iterator[Finding]:
    """COMPOSE001: the first reason the file is not a valid compose file, if any."""
    from compose_spec import PyCompose

    if compose.error is not None:
        line, column, message = compose.error
        yield compose.context.finding(SPEC, compose.path, line, column, message)
        return
    assert compose.text is not None
    # compose-spec's YAML reader does not apply merge keys (`<<: *anchor`), which Compose itself
    # does: a file using them is checked in its merged form, and errors are placed by key path.
    merged = "<<" in compose.text
    try:
        PyCompose.from_yaml(_merged_yaml(compose.data) if merged else compose.text)
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
