"""The validation engine on Terraform: realistic code, cache, parallelism, outputs, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scaffolder.validation import validate
from scaffolder.validation.model import Severity

from .conftest import REPO, build_tree

REALISTIC = REPO / "tests" / "fixtures" / "terraform" / "realistic"


@pytest.fixture
def realistic(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(REALISTIC, target)
    return target


def test_realistic_repository_is_clean_under_the_default_rules(realistic: Path) -> None:
    report = validate([realistic], cache=False, jobs=1)
    assert report.findings == ()
    # .terraform/ holds a broken file that must not be read; every other .tf file is.
    assert report.files == len(
        [
            p
            for p in realistic.rglob("*")
            if p.name.endswith((".tf", ".tf.json")) and ".terraform" not in p.parts
        ]
    )


def test_realistic_repository_is_canonical_terraform(realistic: Path, terraform: str) -> None:
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(realistic)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_parallel_and_serial_runs_agree(realistic: Path) -> None:
    (realistic / "modules" / "network" / "broken.tf").write_text(
        'output "x" {\n  value = var.nope\n}\n'
    )
    (realistic / "extra.tf").write_text("locals {\n  a = aws_vpc.missing.id\n}\n")
    serial = validate([realistic], cache=False, jobs=1)
    parallel = validate([realistic], cache=False, jobs=2)
    assert serial.findings == parallel.findings
    assert {(f.path, f.rule) for f in serial.findings} >= {
        ("modules/network/broken.tf", "TF101"),
        ("extra.tf", "TF103"),
    }


def test_warm_run_comes_from_the_cache(
    realistic: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from scaffolder.validation.terraform import domain as terraform_domain

    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(tmp_path / "cache"))
    (realistic / "extra.tf").write_text("locals {\n  a = var.nope\n}\n")
    cold = validate([realistic], jobs=1)
    assert any((tmp_path / "cache" / "terraform").rglob("*.json"))

    def no_parsing(*_: object) -> object:
        raise AssertionError("an unchanged module was parsed again")

    monkeypatch.setattr(terraform_domain, "analyze", no_parsing)
    warm = validate([realistic], jobs=1)
    assert warm.findings == cold.findings
    assert warm.files == cold.files

    # Changing one file re-analyses its module only; the result follows the change.
    (realistic / "extra.tf").write_text("locals {\n  a = var.name\n}\n")
    monkeypatch.undo()
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(tmp_path / "cache"))
    changed = validate([realistic], jobs=1)
    assert [f.message for f in changed.findings] == ["local value `a` is declared but not used"]


def test_no_cache_neither_reads_nor_writes(
    realistic: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(cache))
    validate([realistic], cache=False, jobs=1)
    assert not (cache / "terraform").exists()


def test_a_corrupt_cache_entry_is_a_miss(
    realistic: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(tmp_path / "cache"))
    (realistic / "extra.tf").write_text("locals {\n  a = var.nope\n}\n")
    first = validate([realistic], jobs=1)
    for entry in (tmp_path / "cache" / "terraform").rglob("*.json"):
        entry.write_text('{"findings": [["broken"]]}')
    assert validate([realistic], jobs=1).findings == first.findings


def test_unwritable_cache_directory_does_not_fail(
    realistic: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(blocker / "cache"))
    assert validate([realistic], jobs=1).findings == ()


def test_syntax_error_shows_the_offending_line(tmp_path: Path) -> None:
    build_tree(tmp_path, {"main.tf": 'resource "a" "b" {\n  name = "x\n}\n'})
    report = validate([tmp_path], cache=False, jobs=1)
    assert [(f.rule, f.line) for f in report.findings] == [("TF001", 2)]
    assert '`name = "x`' in report.findings[0].message


def test_binary_and_non_utf8_files_are_findings(tmp_path: Path) -> None:
    (tmp_path / "bin.tf").write_bytes(b"\x00\x01\x02\xff")
    (tmp_path / "latin1.tf").write_bytes(b'locals {\n  a = "caf\xe9"\n}\n')
    report = validate([tmp_path], cache=False, jobs=1)
    assert [(f.path, f.rule, f.message) for f in report.findings] == [
        ("bin.tf", "TF002", "cannot read: a binary file"),
        ("latin1.tf", "TF002", "cannot read: not UTF-8 text"),
    ]


def test_a_single_file_is_checked_with_its_module(realistic: Path) -> None:
    report = validate([realistic / "outputs.tf"], cache=False, jobs=1)
    assert report.findings == ()


def test_module_call_into_a_directory_outside_the_validated_path(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "live/main.tf": 'module "m" {\n  source = "../shared"\n}\noutput "o" {\n  value = module.m.nope\n}\n',
            "shared/variables.tf": 'variable "x" {\n  type = string\n}\n',
        },
    )
    report = validate([tmp_path / "live"], cache=False, jobs=1, select=["TF106", "TF107"])
    assert [(f.path, f.line, f.rule) for f in report.findings] == [
        ("main.tf", 1, "TF107"),
        ("main.tf", 5, "TF106"),
    ]


def test_sarif_is_2_1_0_with_rules_and_regions(realistic: Path, run_cli) -> None:
    (realistic / "extra.tf").write_text("locals {\n  a = var.nope\n}\n")
    result = run_cli("validate", str(realistic), "--format", "sarif", "--no-cache")
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert all(rule["helpUri"].endswith(f"/rules/{rule['id']}.md") for rule in rules)
    by_id = {rule["id"]: index for index, rule in enumerate(rules)}
    results = sorted(run["results"], key=lambda r: r["ruleId"])
    assert [r["ruleId"] for r in results] == ["TF101", "TF211"]
    first = results[0]
    assert first["ruleIndex"] == by_id["TF101"]
    assert first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == os.path.relpath(realistic / "extra.tf")
    assert location["region"] == {"startLine": 2, "startColumn": 7}
    assert results[1]["level"] == "warning"


def test_json_report_and_exit_codes(realistic: Path, run_cli) -> None:
    (realistic / "extra.tf").write_text('variable "x" {}\n')
    warn = run_cli("validate", str(realistic), "--format", "json", "--no-cache")
    assert warn.returncode == 0, warn.stderr
    data = json.loads(warn.stdout)
    assert data["summary"] == {"files": 17, "findings": 2, "error": 0, "warning": 2, "info": 0}
    assert {f["rule"] for f in data["findings"]} == {"TF210", "TF211"}
    strict = run_cli("validate", str(realistic), "--fail-on", "warning", "--no-cache")
    assert strict.returncode == 1
    ignored = run_cli("validate", str(realistic), "--fail-on", "warning", "--ignore", "TF210,TF211")
    assert ignored.returncode == 0, ignored.stdout
    unknown = run_cli("validate", str(realistic), "--select", "TF998")
    assert unknown.returncode == 2
    assert "unknown rule `TF998`" in unknown.stderr
    jobs = run_cli("validate", str(realistic), "--jobs", "0")
    assert jobs.returncode == 2


def test_text_report_shows_source_line_and_caret(tmp_path: Path, run_cli) -> None:
    build_tree(tmp_path, {"main.tf": 'output "o" {\n  value = var.nope\n}\n'})
    out = tmp_path / "report.txt"
    result = run_cli("validate", str(tmp_path), "--output", str(out), "--no-cache")
    assert result.returncode == 1
    lines = out.read_text().splitlines()
    index = lines.index("  2:11  error  TF101  reference to undeclared input variable `var.nope`")
    assert lines[index + 1] == "        value = var.nope"
    assert lines[index + 2] == "                ^"
    assert lines[-1] == "1 file checked, 2 findings (1 error, 1 warning, 0 info)"


def test_rules_command_lists_terraform_rules_with_default_state(run_cli) -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    lines = {line.split()[0]: line.split()[1:3] for line in result.stdout.splitlines()}
    assert lines["TF101"] == ["error", "on"]
    assert lines["TF211"] == ["warning", "on"]
    assert lines["TF306"] == ["info", "off"]
    page = run_cli("rules", "TF201")
    assert page.stdout.startswith("# TF201 deprecated-interpolation\n")


def test_pre_commit_hook_runs_the_validator_on_terraform_files() -> None:
    import re

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "scaffolder-validate"
    assert hook["entry"].split()[:2] == ["scaffolder", "validate"]
    assert re.search(hook["files"], "infra/main.tf")
    assert re.search(hook["files"], "infra/vars.tf.json")
    assert not re.search(hook["files"], "k8s/deployment.yaml")


def test_severity_threshold_counts() -> None:
    assert Severity.ERROR.rank > Severity.WARNING.rank > Severity.INFO.rank


def test_invalid_terraform_json_is_a_finding_at_its_position(tmp_path: Path) -> None:
    build_tree(
        tmp_path, {"a.tf.json": '{\n  "variable": {\n    "x": {,\n  }\n}\n', "b.tf.json": "[1]"}
    )
    report = validate([tmp_path], cache=False, jobs=1)
    assert [(f.path, f.line, f.column, f.rule) for f in report.findings] == [
        ("a.tf.json", 3, 11, "TF001"),
        ("b.tf.json", 1, 1, "TF001"),
    ]
    assert report.findings[1].message == "Terraform JSON must be an object at the top level"


def test_manifests_compose_and_dockerfiles_are_answered_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffolder.validation.kubernetes import domain as kubernetes_domain

    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(tmp_path / "cache"))
    build_tree(
        tmp_path / "repo",
        {
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\nspec:\n  ports:\n    - port: eighty\n",
        },
    )
    cold = validate([tmp_path / "repo"], jobs=1)
    assert [f.rule for f in cold.findings] == ["K8S001"]

    checked: list[object] = []
    real_check = kubernetes_domain.check

    def counting_check(*args: object, **kwargs: object) -> object:
        checked.append(args)
        return real_check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kubernetes_domain, "check", counting_check)
    assert validate([tmp_path / "repo"], jobs=1).findings == cold.findings
    assert checked == [], "an unchanged set was checked again"
    # A new file in the set changes the key: the set is checked again.
    (tmp_path / "repo" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: b\n"
    )
    validate([tmp_path / "repo"], jobs=1)
    assert len(checked) == 1
