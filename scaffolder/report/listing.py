"""Renderers of the `list` and `rules` listings: pure functions from data to text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffolder.templates import Template
    from scaffolder.validation.model import Rule
    from scaffolder.validation.registry import Registry


def templates_json(templates: Sequence[Template]) -> str:
    """The templates with their versions and questions, as JSON."""
    return (
        json.dumps(
            [
                {
                    "name": t.name,
                    "version": t.version,
                    "description": t.description,
                    "answers": t.questions,
                }
                for t in templates
            ],
            indent=2,
        )
        + "\n"
    )


def templates_text(templates: Sequence[Template]) -> str:
    """One line per template: name, version, description."""
    width = max((len(t.name) for t in templates), default=0)
    return "".join(f"{t.name:<{width}}  {t.version:<8}  {t.description}\n" for t in templates)


def source_file(registry: Registry, rule_id: str) -> str:
    """The file holding a rule's metadata and check, relative to the repository root."""
    module = registry.family(rule_id)
    return (PurePosixPath(*module.split("."))).with_suffix(".py").as_posix() if module else ""


def rules_json(rules: Sequence[Rule], registry: Registry) -> str:
    """Rules with their metadata, domain and source file, as JSON."""
    return (
        json.dumps(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "domain": registry.domain(r.id),
                    "severity": r.severity.value,
                    "enabled": r.enabled,
                    "summary": r.summary,
                    "help_uri": r.help_uri,
                    "source": source_file(registry, r.id),
                }
                for r in rules
            ],
            indent=2,
        )
        + "\n"
    )


def rules_text(rules: Sequence[Rule]) -> str:
    """One line per rule: id, severity, on/off, summary."""
    return "".join(
        f"{rule.id:<11} {rule.severity.value:<8} {'on' if rule.enabled else 'off':<4} "
        f"{rule.summary}\n"
        for rule in rules
    )


def rule_page(rule: Rule, registry: Registry, page: str) -> str:
    """A rule's documentation page, and where its check lives."""
    return f"{page.rstrip()}\n\nSource: `{source_file(registry, rule.id)}`\n"
