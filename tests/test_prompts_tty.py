"""`new` at a real terminal: the CLI driven through a pseudo-terminal with pexpect.

The prompts are read as a person reads them, colours stripped: progress, the template's text,
numbered choices, re-asks with the rule, suggestions, cross-field re-asks, Ctrl-C and Ctrl-D.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from scaffolder.templates import get_template

from .conftest import require_module

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Terminal:
    """`python -m scaffolder ARGS` on a pseudo-terminal; ``ask`` waits for a prompt and answers."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        pexpect = require_module("pexpect")
        self.pexpect = pexpect
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "scaffolder", *args],
            cwd=str(cwd),
            encoding="utf-8",
            timeout=60,
            dimensions=(50, 250),
            env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "TERM": "xterm"},
        )
        self.seen = ""

    def ask(self, name: str, reply: str) -> str:
        """Wait for the prompt of ``name``, type ``reply``; return what was shown since last."""
        self.child.expect(rf"  {name}\b[^\n]*: ")
        shown = ANSI.sub("", self.child.before + self.child.after)
        self.seen += shown
        self.child.sendline(reply)
        return shown

    def finish(self) -> tuple[int, str]:
        self.child.expect(self.pexpect.EOF, timeout=180)
        self.seen += ANSI.sub("", self.child.before)
        self.child.close()
        status = self.child.exitstatus
        return (status if status is not None else 128 + self.child.signalstatus), self.seen


def test_prompts_show_progress_text_rule_and_numbered_choices(tmp_path: Path) -> None:
    term = Terminal(["new", "docker-dev"], tmp_path)
    first = term.ask("project_name", "Tty App")
    assert "[1/4] Project name (free text, shown in READMEs)" in first
    assert "project_name (My Service): " in first
    slug = term.ask("project_slug", "")
    assert "[2/4] Project slug" in slug and "project_slug (tty-app): " in slug
    runtime = term.ask("app_runtime", "2")  # by number
    assert "[3/4] Application runtime" in runtime
    assert "1 - python" in runtime and "2 - node" in runtime
    term.ask("app_port", "80")
    refused = term.ask("app_port", "3000")
    assert "app_port must be an integer from 1024 to 65535" in refused
    status, output = term.finish()
    assert status == 0, output
    record = json.loads((tmp_path / "tty-app" / ".scaffolder.json").read_text())
    assert record["answers"] == {
        "app_port": 3000,
        "app_runtime": "node",
        "project_name": "Tty App",
        "project_slug": "tty-app",
    }


def test_choice_by_name_and_wrong_number_is_asked_again(tmp_path: Path) -> None:
    term = Terminal(["new", "docker-dev", "--set", "project_name=Named"], tmp_path)
    assert "[1/3]" in term.ask("project_slug", "")
    term.ask("app_runtime", "3")
    again = term.ask("app_runtime", "node")
    assert "app_runtime must be one of python, node" in again
    term.ask("app_port", "")
    status, output = term.finish()
    assert status == 0, output
    assert (
        json.loads((tmp_path / "named" / ".scaffolder.json").read_text())["answers"]["app_runtime"]
        == "node"
    )


def test_invalid_slug_default_region_suggestion_and_cross_field_reask(tmp_path: Path) -> None:
    term = Terminal(["new", "gke"], tmp_path)
    term.ask("project_name", "123 Billing")
    # `123-billing` would break the rule it is asked under: the default offered is valid.
    assert "project_slug (billing): " in term.ask("project_slug", "yes")
    reask = term.ask("project_slug", "")
    assert "project_slug must not be a word YAML reads as a boolean or null" in reask
    assert "project_slug (billing): " in reask
    term.ask("gcp_project_id", "")
    term.ask("region", "europe-wst1")
    suggestion = term.ask("region", "europe-west1")
    assert "region must be a GCP region (did you mean `europe-west1`" in suggestion
    term.ask("network_cidr", "")
    term.ask("node_machine_type", "e2-standrd-4")
    machine = term.ask("node_machine_type", "")
    assert "did you mean `e2-standard-4`" in machine
    term.ask("node_min_count", "5")
    term.ask("node_max_count", "2")
    cross = term.ask("node_max_count", "8")
    # Asked again at once, with the rule that ties it to the earlier answer.
    assert "node_max_count must be at least node_min_count (5)" in cross
    # The rest at their defaults, in the template's own order.
    names = list(get_template("gke").questions)
    for name in names[names.index("node_max_count") + 1 :]:
        term.ask(name, "")
    status, output = term.finish()
    assert status == 0, output
    answers = json.loads((tmp_path / "billing" / ".scaffolder.json").read_text())["answers"]
    assert (answers["project_slug"], answers["region"]) == ("billing", "europe-west1")
    assert (answers["node_min_count"], answers["node_max_count"]) == (5, 8)
    assert answers["repository"] == "billing"


def test_given_answers_are_refused_before_the_first_prompt(tmp_path: Path) -> None:
    term = Terminal(["new", "gke", "--set", "region=mars-1", "--set", "colour=blue"], tmp_path)
    status, output = term.finish()
    assert status == 2
    assert "project_name" not in output.split("error:")[0]  # no prompt came first
    assert "`colour` is not an answer of template `gke`" in output
    assert "`region` must be a GCP region" in output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("at", ["project_name", "app_runtime"])
def test_ctrl_c_at_a_prompt_exits_130_on_its_own_line(tmp_path: Path, at: str) -> None:
    term = Terminal(["new", "docker-dev"], tmp_path)
    for name in ("project_name", "project_slug", "app_runtime"):
        if name == at:
            term.child.expect(rf"  {name}\b[^\n]*: ")
            break
        term.ask(name, "")
    term.child.sendintr()
    status, output = term.finish()
    assert status == 130
    assert "Traceback" not in output
    # The message starts a line of its own, not after the prompt.
    assert re.search(r"\n\s*scaffolder: interrupted by SIGINT; nothing was written", output), output
    assert list(tmp_path.iterdir()) == []


def test_ctrl_d_at_a_prompt_names_the_question(tmp_path: Path) -> None:
    term = Terminal(["new", "docker-dev"], tmp_path)
    term.child.expect(r"  project_name\b[^\n]*: ")
    term.child.sendeof()
    status, output = term.finish()
    assert status == 2
    assert "input ended before `project_name` was answered; nothing was written" in output
    assert "Traceback" not in output
    assert list(tmp_path.iterdir()) == []
