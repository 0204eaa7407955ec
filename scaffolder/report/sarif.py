"""SARIF 2.1.0: one run, the registry's rules with ``helpUri``, one result per finding."""

from __future__ import annotations

import json
from typing import Any

from scaffolder import __version__
from scaffolder.validation.model import Report, Severity
from scaffolder.validation.registry import Registry

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_sarif(report: Report, registry: Registry) -> dict[str, Any]:
    """The report as a SARIF log object."""
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
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": finding.rule,
                        **({"ruleIndex": index[finding.rule]} if finding.rule in index else {}),
                        "level": _LEVEL[finding.severity],
                        "message": {"text": finding.message},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": finding.path},
                                    "region": {
                                        "startLine": finding.line,
                                        "startColumn": finding.column,
                                    },
                                }
                            }
                        ],
                    }
                    for finding in report.findings
                ],
            }
        ],
    }


def render_sarif(report: Report, registry: Registry) -> str:
    """The SARIF log as indented JSON text."""
    return json.dumps(to_sarif(report, registry), indent=2) + "\n"
