"""What a teammate installs and references: the distribution name, the tags, the pre-commit hook."""

from __future__ import annotations

import re
import sys

import yaml

import scaffolder

from .conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the 3.10 CI leg
    import tomli as tomllib

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
README = (REPO / "README.md").read_text()


def _readme_pre_commit_snippet() -> dict[str, object]:
    section = README.split("As a pre-commit hook", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, "README has no pre-commit snippet"
    (repo,) = yaml.safe_load(block.group(1))
    assert isinstance(repo, dict)
    return repo


def test_pre_commit_snippet_matches_the_manifest_and_the_version() -> None:
    snippet = _readme_pre_commit_snippet()
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    ids = {hook["id"] for hook in manifest}
    hooks = snippet["hooks"]
    assert isinstance(hooks, list)
    assert {hook["id"] for hook in hooks} <= ids
    # The rev is a release tag: `v` and the version the package reports.
    assert snippet["rev"] == f"v{scaffolder.__version__}"
    assert PROJECT["version"] == scaffolder.__version__
    # The hook runs the command the distribution installs.
    (hook,) = manifest
    assert hook["entry"].split()[0] in PROJECT["scripts"]
    manifest_comment = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert f"rev: {snippet['rev']}" in manifest_comment


def test_install_section_names_the_distribution_and_the_tag() -> None:
    name = PROJECT["name"]
    # `scaffolder` on the package index is an unrelated project.
    assert name != "scaffolder"
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert f"pipx install {name}" in install
    assert f"pip install {name}" in install
    assert f"@v{scaffolder.__version__}" in install
    assert "scaffolder" in PROJECT["scripts"]
    assert f"'{name}[rego]'" in README
