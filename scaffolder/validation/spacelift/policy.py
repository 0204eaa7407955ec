"""The adapter for plan policy text: where a policy compares plan values as plain text.

Spacelift hashes the strings in a plan's `before` and `after` before plan policies see them
(default sanitization), so a policy that compares such a value with a literal, or runs a string
function over it, decides nothing unless the stack uses smart sanitization; `sanitized("...")`
is the way to compare with a hashed value (docs.spacelift.io, vendors/terraform/resource-
sanitization and concepts/policy/terraform-plan-policy#string-sanitization).

This is a lexical reading, not a data-flow analysis: a policy that reads `after` or `before`
and compares something other than the fields Spacelift leaves alone (`type`, `address`,
`name`, `provider_name`, `mode`, `actions`, `input.spacelift…`) with a string literal, or
passes it to a string built-in, is taken to compare plan values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Built-ins that read a string's text, which a hash does not have.
STRING_BUILTINS = frozenset(
    {
        "startswith",
        "endswith",
        "contains",
        "indexof",
        "indexof_n",
        "substring",
        "split",
        "replace",
        "lower",
        "upper",
        "trim",
        "trim_left",
        "trim_prefix",
        "trim_right",
        "trim_suffix",
        "trim_space",
        "strings.any_prefix_match",
        "strings.any_suffix_match",
        "strings.replace_n",
        "regex.match",
        "regex.find_n",
        "regex.find_all_string_submatch_n",
        "regex.split",
        "regex.replace",
        "glob.match",
        "net.cidr_contains",
        "net.cidr_intersects",
        "net.cidr_expand",
        "net.cidr_merge",
        "json.unmarshal",
        "json.is_valid",
        "yaml.unmarshal",
        "yaml.is_valid",
        "base64.decode",
        "units.parse",
        "units.parse_bytes",
    }
)
#: Fields of a resource change Spacelift does not sanitize.
PLAIN_FIELDS = frozenset({"type", "address", "name", "provider_name", "mode", "actions"})

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>"(?:[^"\\\n]|\\.)*"|`[^`]*`)
      | (?P<ref>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<op>==|!=|:=|[(),\[\]{}])
      | (?P<newline>\n)
      | (?P<other>\S)""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class PlainComparison:
    """Where a policy compares a plan value as plain text."""

    line: int
    what: str


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    line: int


def _tokens(source: str) -> list[_Token]:
    tokens = []
    line = 1
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind not in ("comment", "newline"):
            tokens.append(_Token(kind, text, line))
        line += text.count("\n")
    return tokens


def _plain(token: _Token, names: set[str]) -> bool:
    """A reference to something Spacelift does not hash (``names``: variables bound to one)."""
    if token.kind != "ref":
        return False
    parts = token.text.split(".")
    if {"after", "before"} & set(parts):
        return False
    return (
        parts[-1] in PLAIN_FIELDS or token.text.startswith("input.spacelift") or token.text in names
    )


def plain_comparisons(source: str) -> list[PlainComparison]:
    """Where ``source`` compares plan values as plain text; empty when it reads no plan values."""
    tokens = _tokens(source)
    if not any(t.kind == "ref" and {"after", "before"} & set(t.text.split(".")) for t in tokens):
        return []
    found: list[PlainComparison] = []
    plain_names: set[str] = set()
    calls: list[str] = []  # the call each open parenthesis belongs to ("" for grouping)
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.text in ("(", "[", "{"):
            calls.append(
                previous.text if previous and previous.kind == "ref" and token.text == "(" else ""
            )
            continue
        if token.text in (")", "]", "}"):
            if calls:
                calls.pop()
            continue
        if "sanitized" in calls:
            continue
        # `some x in change.change.actions`: x is as plain as what it ranges over.
        if (
            token.text == "some"
            and index + 3 < len(tokens)
            and tokens[index + 2].text == "in"
            and _plain(tokens[index + 3], plain_names)
        ):
            plain_names.add(tokens[index + 1].text)
        if token.kind == "ref" and following is not None and following.text == "(":
            if token.text in STRING_BUILTINS:
                argument = tokens[index + 2] if index + 2 < len(tokens) else None
                if argument is None or not _plain(argument, plain_names):
                    found.append(PlainComparison(token.line, f"`{token.text}(…)`"))
        elif (
            token.text == "in"
            and previous is not None
            and following is not None
            and following.text in ("{", "[")
            and index + 2 < len(tokens)
            and tokens[index + 2].kind == "string"
            and previous.kind != "string"
            and not (index >= 2 and tokens[index - 2].text == "some")
            and not _plain(previous, plain_names)
        ):
            found.append(PlainComparison(token.line, f"`in {{{tokens[index + 2].text}, …}}`"))
        elif token.text in ("==", "!=") and previous is not None and following is not None:
            sides = (previous, following)
            literal = next((side for side in sides if side.kind == "string"), None)
            other = following if literal is previous else previous
            if (
                literal is not None
                and other.kind != "string"
                and not _plain(other, plain_names)
                and other.text != "sanitized"
                and not (other.text == ")" and _closes_sanitized(tokens, index - 1))
            ):
                found.append(PlainComparison(token.line, f"`{token.text} {literal.text}`"))
    return found


def _closes_sanitized(tokens: list[_Token], close: int) -> bool:
    """Whether the `)` at ``close`` ends a `sanitized(...)` call."""
    depth = 0
    for index in range(close, -1, -1):
        text = tokens[index].text
        if text == ")":
            depth += 1
        elif text == "(":
            depth -= 1
            if depth == 0:
                return index > 0 and tokens[index - 1].text == "sanitized"
    return False
