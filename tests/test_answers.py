from __future__ import annotations

import pytest

from scaffolder.answers import check_answers
from scaffolder.errors import InvalidAnswers

CHOICES = {"app_runtime": ["python", "node"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "project_slug",
            "My App!",
            "`project_slug` must be an RFC 1035 label of at most 30 characters",
        ),
        ("project_slug", "1app", "must be an RFC 1035 label"),
        ("project_slug", "app-", "must be an RFC 1035 label"),
        ("project_slug", "a" * 31, "at most 30 characters"),
        ("project_slug", "", "must be an RFC 1035 label"),
        ("project_slug", "app_name", "must be an RFC 1035 label"),
        ("app_runtime", "ruby", "`app_runtime` must be one of python, node: `ruby`"),
        (
            "app_port",
            "80",
            "`app_port` must be an integer from 1024 to 65535 (the container runs as non-root): `80`",
        ),
        ("app_port", "65536", "must be an integer from 1024 to 65535"),
        ("app_port", "8000.5", "must be an integer from 1024 to 65535"),
        ("app_port", "http", "must be an integer from 1024 to 65535"),
        ("app_port", True, "must be an integer from 1024 to 65535"),
        ("project_name", "", "`project_name` must be 1 to 100 printable characters on one line"),
        ("project_name", "two\nlines", "printable characters on one line"),
        ("project_name", "x" * 101, "printable characters on one line"),
    ],
)
def test_invalid_answer_names_field_rule_and_value(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        check_answers({field: value}, choices=CHOICES)
    assert [error.field for error in caught.value.errors] == [field]
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("project_slug", "a", "a"),
        ("project_slug", "a" * 30, "a" * 30),
        ("project_slug", "billing-api-2", "billing-api-2"),
        ("app_port", "1024", 1024),
        ("app_port", 65535, 65535),
        ("app_port", " 8080 ", 8080),
        ("app_runtime", "node", "node"),
        ("project_name", "{{ 7*7 }} & <Ünïcode>", "{{ 7*7 }} & <Ünïcode>"),
    ],
)
def test_valid_answers_are_normalised(field: str, value: object, expected: object) -> None:
    assert check_answers({field: value}, choices=CHOICES) == {field: expected}


def test_every_invalid_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        check_answers(
            {
                "project_slug": "Bad Slug",
                "app_runtime": "go",
                "app_port": "22",
                "project_name": "ok",
            },
            choices=CHOICES,
        )
    assert [error.field for error in caught.value.errors] == [
        "project_slug",
        "app_runtime",
        "app_port",
    ]
    assert str(caught.value).startswith("invalid answers (3):")
