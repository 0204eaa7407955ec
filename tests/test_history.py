"""The shipped releases: one per template version, each reproducing what that version rendered.

A template change without a version bump fails here: today's rendering of a template must be
byte for byte the shipped release of its current ``_template_version``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.history import RELEASES_DIR, extract, get_release, releases, render_release
from scaffolder.history_build import build, changelog_versions
from scaffolder.templates import list_templates

from .conftest import REPO, RUNTIMES, skip_or_fail, tree


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_todays_rendering_is_the_release_of_the_current_version(
    tmp_path: Path, template: str, runtime: str
) -> None:
    current = next(t for t in list_templates() if t.name == template)
    answers = {"app_runtime": runtime, "project_name": "Billing API"}
    project = generate(template, tmp_path / "new", answers=answers)
    skip = {".scaffolder.json", *current.private["_local_secrets"]}
    today = {path: data for path, data in tree(project).items() if path not in skip}
    release = get_release(template, current.version)
    shipped, _, _ = render_release(release, answers, tmp_path / "release")
    assert tree(shipped) == today, (
        f"{template} renders differently from its shipped release {current.version}: bump "
        "_template_version (and add a CHANGELOG line), commit, and run `make history`"
    )


def test_every_version_in_the_changelog_is_shipped_and_nothing_else() -> None:
    named = changelog_versions((REPO / "CHANGELOG.md").read_text())
    shipped = {(r.template, r.version) for t in list_templates() for r in releases(t.name)}
    assert shipped == named


def test_each_archive_is_the_version_its_name_says(tmp_path: Path) -> None:
    for template in list_templates():
        for release in releases(template.name):
            directory = tmp_path / f"{release.template}-{release.version}"
            template_dir, manifest = extract(release, directory)
            config = json.loads((template_dir / "cookiecutter.json").read_text())
            assert config["_template_version"] == release.version
            assert (manifest["template"], manifest["version"]) == (template.name, release.version)
            assert not (template_dir / "hooks").exists()
            assert not [p for p in directory.rglob("*") if p.is_symlink()]


def test_make_history_rebuilds_the_shipped_archives_byte_for_byte(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        # CI runs on a full clone of main: there a missing history is a failure, not a skip.
        skip_or_fail("needs the git history of a source checkout (`make history` reads it)")
    shallow = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=True,
    )
    if shallow.stdout.strip() == "true":
        # Offline the missing commits cannot be fetched; the shipped archives are still checked
        # against today's rendering by the tests above, which need no history.
        pytest.skip(
            "a shallow clone lacks the history the releases come from (git fetch --unshallow)"
        )
    # Without the per-commit check (make history does that): this test is about the bytes.
    build(REPO, "HEAD", tmp_path, check=False)
    rebuilt = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    shipped = {p.name: p.read_bytes() for p in RELEASES_DIR.iterdir()}
    assert rebuilt.keys() == shipped.keys()
    stale = sorted(name for name in rebuilt if rebuilt[name] != shipped[name])
    assert not stale, f"run `make history`: {', '.join(stale)} differ from git's history"
