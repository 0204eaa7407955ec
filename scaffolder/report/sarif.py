"""SARIF 2.1.0: one run, the registry's rules with ``helpUri``, one result per finding.

Result paths are relative to the directory the report's paths are relative to (the current
directory, for the CLI), named by the ``SRCROOT`` base id, whose absolute URI the run gives in
``originalUriBaseIds``: code scanning resolves them against its checkout, other readers against
that directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scaffolder import __version__
from scaffolder.validation.model import Finding, Report, Severity
from scaffolder.validation.registry import Registry

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: The base id of every result's artifact location.
BASE_ID = "SRCROOT"


def to_sarif(report: Report, registry: Registry, base: Path) -> dict[str, Any]:
    """The report as a SARIF log object; ``base`` is the directory finding paths start from."""
    from scaffolder.rules_docs import doc_page

    rules = list(registry)
    index = {rule.id: position for position, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "scaffolder",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule.id,
                                "name": rule.name,
                                "shortDescription": {"text": rule.summary},
                                "helpUri": rule.help_uri,
                                "help": _help(rule.id, rule.summary, doc_page),
                                "defaultConfiguration": {
                                    "level": _LEVEL[rule.severity],
                                    "enabled": rule.enabled,
                                },
                                "properties": {"domain": registry.domain(rule.id)},
                            }
                            for rule in rules
                        ],
                    }
                },
                "originalUriBaseIds": {
                    # A directory's URI ends with a slash, so relative paths resolve inside it.
                    BASE_ID: {"uri": base.absolute().as_uri().rstrip("/") + "/"}
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(finding, index) for finding in report.findings],
            }
        ],
    }


def _physical(path: str, region: dict[str, int]) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": quote(path), "uriBaseId": BASE_ID},
        "region": region,
    }


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    """One result; the other places its message names are its related locations.

    The message links each of them (`[path:line](id)`, SARIF 3.11.6), so code scanning shows
    them as links; square brackets of the text itself are escaped for that reason.
    """
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        **({"ruleIndex": index[finding.rule]} if finding.rule in index else {}),
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": _physical(
                    finding.path, {"startLine": finding.line, "startColumn": finding.column}
                )
            }
        ],
    }
    if finding.related:
        spans: list[tuple[int, int, int]] = []
        related = []
        for number, place in enumerate(finding.related, start=1):
            spans += [
                (m.start(), m.end(), number) for m in place.mention().finditer(finding.message)
            ]
            related.append(
                {
                    "id": number,
                    "physicalLocation": _physical(place.path, {"startLine": place.line}),
                    "message": {"text": str(place)},
                }
            )
        parts: list[str] = []
        end = 0
        for start, stop, number in sorted(spans):
            if start < end:
                continue
            parts += [
                _escaped(finding.message[end:start]),
                f"[{finding.message[start:stop]}]({number})",
            ]
            end = stop
        text = "".join([*parts, _escaped(finding.message[end:])])
        result["message"] = {"text": text}
        result["relatedLocations"] = related
    return result


def _escaped(text: str) -> str:
    """Message text outside a link: its square brackets are literal (SARIF 3.11.6)."""
    return text.replace("[", "\\[").replace("]", "\\]")


def _help(rule_id: str, summary: str, page: Callable[[str], str]) -> dict[str, str]:
    """The rule's summary, and its documentation page (code scanning shows the Markdown)."""
    try:
        return {"text": summary, "markdown": page(rule_id)}
    except OSError:  # a rule of a registry a test built, without a page
        return {"text": summary}


def render_sarif(report: Report, registry: Registry, base: Path) -> str:
    """The SARIF log as indented JSON text (see :func:`to_sarif`)."""
    return json.dumps(to_sarif(report, registry, base), indent=2) + "\n"
