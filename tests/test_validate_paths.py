"""Where findings are placed: relative to the current directory, each root once, files in projects."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from scaffolder.validation import validate

from .conftest import REPO, build_tree

BROKEN = "services:\n  app:\n    image: app:1.0.0\n    depends_on: [{}]\n"


def _json(run_cli: Any, cwd: Path, *args: str) -> dict[str, Any]:
    result = run_cli("validate", *args, "--format", "json", "--no-cache", cwd=cwd)
    assert result.returncode in {0, 1}, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_two_roots_with_same_named_files_stay_apart(tmp_path: Path, run_cli: Any) -> None:
    build_tree(
        tmp_path, {"a/compose.yaml": BROKEN.format("db"), "b/compose.yaml": BROKEN.format("db")}
    )
    data = _json(run_cli, tmp_path, "a", "b")
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [
        ("a/compose.yaml", "COMPOSE002"),
        ("b/compose.yaml", "COMPOSE002"),
    ]
    assert data["summary"]["files"] == 2


def test_text_report_shows_each_roots_own_source_line(tmp_path: Path, run_cli: Any) -> None:
    build_tree(
        tmp_path,
        {"a/compose.yaml": BROKEN.format("dba"), "b/compose.yaml": BROKEN.format("dbb")},
    )
    result = run_cli("validate", "a", "./b", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[lines.index("a/compose.yaml") + 2].strip() == "depends_on: [dba]"
    assert lines[lines.index("b/compose.yaml") + 2].strip() == "depends_on: [dbb]"


def test_a_root_inside_another_is_checked_once(tmp_path: Path, run_cli: Any) -> None:
    build_tree(tmp_path, {"infra/compose.yaml": BROKEN.format("db"), "README.md": "x\n"})
    alone = _json(run_cli, tmp_path, ".")
    twice = _json(run_cli, tmp_path, ".", "infra", "infra/compose.yaml", "./infra")
    assert twice == alone
    assert [(f["path"], f["line"]) for f in alone["findings"]] == [("infra/compose.yaml", 4)]
    assert alone["summary"]["files"] == 1


def test_paths_are_relative_to_the_current_directory(tmp_path: Path, run_cli: Any) -> None:
    build_tree(tmp_path, {"svc/compose.yaml": BROKEN.format("db")})
    (tmp_path / "elsewhere").mkdir()
    data = _json(run_cli, tmp_path / "elsewhere", str(tmp_path / "svc"))
    assert [f["path"] for f in data["findings"]] == ["../svc/compose.yaml"]


def test_library_paths_are_relative_to_the_one_root_or_to_relative_to(tmp_path: Path) -> None:
    build_tree(tmp_path, {"svc/compose.yaml": BROKEN.format("db")})
    alone = validate([tmp_path / "svc"], cache=False, jobs=1)
    assert [f.path for f in alone.findings] == ["compose.yaml"]
    placed = validate([tmp_path / "svc"], cache=False, jobs=1, relative_to=tmp_path)
    assert [f.path for f in placed.findings] == ["svc/compose.yaml"]


def _git_project(tmp_path: Path) -> Path:
    project = tmp_path / "eks"
    shutil.copytree(REPO / "examples" / "eks", project)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    return project


def test_file_arguments_are_checked_within_their_project(tmp_path: Path, run_cli: Any) -> None:
    # pre-commit passes the changed files; project roots in spacelift/ are relative to the
    # repository, not to the file's directory (SL004 twice on every clean eks project).
    project = _git_project(tmp_path)
    files = sorted(path.relative_to(project).as_posix() for path in project.rglob("*.tf"))
    assert "spacelift/stacks.tf" in files
    result = run_cli("validate", *files, "--no-cache", cwd=project)
    assert result.returncode == 0, result.stdout
    assert "0 findings" in result.stdout
    inside = project / "spacelift"
    data = _json(run_cli, inside, "stacks.tf")
    assert data["findings"] == []
    (project / "spacelift" / "stacks.tf").write_text(
        (project / "spacelift" / "stacks.tf")
        .read_text()
        .replace('project_root = "infra"', 'project_root = "infrastructure"', 1)
    )
    data = _json(run_cli, inside, "stacks.tf")
    assert {(f["rule"], f["path"]) for f in data["findings"]} >= {("SL004", "stacks.tf")}


def test_a_fresh_clone_of_a_generated_project_validates_clean(
    tmp_path: Path, run_cli: Any, kubectl: str
) -> None:
    # The git-ignored local secrets (k8s/overlays/local/postgres.env, app/.env) are not in a
    # clone: the local overlay cannot render, which is information, not an error.
    project = _git_project(tmp_path)
    assert not (project / "k8s" / "overlays" / "local" / "postgres.env").exists()
    data = _json(run_cli, project, ".")
    assert data["summary"]["error"] == 0 and data["summary"]["warning"] == 0, data["findings"]
    # K8S007: the local overlay cannot render without its secrets file; COMPOSE011 only where
    # compose names the missing `.env` as an env_file (the app's compose interpolates it instead).
    rules = {f["rule"] for f in data["findings"]}
    assert "K8S007" in rules and rules <= {"K8S007", "COMPOSE011"}, data["findings"]


def test_a_path_with_nothing_to_validate_is_a_usage_error(tmp_path: Path, run_cli: Any) -> None:
    # A mistyped CI path (an empty directory, binaries, only terragrunt.hcl) must not pass.
    (tmp_path / "empty").mkdir()
    build_tree(tmp_path, {"live/prod/terragrunt.hcl": 'terraform {\n  source = "../m"\n}\n'})
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "blob.bin").write_bytes(bytes(range(256)))
    for path, what in [
        ("empty", "no files"),
        ("bin", "1 file(s), none of them one scaffolder checks"),
        ("live", "1 terragrunt.hcl file(s), which are Terragrunt configuration, not Terraform"),
    ]:
        result = run_cli("validate", path, cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert f"nothing to validate in `{path}`: {what}" in result.stderr
        assert "Traceback" not in result.stderr
    build_tree(tmp_path, {"live/compose.yaml": "services:\n  a:\n    image: a:1.0.0\n"})
    assert run_cli("validate", "live", "--no-cache", cwd=tmp_path).returncode == 0
