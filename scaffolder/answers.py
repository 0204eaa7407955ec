"""Answer rules: one rule per field name, shared by every template.

This module is imported by the templates' ``pre_gen_project`` hooks, so a template used with plain
``cookiecutter`` checks its answers with exactly the code ``scaffolder new`` uses. Keep it to the
standard library: the hook runs in whatever interpreter runs cookiecutter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scaffolder.errors import InvalidAnswer, InvalidAnswers

Answers = dict[str, object]

# It becomes Kubernetes object names, image names and cloud resource ids: DNS-1123 label, short
# enough to leave room for suffixes such as `-infra` or `-nodes` inside 63-character limits.
_SLUG = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?")
SLUG_MAX = 30
NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Rule:
    """How one field is checked and normalised.

    ``check`` returns the normalised value or raises ``ValueError`` whose text is the rule.
    """

    field: str
    check: Callable[[object], object]


def _project_name(value: object) -> object:
    text = str(value)
    if not text.strip() or len(text) > NAME_MAX or not text.isprintable():
        raise ValueError(f"must be 1 to {NAME_MAX} printable characters on one line")
    return text


def _project_slug(value: object) -> object:
    text = str(value)
    if len(text) > SLUG_MAX or not _SLUG.fullmatch(text):
        raise ValueError(
            f"must be a DNS-1123 label of at most {SLUG_MAX} characters (lowercase letters, "
            "digits and hyphens, starting with a letter, not ending with a hyphen)"
        )
    return text


def _app_port(value: object) -> object:
    # bool is an int subclass; `true` from a YAML answers file is not a port.
    if isinstance(value, bool):
        raise ValueError("must be an integer from 1024 to 65535 (the container runs as non-root)")
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if not 1024 <= port <= 65535:
        raise ValueError("must be an integer from 1024 to 65535 (the container runs as non-root)")
    return port


RULES: Mapping[str, Rule] = {
    rule.field: rule
    for rule in (
        Rule("project_name", _project_name),
        Rule("project_slug", _project_slug),
        Rule("app_port", _app_port),
    )
}


def check_answers(
    answers: Mapping[str, object], *, choices: Mapping[str, Sequence[str]] | None = None
) -> Answers:
    """Check every answer and return the normalised answers.

    Args:
        answers: Field name to value; values are data, never rendered.
        choices: Fields whose value must be one of a fixed list (from ``cookiecutter.json``).

    Returns:
        The answers with normalised values (``app_port`` as ``int``).

    Raises:
        InvalidAnswers: One or more fields break their rule; every broken field is listed.
    """
    choices = choices or {}
    errors: list[InvalidAnswer] = []
    cleaned: Answers = {}
    for field, value in answers.items():
        if field in choices:
            allowed = [str(option) for option in choices[field]]
            if str(value) not in allowed:
                errors.append(
                    InvalidAnswer(
                        field=field, value=value, reason=f"must be one of {', '.join(allowed)}"
                    )
                )
                continue
            cleaned[field] = str(value)
            continue
        rule = RULES.get(field)
        if rule is None:
            cleaned[field] = value
            continue
        try:
            cleaned[field] = rule.check(value)
        except ValueError as error:
            errors.append(InvalidAnswer(field=field, value=value, reason=str(error)))
    if errors:
        raise InvalidAnswers(errors=errors)
    return cleaned
