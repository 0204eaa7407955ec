"""The terraform-docs section of a module's README, filled from the module's own Terraform.

A generated ``infra/README.md`` carries terraform-docs' markers; at render time this module fills
them with the module's inputs and outputs, read through scaffolder's HCL view, in the layout
``terraform-docs markdown table --show inputs,outputs`` (v0.22 and later) writes. Running
terraform-docs on the generated module afterwards changes nothing, and a project gets its
reference without installing a Go binary first.

Only what terraform-docs' markdown table needs is reproduced: its cell sanitizer (pipes,
underscores, line breaks, code spans, URLs), its JSON rendering of defaults and its sort by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import InvalidTemplate

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
README = "README.md"


@dataclass(frozen=True, slots=True)
class Input:
    """A ``variable``: ``default`` is its JSON text, None when it has no default."""

    name: str
    description: str
    type: str
    default: str | None


@dataclass(frozen=True, slots=True)
class Output:
    """An ``output`` and its description."""

    name: str
    description: str


def _type_source(text: str, line: int, column: int) -> str:
    """The source text of a type constraint starting at ``line``:``column``.

    terraform-docs prints a type as written (its line breaks and indentation included), and the
    view keeps where an expression starts but not where it ends, so the end is found here: a
    type constraint is a keyword, optionally followed by a bracketed argument list, and any
    string inside it (an ``optional()`` default) is skipped whole.
    """
    lines = text.split("\n")
    offset = sum(len(previous) + 1 for previous in lines[: line - 1]) + column - 1
    match = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(text, offset)
    if match is None:
        return text[offset:].split("\n", 1)[0].strip()
    end = match.end()
    rest = re.compile(r"[ \t]*\(").match(text, end)
    if rest is None:
        return match.group()
    depth, index, quote = 0, rest.end() - 1, False
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return text[offset : index + 1]
        index += 1
    return text[offset:]


def _inferred_type(default: object) -> str:
    """The type terraform-docs shows for a variable without ``type``, from its default."""
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, (int, float)):
        return "number"
    if isinstance(default, str):
        return "string"
    if isinstance(default, list):
        return "list"
    if isinstance(default, dict):
        return "map"
    return "any"


def read_interface(directory: Path) -> tuple[list[Input], list[Output]]:
    """The inputs and outputs of the Terraform module in ``directory``, sorted by name.

    Raises:
        InvalidTemplate: A ``.tf`` file does not parse, or a default is not a constant (which
            Terraform refuses too): a template that renders such a module is broken.
    """
    from scaffolder.validation.terraform.hcl import HclSyntaxError, parse
    from scaffolder.validation.terraform.syntax import UNKNOWN, literal_value, string_value

    inputs: list[Input] = []
    outputs: list[Output] = []
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        try:
            hcl = parse(text, path.name)
        except HclSyntaxError as error:
            raise InvalidTemplate(f"`{path}` does not parse: {error}") from error
        for block in hcl.blocks("variable"):
            attributes = block.attributes
            description = attributes.get("description")
            default_value: object = None
            default: str | None = None
            if "default" in attributes:
                default_value = literal_value(attributes["default"].value)
                if default_value is UNKNOWN:
                    raise InvalidTemplate(
                        f"`{path.name}`: the default of variable `{block.label(0)}` is not a "
                        "constant"
                    )
                default = json.dumps(default_value, indent=2, sort_keys=True, ensure_ascii=False)
            type_expr = attributes["type"].value if "type" in attributes else None
            inputs.append(
                Input(
                    name=block.label(0),
                    description=(string_value(description.value) or "") if description else "",
                    type=_type_source(text, type_expr.line, type_expr.column)
                    if type_expr is not None
                    else _inferred_type(default_value),
                    default=default,
                )
            )
        for block in hcl.blocks("output"):
            description = block.attributes.get("description")
            outputs.append(
                Output(
                    name=block.label(0),
                    description=(string_value(description.value) or "") if description else "",
                )
            )
    return sorted(inputs, key=lambda item: item.name), sorted(outputs, key=lambda item: item.name)


def _segments(text: str, fence: str) -> Iterable[tuple[str, bool]]:
    """``text`` split on ``fence``: (segment, inside a fenced part), as terraform-docs splits."""
    for index, segment in enumerate(text.split(fence)):
        yield segment, index % 2 == 1


_EMPHASIS = (
    # Underscores that open a line's list-like marker or wrap a word stay unescaped.
    (re.compile(r"^([\t\n\f\r ]*)(_+)([\t\n\f\r ]+)(.*)"), (2,)),
    (
        re.compile(r"([\t\n\f\r ]+)(_+)([^\t\n\f\r _])(.*)([^\t\n\f\r _])(_+)([\t\n\f\r ]+)"),
        (6, 2),
    ),
)
_KEEP = "\x00"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`|]+")


def _escape_underscores(line: str) -> str:
    for pattern, groups in _EMPHASIS:
        for match in list(pattern.finditer(line)):
            for group in groups:
                start, end = match.span(group)
                line = line[:start] + _KEEP * (end - start) + line[end:]
    return line.replace("_", "\\_").replace(_KEEP, "_")


def _escape_text(text: str) -> str:
    """Pipes and underscores outside code spans escaped; URLs left as they were."""
    escaped = "".join(
        f"`{part}`" if code else part.replace("|", "\\|") for part, code in _segments(text, "`")
    )
    escaped = "".join(
        f"`{part}`" if code else "\n".join(_escape_underscores(line) for line in part.split("\n"))
        for part, code in _segments(escaped, "`")
    )
    for url in _URL.findall(escaped):
        escaped = escaped.replace(url, url.replace("\\", ""))
    return escaped


def _line_breaks(text: str) -> str:
    text = text.strip()
    text = re.sub(r"(\S*)(\r?\n)(\s*)(\w+)", r"\1  \2\3\4", text)
    text = text.replace("    \n", "  \n").replace("  \n\n", "\n\n").replace("\n  \n", "\n\n")
    return text.replace("  \n", "<br/>").replace("\n", "<br/>")


def table_cell(text: str) -> str:
    """``text`` as terraform-docs puts it in a markdown table cell (HTML and escaping on)."""
    if not text:
        return "n/a"
    cell = []
    for part, code in _segments(text, "```"):
        if code:
            cell.append("<pre>" + part.strip().replace("\n", "<br/>").replace("\r", "") + "</pre>")
        else:
            cell.append(_line_breaks(_escape_text(part)))
    return "".join(cell)


def _code(text: str) -> str:
    """terraform-docs' fenced code: a code span, or a fenced block when ``text`` has lines."""
    return f"\n\n```\n{text}\n```\n" if "\n" in text else f"`{text}`"


