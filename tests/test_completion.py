"""Shell completion as the shells ask for it, and the README's instructions for each shell."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.templates import list_templates
from scaffolder.validation.registry import default_registry

from .conftest import REPO

README_LINES = (REPO / "README.md").read_text().splitlines()


def complete(*words: str) -> list[str]:
    """What `scaffolder` offers for the last of ``words``, asked the way zsh's script asks."""
    env = {
        **os.environ,
        "_SCAFFOLDER_COMPLETE": "zsh_complete",
        "COMP_WORDS": " ".join(["scaffolder", *words]),
        "COMP_CWORD": str(len(words)),
    }
    result = subprocess.run(
        [sys.executable, "-m", "scaffolder"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    # zsh_complete prints type, value, help, one per line, for each item.
    lines = result.stdout.splitlines()
    return [lines[i + 1] for i in range(0, len(lines) - 2, 3) if lines[i] == "plain"]


def test_template_names() -> None:
    assert complete("new", "") == [t.name for t in list_templates()]
    assert complete("new", "g") == ["gke"]


def test_set_keys_of_the_chosen_template() -> None:
    gke = [f"{name}=" for name in next(t for t in list_templates() if t.name == "gke").questions]
    assert complete("new", "gke", "--set", "") == gke
    assert complete("new", "-o", "out", "gke", "--set", "node_m") == [
        "node_machine_type=",
        "node_min_count=",
        "node_max_count=",
    ]
    assert "gcp_project_id=" not in complete("new", "eks", "--set", "")


def test_set_values_from_closed_lists() -> None:
    assert complete("new", "docker-dev", "--set", "app_runtime=") == [
        "app_runtime=python",
        "app_runtime=node",
    ]
    assert complete("new", "eks", "--set", "region=eu-west-") == [
        "region=eu-west-1",
        "region=eu-west-2",
        "region=eu-west-3",
    ]


def test_rule_ids() -> None:
    ids = [rule.id for rule in default_registry()]
    assert complete("rules", "") == ids
    assert complete("rules", "k8s00") == [i for i in ids if i.startswith("K8S00")]
    # After a comma, the list goes on.
    assert complete("validate", "--select", "TF101,SL10") == [
        f"TF101,{i}" for i in ids if i.startswith("SL10")
    ]
    assert complete("validate", "--ignore", "COMPOSE00")[0] == "COMPOSE000"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_readme_says_how_to_enable_it_and_the_line_works(shell: str) -> None:
    readme = (REPO / "README.md").read_text()
    match = re.search(rf"^.*_SCAFFOLDER_COMPLETE={shell}_source scaffolder.*$", readme, re.M)
    assert match, f"README does not document completion for {shell}"
    env = {**os.environ, "_SCAFFOLDER_COMPLETE": f"{shell}_source"}
    script = subprocess.run(
        [sys.executable, "-m", "scaffolder"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "_SCAFFOLDER_COMPLETE" in script and f"{shell}_complete" in script


def test_the_readme_bash_line_registers_completion_in_bash() -> None:
    bash = shutil.which("bash")
    assert bash, "bash runs the Makefile's recipes; it is always there"
    (line,) = [line for line in README_LINES if "bash_source" in line]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        [bash, "--norc", "-i", "-c", f"{line}\ncomplete -p scaffolder"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "_scaffolder_completion" in result.stdout and result.stdout.rstrip().endswith(
        "scaffolder"
    )
