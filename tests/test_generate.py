from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import scaffolder
from scaffolder.errors import InvalidAnswer, InvalidAnswers, RenderFailed, TargetExists
from scaffolder.generation import Question, resolve_answers
from scaffolder.templates import get_template, list_templates

from .conftest import REPO, build_tree, tree


def test_library_api_matches_the_cli(tmp_path: Path) -> None:
    path = scaffolder.generate("docker-dev", tmp_path, answers={"project_name": "Lib Use"})
    assert path == tmp_path / "lib-use"
    assert scaffolder.validate([path]).findings == ()
    assert [t.name for t in scaffolder.list_templates()] == ["docker-dev", "eks", "gke"]


def test_failure_mid_render_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "new" / "dir"
    from scaffolder import generation as generate_module

    original = generate_module._render

    def render_then_fail(template, answers, staging):  # type: ignore[no-untyped-def]
        project = original(template, answers, staging)
        assert (project / "app" / "Dockerfile").is_file()  # the render really happened
        raise RenderFailed(template=template.name, reason="disk full")

    monkeypatch.setattr(generate_module, "_render", render_then_fail)
    with pytest.raises(RenderFailed, match="rendering template `docker-dev` failed: disk full"):
        scaffolder.generate("docker-dev", out)
    # The output directory did not exist before and is gone again, temporary files included.
    assert not (tmp_path / "new").exists()


