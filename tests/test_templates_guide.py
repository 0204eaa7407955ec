"""docs/templates.md stays true: its worked example (`aks` on Azure) is followed to the letter.

The repository's package and templates are copied into a temporary checkout; every fenced block
of the guide whose info string names a path is written there (the one for
``scaffolder/clouds.py`` replaces the file's platform list, as the guide says), every ``sh run``
block is run, and the generated project is checked with the real command line, the hooks and
the validator of that checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffolder.templates import SHARED_DIR, templates_root

from .conftest import REPO

GUIDE = REPO / "docs" / "templates.md"
PLATFORM_LIST = "#: Every platform a template may name"


@dataclass(frozen=True)
class Block:
    """A fenced block: its language, the rest of its info string, its text."""

    language: str
    target: str
    text: str


def blocks(markdown: str) -> list[Block]:
    """Every fenced block, outermost only (a ```` fence may hold ``` fences)."""
    found = []
    lines = iter(markdown.splitlines(keepends=True))
    for line in lines:
        opening = re.match(r"^(`{3,})(\S*)[ \t]*(.*?)\s*$", line)
        if not opening:
            continue
        fence, body = opening.group(1), []
        for inner in lines:
            if re.match(rf"^{fence}`*\s*$", inner):
                break
            body.append(inner)
        found.append(Block(opening.group(2), opening.group(3), "".join(body)))
    return found


def _files(guide: list[Block]) -> dict[str, str]:
    return {block.target: block.text for block in guide if "/" in block.target}


def _apply_clouds(checkout: Path, text: str) -> None:
    clouds = checkout / "scaffolder" / "clouds.py"
    source = clouds.read_text()
    # The guide's block is the new end of the file: the cloud's facts, then the platform list.
    assert PLATFORM_LIST in source and PLATFORM_LIST in text
    clouds.write_text(source[: source.index(PLATFORM_LIST)] + text)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's code and templates after following the guide."""
    root = tmp_path_factory.mktemp("guide")
    ignore = shutil.ignore_patterns("__pycache__", "node_modules")
    shutil.copytree(REPO / "scaffolder", root / "scaffolder", ignore=ignore)
    shutil.copytree(REPO / "templates", root / "templates", symlinks=True, ignore=ignore)
    guide = blocks(GUIDE.read_text())
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
    }
    for block in guide:
        if block.target == "scaffolder/clouds.py":
            _apply_clouds(root, block.text)
        elif "/" in block.target:
            path = root / block.target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.text, encoding="utf-8")
        elif block.language == "sh" and block.target == "run":
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", block.text],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            assert result.returncode == 0, (block.text, result.stdout, result.stderr)
    return root


def test_the_guide_shows_every_step_it_promises() -> None:
    guide = blocks(GUIDE.read_text())
    files = _files(guide)
    assert "scaffolder/clouds.py" in files
    assert "templates/aks/cookiecutter.json" in files
    for library in ("spacelift.jinja", "k8s-prod.jinja", "repo.jinja"):
        part = library.removesuffix(".jinja")
        assert f"templates/{SHARED_DIR}/{part}-aks/{library}" in files, library
    runs = [block.text for block in guide if block.target == "run"]
    assert any("scaffolder new aks" in text for text in runs)


def test_following_the_guide_gives_a_template_that_generates_and_validates(
    checkout: Path,
) -> None:
    project = checkout / ".demo" / "aks" / "my-service"
    record = json.loads((project / ".scaffolder.json").read_text())
    assert record["template"] == "aks"
    # The platform parts' own files and the overlay named after the platform are there; their
    # libraries are not.
    assert (project / "spacelift" / "credentials.tf").is_file()
    assert (project / "k8s" / "overlays" / "aks" / "kustomization.yaml").is_file()
    assert not list(project.rglob("*.jinja"))
    # `scaffolder new` validated already (it exits 1 on an error); nothing lesser either.
    result = subprocess.run(
        [sys.executable, "-m", "scaffolder", "validate", str(project), "--format", "json"],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["findings"] == [], report["findings"]
    stacks = (project / "spacelift" / "stacks.tf").read_text()
    assert 'resource_group = "RESOURCE_GROUP"' in stacks
    assert "platform:aks" in stacks


def test_the_guide_answers_are_checked_against_azure(checkout: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scaffolder", "new", "aks", "--no-input", "--set", "region=mars"],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "`region` must be an Azure region (one of centralus, eastus" in result.stderr


def test_the_guide_template_is_canonical_terraform(checkout: Path, terraform: str) -> None:
    project = checkout / ".demo" / "aks" / "my-service"
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_the_guide_overlay_renders(checkout: Path, kubectl: str) -> None:
    overlay = checkout / ".demo" / "aks" / "my-service" / "k8s" / "overlays" / "aks"
    result = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "image: myservice.azurecr.io/my-service:0.1.0" in result.stdout
    assert "type: LoadBalancer" in result.stdout


def _library_table() -> dict[str, set[str]]:
    """The guide's table: library name -> the values and blocks it must provide."""
    rows = re.findall(r"^\| `([\w-]+\.jinja)` \| `[\w-]+` \| (.+) \|$", GUIDE.read_text(), re.M)
    return {
        library: {name.rstrip("()") for name in re.findall(r"`([^`]+)`", names)}
        for library, names in rows
    }


def _defined(library: Path) -> set[str]:
    text = library.read_text()
    return set(re.findall(r"\{%-?\s*(?:set|macro)\s+(\w+)", text)) - {"slug"}


def test_the_library_table_is_what_the_neutral_parts_use_and_the_platforms_define() -> None:
    table = _library_table()
    assert set(table) == {"spacelift.jinja", "k8s-prod.jinja", "repo.jinja"}
    shared = templates_root() / SHARED_DIR
    for library, names in table.items():
        part = library.removesuffix(".jinja")
        texts = [path.read_text() for path in (shared / part).rglob("*") if path.is_file()]
        used = {name for text in texts for name in re.findall(r"\bplatform\.(\w+)", text)}
        # Optional blocks: used only behind `is defined`, and named in the guide as optional.
        optional = {
            name for text in texts for name in re.findall(r"\bplatform\.(\w+) is defined", text)
        }
        assert used - optional == names, library
        for name in optional:
            assert f"`{name}()`" in GUIDE.read_text(), name
        for platform in ("gke", "eks"):
            defined = _defined(shared / f"{part}-{platform}" / library)
            # A library may keep helpers of its own (the GKE account name), never lack a name.
            assert names <= defined, (library, platform, names - defined)


def test_every_repository_path_the_guide_names_exists() -> None:
    created = set(_files(blocks(GUIDE.read_text())))
    named = set(
        re.findall(
            r"`((?:scaffolder|templates|tests|examples|docs)/[\w./{}-]+)`", GUIDE.read_text()
        )
    )
    missing = [
        path
        for path in sorted(named)
        # `scaffolder/templates` is where the wheel puts templates/, not a path of the checkout.
        if path not in created
        and "aks" not in path
        and path != "scaffolder/templates"
        and not (REPO / path).exists()
    ]
    assert missing == []
