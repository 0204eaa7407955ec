"""The JSON report of PRODUCT.md (``version: 1``)."""

from __future__ import annotations

import json
from typing import Any

from scaffolder import __version__
from scaffolder.validation.model import Finding, Report, Severity


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as the JSON reports write it (``validate``, and ``update``'s plan).

    ``related`` (the other places the message names) is there only when there are some, so a
    finding of a single-file rule keeps exactly the documented keys.
    """
    written: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
    }
    if finding.related:
        written["related"] = [{"path": place.path, "line": place.line} for place in finding.related]
    return written


def to_dict(report: Report) -> dict[str, Any]:
    """The report as the documented JSON object."""
    return {
        "version": 1,
        "tool": {"name": "scaffolder", "version": __version__},
        "summary": {
            "files": report.files,
            "findings": len(report.findings),
            **{severity.value: report.count(severity) for severity in Severity},
        },
        "findings": [finding_dict(finding) for finding in report.findings],
    }


def render_json(report: Report) -> str:
    """The report as indented JSON text."""
    return json.dumps(to_dict(report), indent=2) + "\n"