def test_ctrl_c_mid_render_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffolder import generation as generate_module

    original = generate_module._render

    def render_then_interrupt(template, answers, staging):  # type: ignore[no-untyped-def]
        original(template, answers, staging)
        raise KeyboardInterrupt

    monkeypatch.setattr(generate_module, "_render", render_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        scaffolder.generate("docker-dev", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failing_hook_inside_cookiecutter_leaves_nothing(tmp_path: Path) -> None:
    template_copy = tmp_path / "templates"
    import shutil

    shutil.copytree(REPO / "templates", template_copy)
    # A template whose shared part is missing fails in the post-generation step.
    (template_copy / "docker-dev" / "cookiecutter.json").write_text(
        (template_copy / "docker-dev" / "cookiecutter.json")
        .read_text()
        .replace('"dev"', '"no-such-part"')
    )
    from scaffolder.generation import _render
    from scaffolder.templates import load_template

    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(RenderFailed, match="shared part `no-such-part`, which does not exist"):
        _render(
            load_template(template_copy / "docker-dev"),
            {"project_name": "x", "project_slug": "x", "app_runtime": "python", "app_port": 8000},
            staging,
        )
    assert list(staging.iterdir()) == []


def test_existing_target_without_force_raises_before_writing(tmp_path: Path) -> None:
    build_tree(tmp_path, {"my-service/keep": "x"})
    with pytest.raises(TargetExists):
        scaffolder.generate("docker-dev", tmp_path)
    assert tree(tmp_path) == {"my-service/keep": b"x"}


def test_force_refuses_file_where_template_writes_directory(tmp_path: Path) -> None:
    build_tree(tmp_path, {"my-service/app": "a file, not a directory"})
    with pytest.raises(Exception, match="another kind of file; nothing was written"):
        scaffolder.generate("docker-dev", tmp_path, force=True)
    assert tree(tmp_path) == {"my-service/app": b"a file, not a directory"}


def test_prompter_is_asked_every_question_with_rendered_defaults() -> None:
    asked: list[tuple[str, str | None, object, int, int]] = []
    replies = {"project_name": "Prompted Name", "app_runtime": "node"}

    def prompter(question: Question) -> object:
        asked.append(
            (question.name, question.default, question.choices, question.index, question.total)
        )
        return question.check(replies.get(question.name, question.default))

    answers = resolve_answers(get_template("docker-dev"), {"app_port": "9000"}, prompter=prompter)
    # Given answers are not asked, and the progress counts only the questions asked.
    assert asked == [
        ("project_name", "My Service", None, 1, 3),
        ("project_slug", "prompted-name", None, 2, 3),
        ("app_runtime", "python", ("python", "node"), 3, 3),
    ]
    assert answers == {
        "project_name": "Prompted Name",
        "project_slug": "prompted-name",
        "app_runtime": "node",
        "app_port": 9000,
    }


def test_prompt_check_rejects_invalid_answer() -> None:
    def prompter(question: Question) -> object:
        return question.check("80" if question.name == "app_port" else question.default)

    with pytest.raises(InvalidAnswer, match="`app_port` must be an integer"):
        resolve_answers(get_template("docker-dev"), {}, prompter=prompter)


def test_invalid_derived_default_is_not_offered_again() -> None:
    defaults: dict[str, str | None] = {}

    def prompter(question: Question) -> object:
        defaults[question.name] = question.default
        reply = "123 Billing" if question.name == "project_name" else question.default
        return question.check(reply)

    answers = resolve_answers(get_template("docker-dev"), {}, prompter=prompter)
    # `123-billing` breaks the slug rule; the prompt offers the nearest valid slug instead.
    assert defaults["project_slug"] == "billing"
    assert answers["project_slug"] == "billing"


def test_cross_field_rule_is_checked_when_the_later_field_is_asked() -> None:
    refused: list[str] = []

    def prompter(question: Question) -> object:
        replies = {"node_min_count": ["5"], "node_max_count": ["2", "7"]}.get(question.name)
        while True:
            reply = replies.pop(0) if replies else question.default
            try:
                return question.check(reply)
            except InvalidAnswer as error:
                refused.append(f"{question.name}={reply}: {error.reason}")

    answers = resolve_answers(get_template("gke"), {}, prompter=prompter)
    assert refused == ["node_max_count=2: must be at least node_min_count (5)"]
    assert (answers["node_min_count"], answers["node_max_count"]) == (5, 7)


def test_cross_field_rule_against_a_given_answer_names_it() -> None:
    def prompter(question: Question) -> object:
        return question.check("9" if question.name == "node_min_count" else question.default)

    with pytest.raises(
        InvalidAnswer, match=r"`node_min_count` must not be larger than node_max_count \(4\)"
    ):
        resolve_answers(get_template("gke"), {"node_max_count": "4"}, prompter=prompter)


def test_given_answers_are_all_checked_before_the_first_prompt() -> None:
    def prompter(question: Question) -> object:
        raise AssertionError(f"asked {question.name} although the given answers are invalid")

    with pytest.raises(InvalidAnswers) as caught:
        resolve_answers(
            get_template("gke"),
            {
                "colour": "blue",
                "region": "europe-wst1",
                "node_min_count": "4",
                "node_max_count": "2",
            },
            prompter=prompter,
        )
    # An unknown key no longer hides the other errors.
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        ("colour", caught.value.errors[0].reason),
        (
            "region",
            "must be a GCP region (did you mean `europe-west1`, `europe-west12` or `europe-west10`?)",
        ),
        ("node_max_count", "must be at least node_min_count (4)"),
    ]
    assert "is not an answer of template `gke`" in caught.value.errors[0].reason


def test_plain_cookiecutter_uses_the_same_rules(tmp_path: Path) -> None:
    """The template stays an ordinary cookiecutter template, with scaffolder's validation."""
    import sys

    cookiecutter = [
        sys.executable,
        "-m",
        "cookiecutter",
        "--no-input",
        "-o",
        str(tmp_path),
        str(REPO / "templates" / "docker-dev"),
    ]
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "TMPDIR": str(temp)}
    bad = subprocess.run(
        [*cookiecutter, "project_slug=Bad Slug"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode != 0
    assert "`project_slug` must be an RFC 1035 label" in bad.stderr
    assert not (tmp_path / "Bad Slug").exists()
    good = subprocess.run(
        [*cookiecutter, "app_runtime=node"], capture_output=True, text=True, env=env, check=False
    )
    assert good.returncode == 0, good.stderr
    project = tmp_path / "my-service"
    assert (project / "app" / "src" / "server.js").is_file()
    assert (project / "k8s" / "base" / "deployment.yaml").is_file()
    # Same record as `scaffolder new` writes, with app_port normalised.
    assert json.loads((project / ".scaffolder.json").read_text())["answers"]["app_port"] == 8000
    # Cookiecutter renders each hook, answers included, into a temporary file it never removes;
    # the hooks remove their copy, after a refused answer too.
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_plain_cookiecutter_and_new_render_the_same_project(tmp_path: Path, template: str) -> None:
    """`new` completes the project in-process; the hooks do it for plain cookiecutter."""
    import sys

    plain = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            str(tmp_path / "plain"),
            str(REPO / "templates" / template),
        ],
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert plain.returncode == 0, plain.stderr
    ours = scaffolder.generate(template, tmp_path / "new")
    secrets = set(get_template(template).private.get("_local_secrets", []))
    expected = {k: v for k, v in tree(tmp_path / "plain" / ours.name).items() if k not in secrets}
    got = {k: v for k, v in tree(ours).items() if k not in secrets}
    assert got == expected
    assert secrets <= set(tree(ours))


def test_a_rule_between_a_given_answer_and_a_default_names_the_given_one() -> None:
    template = get_template("eks")
    with pytest.raises(InvalidAnswers) as caught:
        resolve_answers(template, {"node_min_count": "7"})
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        ("node_min_count", "must not be larger than node_max_count (6)")
    ]
    with pytest.raises(InvalidAnswers) as caught:
        resolve_answers(template, {"availability_zones": "us-east-1a,us-east-1b"})
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        (
            "availability_zones",
            "must be zones of region eu-west-1 (eu-west-1a, eu-west-1b, eu-west-1c); "
            "not in it: us-east-1a, us-east-1b",
        )
    ]
    # The zones' default follows the region, so a given region alone is consistent.
    zones = resolve_answers(template, {"region": "us-east-2"})["availability_zones"]
    assert zones == "us-east-2a,us-east-2b,us-east-2c"
    # Both given: the later field, as a prompt would ask it again.
    with pytest.raises(InvalidAnswers) as caught:
        resolve_answers(template, {"node_min_count": "7", "node_max_count": "6"})
    assert [e.field for e in caught.value.errors] == ["node_max_count"]


def test_a_prompted_region_must_hold_the_given_zones() -> None:
    refused: list[str] = []

    def prompter(question: Question) -> object:
        replies = {"region": ["eu-west-1", "us-east-1"]}.get(question.name, [])
        while True:
            reply = replies.pop(0) if replies else question.default
            try:
                return question.check(reply)
            except InvalidAnswer as error:
                refused.append(f"{question.name}={reply}: {error.reason}")

    answers = resolve_answers(
        get_template("eks"), {"availability_zones": "us-east-1a,us-east-1f"}, prompter=prompter
    )
    assert refused == [
        "region=eu-west-1: must be the region of availability_zones (us-east-1a,us-east-1f)"
    ]
    assert answers["region"] == "us-east-1"
