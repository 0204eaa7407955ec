"""Renderers of the `list` and `rules` listings: pure functions from data to text."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffolder.generation import QuestionInfo
    from scaffolder.templates import Template
    from scaffolder.validation.model import Rule
    from scaffolder.validation.registry import Registry


def _question_json(question: QuestionInfo) -> dict[str, object]:
    document: dict[str, object] = {
        "name": question.name,
        "help": question.text,
        "default": question.default,
        "rule": question.rule,
    }
    if question.derived_from:
        document["derived_from"] = list(question.derived_from)
    if question.choices:
        document["choices"] = list(question.choices)
    return document


def templates_json(
    templates: Sequence[Template], questions: Mapping[str, Sequence[QuestionInfo]]
) -> str:
    """The templates with their versions and questions, as JSON.

    ``answers`` maps each answer to its rendered default (the slug of the default name, not
    its Jinja expression); ``questions`` adds the help text, rule and choices.
    """
    return (
        json.dumps(
            [
                {
                    "name": t.name,
                    "version": t.version,
                    "description": t.description,
                    "answers": {q.name: q.default for q in questions[t.name]},
                    "questions": [_question_json(q) for q in questions[t.name]],
                }
                for t in templates
            ],
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def questions_text(questions: Sequence[QuestionInfo], indent: str = "  ") -> str:
    """One block per question: name and help, then default and rule, indented."""
    lines = []
    for question in questions:
        default = question.default
        if question.derived_from:
            default = f"{default} (from {', '.join(question.derived_from)})"
        lines.append(f"{indent}{question.name}  {question.text}\n")
        lines.append(f"{indent}    default: {default}; rule: {question.rule}\n")
    return "".join(lines)


def templates_text(
    templates: Sequence[Template], questions: Mapping[str, Sequence[QuestionInfo]]
) -> str:
    """Each template's name, version and description, then its questions."""
    return "\n".join(
        f"{t.name}  {t.version}  {t.description}\n{questions_text(questions[t.name])}"
        for t in templates
    )


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
