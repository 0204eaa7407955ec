from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import scaffolder
from scaffolder.errors import InvalidAnswers, RenderFailed, TargetExists
from scaffolder.generation import resolve_answers
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
    asked: list[tuple[str, str, object]] = []
    replies = {"project_name": "Prompted Name", "app_runtime": "node"}

    def prompter(name, default, choices, check):  # type: ignore[no-untyped-def]
        asked.append((name, default, choices))
        return check(replies.get(name, default))

    answers = resolve_answers(get_template("docker-dev"), {"app_port": "9000"}, prompter=prompter)
    assert asked == [
        ("project_name", "My Service", None),
        ("project_slug", "prompted-name", None),
        ("app_runtime", "python", ["python", "node"]),
    ]
    assert answers == {
        "project_name": "Prompted Name",
        "project_slug": "prompted-name",
        "app_runtime": "node",
        "app_port": 9000,
    }


def test_prompt_check_rejects_invalid_answer() -> None:
    def prompter(name, default, choices, check):  # type: ignore[no-untyped-def]
        return check("80") if name == "app_port" else default

    with pytest.raises(InvalidAnswers, match="`app_port` must be an integer"):
        resolve_answers(get_template("docker-dev"), {}, prompter=prompter)


def test_interactive_prompts_on_a_terminal(tmp_path: Path) -> None:
    """Drive the real CLI through a pseudo-terminal, answering one prompt wrongly first."""
    import os
    import pty
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(tmp_path)
        os.execv(sys.executable, [sys.executable, "-m", "scaffolder", "new", "docker-dev"])
    output = b""
    replies = [b"Tty App\n", b"\n", b"node\n", b"80\n", b"3000\n"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if (replies and output.rstrip().endswith(b":")) or (
            replies and output.rstrip().endswith(b"]:")
        ):
            os.write(fd, replies.pop(0))
    os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert "must be an integer from 1024 to 65535" in text
    record = json.loads((tmp_path / "tty-app" / ".scaffolder.json").read_text())
    assert record["answers"] == {
        "app_port": 3000,
        "app_runtime": "node",
        "project_name": "Tty App",
        "project_slug": "tty-app",
    }


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
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    bad = subprocess.run(
        [*cookiecutter, "project_slug=Bad Slug"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode != 0
    assert "`project_slug` must be a DNS-1123 label" in bad.stderr
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