def _anchor(prefix: str, name: str) -> str:
    escaped = name.replace("_", "\\_")
    anchor = f"{prefix}_{name}"
    return f'<a name="{anchor}"></a> [{escaped}](#{anchor.replace("_", chr(92) + "_")})'


def markdown_table(inputs: Sequence[Input], outputs: Sequence[Output]) -> str:
    """The ``Inputs`` and ``Outputs`` sections of ``terraform-docs markdown table``."""
    lines = ["## Inputs", ""]
    if inputs:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "| ---- | ----------- | ---- | ------- | :------: |",
        ]
        for item in inputs:
            default = "n/a" if item.default is None else table_cell(_code(item.default))
            lines.append(
                f"| {_anchor('input', item.name)} | {table_cell(item.description)} | "
                f"{table_cell(_code(item.type))} | {default} | "
                f"{'yes' if item.default is None else 'no'} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "| ---- | ----------- |"]
        lines += [
            f"| {_anchor('output', item.name)} | {table_cell(item.description)} |"
            for item in outputs
        ]
    else:
        lines.append("No outputs.")
    return "\n".join(lines)


def inject(readme: str, content: str) -> str:
    """``readme`` with ``content`` between the terraform-docs markers, as terraform-docs injects.

    Raises:
        ValueError: The markers are missing or out of order.
    """
    start, stop = readme.find(BEGIN), readme.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"no `{BEGIN}` … `{END}` section")
    return readme[:start] + f"{BEGIN}\n{content}\n" + readme[stop:]


def fill(project: Path) -> list[Path]:
    """Fill the terraform-docs section of every module README under ``project``.

    A README qualifies when it sits next to ``.tf`` files and holds both markers.

    Returns:
        The READMEs written.

    Raises:
        InvalidTemplate: A module's Terraform cannot be read (see :func:`read_interface`).
    """
    written = []
    for readme in sorted(project.rglob(README)):
        text = readme.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text or not any(readme.parent.glob("*.tf")):
            continue
        inputs, outputs = read_interface(readme.parent)
        readme.write_text(inject(text, markdown_table(inputs, outputs)), encoding="utf-8")
        written.append(readme)
    return written
