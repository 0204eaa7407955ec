"""Answers of every YAML/JSON scalar type for every field of every template.

Each value is written in an answers file and read as scaffolder reads it, so YAML's own typing
decides what arrives (`yes` is a boolean, `1.10` a float, `2024-01-01` a date, `0x1F` an
integer). Every field either takes the value, normalised, or refuses it naming the field and the
rule; nothing raises anything else, and nothing is ever written for a refused file.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.answers import check_answers
from scaffolder.cli import _load_answers_file
from scaffolder.errors import InvalidAnswers, InvalidAnswersFile
from scaffolder.generation import resolve_answers
from scaffolder.templates import Template, list_templates

INTEGER_FIELDS = {"app_port", "node_min_count", "node_max_count"}
#: Fields that mean true or false: a YAML/JSON boolean is taken, as `true`/`false`.
BOOLEAN_FIELDS = {"region_unchecked", "database_high_availability"}
#: YAML spellings and the Python type PyYAML's safe loader gives them.
YAML_SCALARS = {
    "yes": bool,
    "off": bool,
    "true": bool,
    "null": type(None),
    "~": type(None),
    "1984": int,
    "8000": int,
    "0x1F": int,
    "1.10": float,
    "-0.5": float,
    ".inf": float,
    "2024-01-01": datetime.date,
    "'quoted text'": str,
    '""': str,
}
JSON_SCALARS = {"true": bool, "false": bool, "null": type(None), "8000": int, "1.5": float}

CASES = [
    (template, field, literal, kind, suffix)
    for template in list_templates()
    for field in template.questions
    for suffix, scalars in ((".yaml", YAML_SCALARS), (".json", JSON_SCALARS))
    for literal, kind in scalars.items()
]


def _read(tmp_path: Path, field: str, literal: str, suffix: str) -> object:
    path = tmp_path / f"answers{suffix}"
    text = f'{{"{field}": {literal}}}' if suffix == ".json" else f"{field}: {literal}\n"
    path.write_text(text)
    return _load_answers_file(path)[field]


@pytest.mark.parametrize(
    ("template", "field", "literal", "kind", "suffix"),
    CASES,
    ids=[f"{t.name}-{f}-{lit}{s}" for t, f, lit, _, s in CASES],
)
def test_every_scalar_type_is_taken_or_refused_by_name(
    tmp_path: Path, template: Template, field: str, literal: str, kind: type, suffix: str
) -> None:
    value = _read(tmp_path, field, literal, suffix)
    assert type(value) is kind  # the reader typed it as YAML/JSON says
    # With every other answer at its default: taken or refused, never another exception.
    with contextlib.suppress(InvalidAnswers):
        resolve_answers(template, {field: value})
    try:
        answers = check_answers({field: value}, choices=template.choices, cloud=template.cloud)
    except InvalidAnswers as error:
        assert [e.field for e in error.errors] == [field]
        reason = error.errors[0].reason
        if field in template.choices:
            assert reason.startswith("must be one of"), reason
        elif field in BOOLEAN_FIELDS:
            assert kind is not bool, (value, reason)
            assert reason.startswith("must be true or false"), reason
        elif kind in {bool, type(None), float, datetime.date}:
            if field in INTEGER_FIELDS:
                assert reason.startswith("must be an integer") and ", not " in reason, reason
            else:
                assert reason.startswith("must be text, not "), reason
                assert "quote it" in reason
        else:
            # Text and integers reach the field's own rule, which names what it wants.
            assert reason.startswith("must"), reason
            assert "must be text" not in reason, reason
        return
    taken = answers[field]
    if field in BOOLEAN_FIELDS:
        assert taken == str(value).strip().lower() and taken in {"true", "false"}, (value, taken)
        return
    # Only text and integers are ever taken; never a boolean, null, float or date turned to text.
    assert kind in {str, int}, (value, taken)
    if field in INTEGER_FIELDS:
        assert taken == int(value)  # type: ignore[call-overload]
    else:
        assert taken == str(value).strip() or taken == str(value)


def test_a_name_that_yaml_reads_as_a_number_is_a_name(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("project_name: 1984\nproject_slug: novel\n")
    result = subprocess.run(
        [sys.executable, "-m", "scaffolder", "new", "docker-dev", "--answers-file", str(answers)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "novel" / ".scaffolder.json").read_text())
    assert record["answers"]["project_name"] == "1984"


def test_wrong_types_in_one_file_are_all_named_with_exit_2(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "project_name: null\nproject_slug: yes\napp_port: 8000.0\napp_runtime: true\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "scaffolder", "new", "docker-dev", "--answers-file", str(answers)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid answers (4)" in result.stderr
    assert "`project_name` must be text, not null" in result.stderr
    assert "`project_slug` must be text, not a boolean" in result.stderr
    assert "`app_port` must be an integer from 1024 to 65535" in result.stderr
    assert "`app_runtime` must be one of python, node: `true`" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yaml"]


def test_the_yaml_boolean_words_are_refused_as_slugs_by_their_rule(
    tmp_path: Path, kubectl: str
) -> None:
    """Each refused word is one that kustomize, which renders the manifests, does not keep as a
    plain string: it quotes the YAML 1.1 booleans for the readers after it, and turns `null`
    into null. A word it keeps plain (`main`) is a slug like any other.
    """
    import yaml

    from scaffolder.answers import YAML_AMBIGUOUS

    def rendered_label(word: str) -> str:
        (tmp_path / "cm.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    app: {word}\n"
        )
        (tmp_path / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
        result = subprocess.run(
            [kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, check=True
        )
        (line,) = [line.strip() for line in result.stdout.splitlines() if "app:" in line]
        return line

    assert rendered_label("main") == "app: main"
    check_answers({"project_slug": "main"})
    for word in sorted(YAML_AMBIGUOUS):
        value = rendered_label(word).removeprefix("app: ")
        # Quoted to survive YAML 1.1 readers (`y`, `on`), or no longer a string (`true`, `null`).
        assert value == f'"{word}"' or not isinstance(yaml.safe_load(value), str), (word, value)
        with pytest.raises(InvalidAnswers, match="must not be a word YAML reads as a boolean"):
            check_answers({"project_slug": word})


def test_deep_nesting_and_huge_files_are_refused_quickly(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("project_name: " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InvalidAnswersFile, match=r"nested too deeply|must be a scalar"):
        _load_answers_file(deep)
    deep_json = tmp_path / "deep.json"
    deep_json.write_text('{"project_name": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InvalidAnswersFile, match="nested too deeply"):
        _load_answers_file(deep_json)
    huge = tmp_path / "huge.yaml"
    huge.write_text("project_name: " + "x" * 20_000_000 + "\n")
    with pytest.raises(InvalidAnswersFile, match="is larger than 1000000 bytes"):
        _load_answers_file(huge)


def test_a_long_value_is_refused_by_its_length_and_not_echoed_in_full() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        check_answers({"project_name": "n" * 500_000})
    message = str(caught.value)
    assert "must be at most 1000 characters, not 500000" in message
    assert "(500000 characters)" in message
    assert len(message) < 300
