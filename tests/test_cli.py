from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scaffolder.cli import cli
from scaffolder.templates import get_template

from .conftest import build_tree, tree

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

Run = Callable[..., subprocess.CompletedProcess[str]]


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def commands() -> list[str]:
    return sorted(cli.commands)


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_ending_with_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "scaffolder " + command in result.output.split("Example:", 1)[1]


def test_version_and_short_help() -> None:
    assert invoke("--version").output.strip() == "scaffolder, version 0.1.0"
    assert invoke("-h").exit_code == 0


def test_list_text_and_json() -> None:
    assert invoke("list").output.startswith(f"docker-dev  {get_template('docker-dev').version}")
    data = json.loads(invoke("list", "--format", "json").output)
    docker_dev = next(item for item in data if item["name"] == "docker-dev")
    assert list(docker_dev["answers"]) == [
        "project_name",
        "project_slug",
        "app_runtime",
        "app_port",
    ]


def test_new_writes_project_and_prints_its_path(chdir: Path) -> None:
    result = invoke("new", "docker-dev", "--no-input", "--set", "project_name=Billing API")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(chdir / "billing-api")
    record = json.loads((chdir / "billing-api" / ".scaffolder.json").read_text())
    assert record == {
        "template": "docker-dev",
        "template_version": get_template("docker-dev").version,
        "answers": {
            "app_port": 8000,
            "app_runtime": "python",
            "project_name": "Billing API",
            "project_slug": "billing-api",
        },
    }


