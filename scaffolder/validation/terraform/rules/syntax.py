"""Files the adapter cannot read as Terraform: invalid HCL or JSON, binary or non-UTF-8 text.

These rules are reported by the domain while parsing (``terraform/domain.py``), where the
parser's error and its position are known; a module with such a file runs only the rules that
cannot misfire on a partial module.
"""

from __future__ import annotations

from scaffolder.validation.model import Finding, Rule, Severity

SYNTAX = Rule("TF001", "hcl-syntax", Severity.ERROR, "A `.tf` file is not valid HCL.")
UNREADABLE = Rule(
    "TF002", "unreadable-file", Severity.ERROR, "A `.tf` file cannot be read as UTF-8 text."
)
RULES = (SYNTAX, UNREADABLE)


def unreadable(name: str, data: bytes | None, reason: str = "") -> Finding:
    """TF002 for a file whose bytes are not text, or that could not be read (``reason``)."""
    if data is None:
        return UNREADABLE.at(name, 1, 1, f"cannot read: {reason}")
    kind = "a binary file" if b"\0" in data else "not UTF-8 text"
    return UNREADABLE.at(name, 1, 1, f"cannot read: {kind}")


def syntax_error(name: str, line: int, column: int, message: str, text: str = "") -> Finding:
    """TF001 at the parser's position, with the offending line when there is one."""
    shown = _source_line(text, line)
    return SYNTAX.at(name, line, column, f"{message}: `{shown}`" if shown else message)


def _source_line(text: str, line: int) -> str:
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        shown = lines[line - 1].strip()
        return shown if len(shown) <= 80 else shown[:77] + "..."
    return ""
