"""Shared parts: how a template is assembled from them, and the errors a broken assembly gives.

Each test builds a throwaway ``templates/`` tree with :func:`build_tree` and renders it through
:func:`scaffolder.hooks.render_shared_parts`, the code the post-generation hook runs.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import PartConflict, PartRenderFailed, UnknownPart, UnknownPlatform
from scaffolder.generation import resolve_answers
from scaffolder.hooks import render_shared_parts
from scaffolder.templates import SHARED_DIR, list_templates, load_template, templates_root

from .conftest import build_tree, tree

SLUG_DIR = "{{cookiecutter.project_slug}}"


def _template(root: Path, files: dict[str, str], **settings: Any) -> Path:
    """A template `t` under ``root/templates`` with ``files`` (paths relative to templates/)."""
    config = {"project_name": "My Service", "project_slug": "my-service", **settings}
    build_tree(
        root / "templates",
        {"t/cookiecutter.json": json.dumps(config), f"t/{SLUG_DIR}/README.md": "# t\n", **files},
    )
    return root / "templates" / "t"


def _render(template_dir: Path, out: Path) -> tuple[Path, list[str]]:
    template = load_template(template_dir)
    context = {
        **resolve_answers(template, {}),
        **template.private,
        "_repo_dir": str(template_dir),
    }
    project = out / "my-service"
    project.mkdir(parents=True)
    return project, sorted(p.as_posix() for p in render_shared_parts(context, project))


def test_neutral_part_takes_what_differs_from_the_platform_part_library(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        {
            "_shared/stack/stack.tf": (
                '{%- import "stack.jinja" as platform with context -%}\n'
                'name = "{{ cookiecutter.project_slug }}"\n'
                "{{- platform.extra() }}\n"
                'bucket = "{{ platform.bucket }}"\n'
            ),
            "_shared/stack-p1/stack.jinja": (
                '{%- set bucket = cookiecutter.project_slug ~ "-state" -%}\n'
                "{%- macro extra() %}\n"
                'region = "north"\n'
                "{%- endmacro %}\n"
            ),
            "_shared/stack-p1/only-p1.tf": "# {{ cookiecutter._platform }}\n",
        },
        _platform="gke",
        _shared={"infra": ["stack", "stack-p1"]},
    )
    project, written = _render(template, tmp_path / "out")
    # The library is read, never written; the platform part's own file is.
    assert written == ["infra/only-p1.tf", "infra/stack.tf"]
    assert tree(project) == {
        "infra/only-p1.tf": b"# gke\n",
        "infra/stack.tf": b'name = "my-service"\nregion = "north"\nbucket = "my-service-state"\n',
    }


def test_two_parts_writing_one_path_is_an_error_naming_both(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        {"_shared/a/Makefile": "a\n", "_shared/b/Makefile": "b\n"},
        _shared={".": ["a", "b"]},
    )
    with pytest.raises(PartConflict) as caught:
        _render(template, tmp_path / "out")
    assert str(caught.value) == (
        "template `t`: `Makefile` comes from both part `a` and part `b`; one path has one source"
    )
    # Nothing was written: the conflict is found before the first file.
    assert tree(tmp_path / "out") == {}


def test_a_part_writing_a_file_of_the_template_itself_is_an_error(tmp_path: Path) -> None:
    template = _template(tmp_path, {"_shared/docs/README.md": "shared\n"}, _shared={".": ["docs"]})
    with pytest.raises(PartConflict, match=r"`README.md` comes from both template `t` and part"):
        _render(template, tmp_path / "out")


def test_rendered_paths_conflict_too(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        {
            "_shared/a/overlays/{{cookiecutter._platform}}/kustomization.yaml": "a\n",
            "_shared/a-gke/overlays/gke/kustomization.yaml": "b\n",
        },
        _platform="gke",
        _shared={"k8s": ["a", "a-gke"]},
    )
    with pytest.raises(PartConflict, match=r"`k8s/overlays/gke/kustomization.yaml`"):
        _render(template, tmp_path / "out")


def test_two_parts_providing_one_library_is_an_error(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        {"_shared/a/lib.jinja": "", "_shared/b/lib.jinja": ""},
        _shared={".": ["a", "b"]},
    )
    with pytest.raises(PartConflict, match=r"`lib.jinja` comes from both part `a` and part `b`"):
        _render(template, tmp_path / "out")


def test_a_library_no_listed_part_provides_is_an_error(tmp_path: Path) -> None:
    # The platform part exists, but the template does not list it: nothing is borrowed silently.
    template = _template(
        tmp_path,
        {
            "_shared/stack/main.tf": '{%- import "stack.jinja" as p with context -%}\n',
            "_shared/stack-gke/stack.jinja": "",
        },
        _platform="gke",
        _shared={".": ["stack"]},
    )
    with pytest.raises(PartRenderFailed) as caught:
        _render(template, tmp_path / "out")
    assert str(caught.value) == (
        "template `t`, shared part `stack`, `main.tf`: imports `stack.jinja`, which none of the "
        "template's parts provides (its parts: stack)"
    )


def test_a_value_the_platform_library_lacks_is_an_error_not_an_empty_string(
    tmp_path: Path,
) -> None:
    template = _template(
        tmp_path,
        {
            "_shared/stack/main.tf": (
                '{%- import "stack.jinja" as platform with context -%}\n{{ platform.bucket }}\n'
            ),
            "_shared/stack-gke/stack.jinja": "{%- set region = 'north' -%}\n",
        },
        _platform="gke",
        _shared={".": ["stack", "stack-gke"]},
    )
    with pytest.raises(PartRenderFailed, match=r"shared part `stack`, `main.tf`: .*bucket"):
        _render(template, tmp_path / "out")


def test_an_unknown_part_is_an_error(tmp_path: Path) -> None:
    template = _template(tmp_path, {}, _shared={".": ["no-such-part"]})
    with pytest.raises(UnknownPart, match=r"template `t` uses shared part `no-such-part`"):
        _render(template, tmp_path / "out")


def test_an_unknown_platform_is_an_error_before_anything_renders(tmp_path: Path) -> None:
    template = load_template(_template(tmp_path, {}, _platform="aks"))
    with pytest.raises(UnknownPlatform) as caught:
        resolve_answers(template, {})
    assert caught.value.platform == "aks"
    assert caught.value.known == ("eks", "gke")
    assert "add it to PLATFORMS in scaffolder/clouds.py" in str(caught.value)


def test_a_template_without_a_platform_has_no_cloud_rules(tmp_path: Path) -> None:
    template = load_template(_template(tmp_path, {}, region="anywhere"))
    assert template.platform is None
    assert resolve_answers(template, {})["region"] == "anywhere"


@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_every_template_names_a_known_platform_and_existing_parts(name: str) -> None:
    template = load_template(templates_root() / name)
    platform = template.platform
    assert "_cloud" not in template.raw, "one discriminator: `_platform`"
    parts = [
        source
        for sources in template.raw["_shared"].values()
        for source in ([sources] if isinstance(sources, str) else sources)
    ]
    for part in parts:
        if "{{" not in part:
            assert (templates_root() / SHARED_DIR / part).is_dir(), part
    if platform is not None:
        # Every neutral part with platform halves is listed with this platform's half.
        for part in parts:
            if (templates_root() / SHARED_DIR / f"{part}-{platform.name}").is_dir():
                assert f"{part}-{platform.name}" in parts, part


@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_every_template_uses_the_one_copy_of_the_hooks(name: str) -> None:
    hooks = templates_root() / name / "hooks"
    for hook in ("pre_gen_project.py", "post_gen_project.py"):
        path = hooks / hook
        # A symlink in a checkout; the wheel holds the dereferenced file.
        target = templates_root() / "_hooks" / hook
        assert path.resolve() == target.resolve() or path.read_bytes() == target.read_bytes()
    assert sorted(p.name for p in hooks.iterdir()) == ["post_gen_project.py", "pre_gen_project.py"]


@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_compose_settings_agree_with_where_the_dev_part_goes(name: str) -> None:
    """`_compose_dir` (for the Makefile and CI) and `_app_dir` (for compose) name one layout."""
    raw = load_template(templates_root() / name).raw
    (destination,) = [
        dest
        for dest, sources in raw["_shared"].items()
        if "dev" in ([sources] if isinstance(sources, str) else sources)
    ]
    assert posixpath.normpath(destination) == raw["_compose_dir"]
    assert posixpath.normpath(posixpath.join(raw["_compose_dir"], raw["_app_dir"])) == "app"
    assert posixpath.join(raw["_compose_dir"], ".env").removeprefix("./") in raw["_local_secrets"]


# Branching on which platform, in a tag or an inline `if`: `{% if cookiecutter._platform == "gke" %}`,
# `{{ "a" if cookiecutter._platform == "gke" else "b" }}`. Whether there is one (`is defined`) is
# allowed: docker-dev has none.
_PLATFORM_BRANCH = re.compile(r"cookiecutter\._platform\s*(?:==|!=|in\b|not\s+in\b)")


def test_no_shared_part_branches_on_the_platform() -> None:
    shared = templates_root() / SHARED_DIR
    offenders = [
        path.relative_to(shared).as_posix()
        for path in sorted(shared.rglob("*"))
        if path.is_file()
        and "node_modules" not in path.parts
        and _PLATFORM_BRANCH.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []


def test_nothing_refers_to_the_removed_cloud_discriminator() -> None:
    offenders = [
        path.relative_to(templates_root()).as_posix()
        for path in sorted(templates_root().rglob("*"))
        if path.is_file()
        and "node_modules" not in path.parts
        and "cookiecutter._cloud" in path.read_text(encoding="utf-8", errors="ignore")
    ]
    assert offenders == []