def test_python_dash_m_entry_point(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli(
        "new", "docker-dev", "--no-input", "-o", str(tmp_path / "out"), "--set", "app_runtime=node"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "my-service" / "app" / "package.json").is_file()
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--set", "project_slug=My App!"],
            "`project_slug` must be an RFC 1035 label of at most 30 characters",
        ),
        (["--set", "app_runtime=ruby"], "`app_runtime` must be one of python, node: `ruby`"),
        (["--set", "app_port=80"], "`app_port` must be an integer from 1024 to 65535"),
        (["--set", "colour=blue"], "`colour` is not an answer of template `docker-dev`"),
        (["--set", "project_name=1 Bad"], "`project_slug` must be an RFC 1035 label"),
        (["--set", "novalue"], "--set expects KEY=VALUE with a non-empty KEY: `novalue`"),
        (["--set", "=x"], "--set expects KEY=VALUE"),
    ],
)
def test_bad_input_exits_2_names_the_field_and_writes_nothing(
    run_cli: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli("new", "docker-dev", "--no-input", "-o", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_all_invalid_fields_reported_together(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli(
        "new",
        "docker-dev",
        "--no-input",
        "-o",
        str(tmp_path),
        "--set",
        "project_slug=-x",
        "--set",
        "app_port=1",
        "--set",
        "app_runtime=go",
    )
    assert result.returncode == 2
    assert "invalid answers (3)" in result.stderr
    for field in ("project_slug", "app_port", "app_runtime"):
        assert f"`{field}`" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_template_exits_2(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("new", "k3s", "--no-input", "-o", str(tmp_path))
    assert result.returncode == 2
    assert "unknown template `k3s`; choose one of: docker-dev" in result.stderr


def test_answers_values_are_data_not_template_code(tmp_path: Path) -> None:
    name = "{{ 7*7 }} {% if true %}x{% endif %} {# c #}"
    result = invoke(
        "new",
        "docker-dev",
        "--no-input",
        "-o",
        str(tmp_path),
        "--set",
        f"project_name={name}",
        "--set",
        "project_slug=literal",
    )
    assert result.exit_code == 0, result.output
    project = tmp_path / "literal"
    readme = (project / "README.md").read_text()
    assert readme.startswith(f"# {name}\n")
    assert "49" not in readme.splitlines()[0]
    assert json.loads((project / ".scaffolder.json").read_text())["answers"]["project_name"] == name
    description = tomllib.loads((project / "app" / "pyproject.toml").read_text())["project"]
    assert description["description"] == name


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_answers_file_json_and_yaml(tmp_path: Path, suffix: str) -> None:
    answers = {"project_name": "From File", "app_runtime": "node", "app_port": 3000}
    text = (
        json.dumps(answers)
        if suffix == ".json"
        else "\n".join(f"{k}: {v}" for k, v in answers.items())
    )
    path = build_tree(tmp_path, {f"answers{suffix}": text}) / f"answers{suffix}"
    result = invoke(
        "new",
        "docker-dev",
        "--no-input",
        "-o",
        str(tmp_path / "out"),
        "--answers-file",
        str(path),
        "--set",
        "app_port=3001",
    )
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "out" / "from-file" / ".scaffolder.json").read_text())
    assert record["answers"] == {
        "app_port": 3001,
        "app_runtime": "node",
        "project_name": "From File",
        "project_slug": "from-file",
    }


def test_scaffolder_json_replays(tmp_path: Path) -> None:
    first = invoke(
        "new", "docker-dev", "--no-input", "-o", str(tmp_path / "a"), "--set", "app_runtime=node"
    )
    assert first.exit_code == 0
    record = tmp_path / "a" / "my-service" / ".scaffolder.json"
    second = invoke(
        "new", "docker-dev", "--no-input", "-o", str(tmp_path / "b"), "--answers-file", str(record)
    )
    assert second.exit_code == 0
    assert (tmp_path / "b" / "my-service" / ".scaffolder.json").read_bytes() == record.read_bytes()


@pytest.mark.parametrize(
    ("files", "name", "message"),
    [
        ({}, "missing.yaml", "answers file `{path}`: no such file"),
        ({"bad.json": "{not json"}, "bad.json", "not valid JSON"),
        ({"bad.yaml": "a: [1"}, "bad.yaml", "not valid YAML"),
        ({"list.yaml": "- a\n- b\n"}, "list.yaml", "must be a mapping of answer names to values"),
        (
            {"nested.yaml": "project_name: {a: 1}\n"},
            "nested.yaml",
            "answer `project_name` must be a scalar",
        ),
    ],
)
def test_bad_answers_file_exits_2(
    run_cli: Run, tmp_path: Path, files: dict[str, str], name: str, message: str
) -> None:
    build_tree(tmp_path, files)
    path = tmp_path / name
    result = run_cli(
        "new", "docker-dev", "--no-input", "-o", str(tmp_path / "out"), "--answers-file", str(path)
    )
    assert result.returncode == 2
    assert message.format(path=path) in result.stderr
    assert not (tmp_path / "out").exists()


def test_existing_directory_is_refused_and_untouched(run_cli: Run, tmp_path: Path) -> None:
    build_tree(tmp_path, {"my-service/notes.txt": "mine", "my-service/README.md": "my readme"})
    before = tree(tmp_path)
    result = run_cli("new", "docker-dev", "--no-input", "-o", str(tmp_path))
    assert result.returncode == 2
    assert f"`{tmp_path / 'my-service'}` already exists; nothing was written" in result.stderr
    assert tree(tmp_path) == before


def test_force_overwrites_template_files_and_keeps_everything_else(
    run_cli: Run, tmp_path: Path
) -> None:
    assert run_cli("new", "docker-dev", "--no-input", "-o", str(tmp_path)).returncode == 0
    project = tmp_path / "my-service"
    env_before = (project / ".env").read_bytes()
    build_tree(project, {"notes.txt": "mine", "README.md": "edited", "app/extra.py": "x = 1\n"})
    result = run_cli("new", "docker-dev", "--no-input", "-o", str(tmp_path), "--force")
    assert result.returncode == 0, result.stderr
    assert (project / "notes.txt").read_text() == "mine"
    assert (project / "app" / "extra.py").read_text() == "x = 1\n"
    assert (project / "README.md").read_text().startswith("# My Service")
    # The local secrets are never regenerated: the database volume keeps working.
    assert (project / ".env").read_bytes() == env_before
    assert [p.name for p in tmp_path.iterdir()] == ["my-service"]


def test_output_directory_under_a_file_exits_2(run_cli: Run, tmp_path: Path) -> None:
    build_tree(tmp_path, {"file": "x"})
    result = run_cli("new", "docker-dev", "--no-input", "-o", str(tmp_path / "file" / "sub"))
    assert result.returncode == 2
    assert f"cannot write to output directory `{tmp_path / 'file' / 'sub'}`" in result.stderr
    assert "is not a directory" in result.stderr


def _unwritable_directory(tmp_path: Path) -> Path:
    """A directory this process cannot create entries in.

    For a normal user a mode-0555 directory; root ignores modes, so for root sysfs, where even
    root may not create files.
    """
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        (read_only / "probe").mkdir()
    except PermissionError:
        return read_only
    (read_only / "probe").rmdir()
    return Path("/sys/kernel")


def test_unwritable_output_directory_exits_2(run_cli: Run, tmp_path: Path) -> None:
    target = _unwritable_directory(tmp_path)
    before = sorted(p.name for p in target.iterdir())
    result = run_cli("new", "docker-dev", "--no-input", "-o", str(target))
    assert result.returncode == 2
    assert f"cannot write to output directory `{target}`" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in target.iterdir()) == before


def test_validate_json_and_exit_codes(chdir: Path) -> None:
    tmp_path = chdir
    build_tree(
        tmp_path,
        {"compose.yaml": "services:\n  app:\n    image: app:1.0.0\n    depends_on: [db]\n"},
    )
    result = invoke("validate", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"] == {"files": 1, "findings": 1, "error": 1, "warning": 0, "info": 0}
    assert data["findings"] == [
        {
            "rule": "COMPOSE002",
            "severity": "error",
            "path": "compose.yaml",
            "line": 4,
            "column": 18,
            "message": "service `app` depends on `db`, which is not a service of this file",
        }
    ]
    assert invoke("validate", str(tmp_path), "--ignore", "COMPOSE002").exit_code == 0
    assert invoke("validate", str(tmp_path / "nope")).exit_code == 2
    assert invoke("validate", str(tmp_path), "--select", "NOPE1").exit_code == 2


def test_rules_list_and_page() -> None:
    listing = invoke("rules").output
    assert "K8S001" in listing and "COMPOSE002" in listing
    page = invoke("rules", "K8S001")
    assert page.exit_code == 0 and page.output.startswith("# K8S001 schema")
    assert invoke("rules", "XX999").exit_code == 2


def test_list_shows_questions_with_help_defaults_and_rules() -> None:
    text = invoke("list").output
    assert "  project_slug  Project slug (RFC 1035 label" in text
    assert "      default: my-service (from project_name); rule: RFC 1035 label" in text
    assert "      default: python; rule: one of python, node" in text
    data = json.loads(invoke("list", "--format", "json").output)
    gke = next(item for item in data if item["name"] == "gke")
    # Defaults are what the prompt offers, not Jinja.
    assert gke["answers"]["project_slug"] == "my-service"
    assert gke["answers"]["repository"] == "my-service"
    assert not any("{{" in str(value) for item in data for value in item["answers"].values())
    slug = next(q for q in gke["questions"] if q["name"] == "project_slug")
    assert slug["derived_from"] == ["project_name"]
    assert slug["help"] == get_template("gke").prompts["project_slug"]
    runtime = next(q for q in gke["questions"] if q["name"] == "app_runtime")
    assert runtime["choices"] == ["python", "node"]
    region = next(q for q in gke["questions"] if q["name"] == "region")
    assert region["rule"].startswith("a GCP region")


def test_new_template_help_lists_that_templates_questions() -> None:
    output = invoke("new", "eks", "--help").output
    assert "Questions of eks" in output
    assert "aws_account_id  AWS account id (12 digits)" in output
    assert "gcp_project_id" not in output
    assert "Questions of" not in invoke("new", "--help").output
