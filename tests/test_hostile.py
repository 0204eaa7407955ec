"""Hostile input: every case is a finding with a place, never a traceback, a hang or a leak."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.validation import validate

from .conftest import build_tree


def _rows(root: Path, **options: object) -> list[tuple[str, str, int, str]]:
    report = validate([root], cache=False, jobs=1, **options)  # type: ignore[arg-type]
    return [(f.rule, f.path, f.line, f.message) for f in report.findings]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaffolder", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(("name", "rule"), [("main.tf", "TF999"), ("fifo.yaml", "K8S999")])
def test_a_fifo_is_skipped_without_blocking(tmp_path: Path, name: str, rule: str) -> None:
    os.mkfifo(tmp_path / name)
    assert _rows(tmp_path) == [(rule, name, 1, "not checked: a FIFO")]
    # The text report shows source lines: it must not open the FIFO either.
    result = _cli("validate", "--no-cache", "--fail-on", "info", str(tmp_path))
    assert result.returncode == 1 and f"{rule}  not checked: a FIFO" in result.stdout


def test_a_fifo_that_appears_after_discovery_is_not_opened(tmp_path: Path) -> None:
    from scaffolder.validation.files import FileSet, Unreadable

    os.mkfifo(tmp_path / "late.tf")
    files = FileSet(tmp_path, [tmp_path / "late.tf"])
    with pytest.raises(Unreadable, match="not a regular file"):
        files.read(tmp_path / "late.tf")


def test_a_link_to_a_device_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "Dockerfile").symlink_to("/dev/zero")
    assert _rows(tmp_path) == [
        ("DOCKER999", "Dockerfile", 1, "not checked: a link to a device"),
        ("K8S999", "zero.yaml", 1, "not checked: a link to a device"),
    ]


def test_a_link_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.tf"
    secret.parent.mkdir()
    secret.write_text('locals {\n  password = "hunter2-from-outside"\n  x = var.nope\n}\n')
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").symlink_to(secret)
    rows = _rows(root)
    assert rows == [
        (
            "TF002",
            "main.tf",
            1,
            "cannot read: a symlink to outside the validated root, not followed",
        )
    ]
    assert "hunter2" not in _cli("validate", "--no-cache", str(root)).stdout


def test_a_file_over_the_size_limit_is_a_finding(tmp_path: Path) -> None:
    with (tmp_path / "huge.yaml").open("wb") as handle:
        handle.truncate(33 * 1024 * 1024)  # sparse: costs no disk
    assert _rows(tmp_path) == [("K8S005", "huge.yaml", 1, "cannot read: larger than 32 MiB")]


def test_a_dangling_link_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert _rows(tmp_path) == [("K8S999", "gone.yaml", 1, "not checked: a link to nothing")]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"a.tf": "locals {\n  x = " + "[" * 1000 + "1" + "]" * 1000 + "\n}\n"},
            ("TF001", "a.tf", 1, "expressions nest too deeply to check"),
        ),
        (
            {"b.tf.json": '{"locals": ' + "[" * 5000 + "]" * 5000 + "}"},
            ("TF001", "b.tf.json", 1, "JSON nests too deeply to read"),
        ),
    ],
)
def test_deep_nesting_is_a_finding(
    tmp_path: Path, files: dict[str, str], expected: tuple[str, str, int, str]
) -> None:
    assert expected in _rows(build_tree(tmp_path, files))


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    previous = "a"
    for name in "bcdefghi":
        bomb += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    manifest = "apiVersion: v1\nkind: ConfigMap\n" + bomb
    rows = _rows(build_tree(tmp_path, {"bomb.yaml": manifest, "other.yaml": bomb}))
    # The one that says it is a manifest is reported; the other is not a manifest at all.
    assert [row[:3] for row in rows] == [("K8S005", "bomb.yaml", 1)]
    assert "expands to more than 1,000,000 nodes through aliases" in rows[0][3]


def test_a_kind_cannot_name_a_file_outside_the_schemas(tmp_path: Path) -> None:
    manifest = "apiVersion: v1\nkind: ../../../../etc/EVIL\nmetadata:\n  name: x\n  namespace: n\n"
    rows = _rows(build_tree(tmp_path, {"evil.yaml": manifest}), select=["K8S001", "K8S003"])
    assert rows == [
        ("K8S001", "evil.yaml", 2, "`kind` `../../../../etc/EVIL`: not a valid kind"),
    ]


@pytest.mark.parametrize(
    "manifest",
    [
        "apiVersion: v1\nkind: Pod\nmetadata: [not, a, mapping]\nspec:\n  containers: []\n",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext: 3\n"
        "  containers:\n    - name: c\n      image: c:1\n      securityContext:\n"
        "        capabilities: add-everything\n      resources: [1]\n",
    ],
)
def test_fields_of_the_wrong_type_are_schema_findings_not_crashes(
    tmp_path: Path, manifest: str
) -> None:
    rules = {row[0] for row in _rows(build_tree(tmp_path, {"pod.yaml": manifest}))}
    assert "K8S001" in rules
    assert "K8S000" not in rules


def test_paths_too_long_for_the_system_are_just_missing(tmp_path: Path) -> None:
    long = "d" * 5000
    files = {
        "compose.yaml": f"services:\n  app:\n    image: a:1\n    build: {long}\n"
        f"    env_file: {long}.env\n",
        ".spacelift/config.yml": f"version: 1\nstacks:\n  s:\n    project_root: {long}\n",
    }
    rules = sorted(row[0] for row in _rows(build_tree(tmp_path, files)))
    assert rules == ["COMPOSE009", "COMPOSE010", "SL004"]


def test_a_bool_variable_with_a_map_default_is_a_type_finding(tmp_path: Path) -> None:
    tf = 'variable "a" {\n  type    = bool\n  default = { x = 1 }\n}\n'
    rows = _rows(build_tree(tmp_path, {"main.tf": tf}), select=["TF117", "TF000"])
    assert [row[0] for row in rows] == ["TF117"]


def test_a_check_that_raises_is_reported_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffolder.validation.kubernetes.rules import reliability

    def broken(_: object) -> object:
        raise KeyError("spec")

    monkeypatch.setattr(reliability, "check", broken)
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: n\nspec:\n"
        "  containers:\n    - name: c\n      image: c:1\n      securityContext:\n"
        "        privileged: true\n"
    )
    rows = _rows(build_tree(tmp_path, {"pod.yaml": pod}))
    internal = [row for row in rows if row[0] == "K8S000"]
    assert internal == [
        (
            "K8S000",
            "pod.yaml",
            1,
            "internal error while checking this file: KeyError: 'spec' "
            "(a bug in scaffolder: please report it)",
        )
    ]
    assert "K8S104" in {row[0] for row in rows}  # the security family still ran


def test_an_internal_error_exits_3(tmp_path: Path) -> None:
    # A bool variable whose default holds a map used to crash the type check; any internal
    # error must exit 3, so this probe injects one through a broken check module.
    build_tree(tmp_path, {"pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"})
    probe = (
        "import sys\n"
        "from scaffolder.validation.kubernetes.rules import reliability\n"
        "def broken(view):\n    raise RuntimeError('boom')\n"
        "reliability.check = broken\n"
        "from scaffolder.cli import main\n"
        f"sys.argv = ['scaffolder', 'validate', '--no-cache', {str(tmp_path)!r}]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "K8S000" in result.stdout and "Traceback" not in result.stderr


def test_messages_are_printed_as_written_not_as_emoji(tmp_path: Path) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\ndata:\n  ':smile:': 1\n"
    result = _cli("validate", "--no-cache", str(build_tree(tmp_path, {"cm.yaml": manifest})))
    assert "data.:smile:" in result.stdout, result.stdout
    assert "\U0001f604" not in result.stdout


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "repo", {"main.tf": 'locals {\n  a = "b"\n}\n'})
    cache = tmp_path / "cache"
    result = _cli("validate", "--no-cache", str(root), env={"SCAFFOLDER_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    assert not cache.exists()


@pytest.mark.parametrize(
    "text",
    [
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
        "Outputs:\n  Arn:\n    Value: !GetAtt B.Arn\n",
        "#cloud-config\nruncmd:\n  - [ sh, -c, 'echo {{ name }}' ]\nusers: [\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
        "steps:\n  - run: echo ${{ secrets.TOKEN }}\n  bad: [\n",
    ],
)
def test_yaml_that_is_not_a_manifest_is_not_a_manifest_error(tmp_path: Path, text: str) -> None:
    assert _rows(build_tree(tmp_path, {"other.yaml": text})) == []


def test_a_broken_manifest_still_is_one(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [c\n"
    assert [row[:3] for row in _rows(build_tree(tmp_path, {"cm.yaml": text}))] == [
        ("K8S005", "cm.yaml", 5)
    ]


def test_a_configmap_whose_data_is_a_list_does_not_break_parity(tmp_path: Path) -> None:
    # Regression from kubernetes-sigs/kustomize: PAR000 (unhashable dict) on an unrelated file.
    files = {
        "invalid.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n"
        "data:\n- foo: bar\n",
        "compose.yaml": "services:\n  web:\n    image: web:1\n    build: .\n",
        "Dockerfile": "FROM python:3.12.8-slim\nUSER 10001\nHEALTHCHECK CMD true\nEXPOSE 80\n",
    }
    rules = {row[0] for row in _rows(build_tree(tmp_path, files))}
    assert "PAR000" not in rules and "K8S001" in rules


def test_an_empty_api_version_is_named_as_missing(tmp_path: Path) -> None:
    manifest = "apiVersion:\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n"
    rows = _rows(build_tree(tmp_path, {"cm.yaml": manifest}), select=["K8S001"])
    assert rows == [("K8S001", "cm.yaml", 1, "`apiVersion` has no value: not a valid apiVersion")]
