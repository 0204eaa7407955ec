"""Every released template version, renderable offline: the baselines of ``update`` and ``check``.

A project records its template, the template version and its answers (``.scaffolder.json``).
To merge a project forward, scaffolder must recreate byte for byte what that version generated
with those answers. The wheel therefore ships, in ``scaffolder/releases/``, one archive per
released version: the template's own directory and the shared parts it may use, as they were in
the commit that released it (``make history`` builds them from git; see
:mod:`scaffolder.history_build`). An archive also says how that version's shared parts were
rendered where the rendering code has changed since (``drop_empty``).
"""

from __future__ import annotations

import io
import json
import lzma
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder.errors import UnknownTemplateVersion

if TYPE_CHECKING:
    from scaffolder.templates import Template

RELEASES_DIR = Path(__file__).resolve().parent / "releases"
MANIFEST = "manifest.json"
ARCHIVE_SUFFIX = ".tar.xz"


@dataclass(frozen=True, slots=True)
class Release:
    """One released version of one template, as shipped."""

    template: str
    version: str
    archive: Path

    @property
    def key(self) -> tuple[int, ...]:
        """Sort key: the version's numbers."""
        return version_key(self.version)


def version_key(version: str) -> tuple[int, ...]:
    """``"0.10.2"`` -> ``(0, 10, 2)``; semver without pre-release parts is all templates use."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def archive_name(template: str, version: str) -> str:
    """File name of the archive of ``template`` at ``version``."""
    return f"{template}-{version}{ARCHIVE_SUFFIX}"


def releases(template: str, *, root: Path | None = None) -> list[Release]:
    """Every shipped version of ``template``, oldest first."""
    directory = RELEASES_DIR if root is None else root
    prefix = f"{template}-"
    found = [
        Release(template, path.name[len(prefix) : -len(ARCHIVE_SUFFIX)], path)
        for path in directory.glob(f"{prefix}*{ARCHIVE_SUFFIX}")
        if version_key(path.name[len(prefix) : -len(ARCHIVE_SUFFIX)])
    ]
    return sorted(found, key=lambda release: release.key)


def get_release(template: str, version: str, *, root: Path | None = None) -> Release:
    """The shipped archive of ``template`` at ``version``.

    Raises:
        UnknownTemplateVersion: That version was never released (or is not shipped).
    """
    known = releases(template, root=root)
    for release in known:
        if release.version == version:
            return release
    raise UnknownTemplateVersion(
        template=template, version=version, known=[release.version for release in known]
    )


def extract(release: Release, destination: Path) -> tuple[Path, dict[str, object]]:
    """Unpack ``release`` into ``destination``; return the template directory and its manifest.

    The archive holds ``<template>/`` and ``_shared/`` side by side, the layout
    :mod:`scaffolder.hooks` expects, and ``manifest.json``.
    """
    data = lzma.decompress(release.archive.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        if hasattr(tarfile, "data_filter"):
            archive.extractall(destination, filter="data")
        else:  # pragma: no cover - Python before 3.10.12 / 3.11.4
            archive.extractall(destination)
    manifest = json.loads((destination / MANIFEST).read_text(encoding="utf-8"))
    return destination / release.template, dict(manifest)


def render_release(
    release: Release, answers: Mapping[str, object], destination: Path
) -> tuple[Path, dict[str, object], Template]:
    """Render ``release`` with ``answers`` into ``destination``, offline.

    Answers the version does not ask are ignored (a later version may have dropped them);
    questions the answers do not cover get the version's defaults. Only the template's files
    are rendered: no local secret files and no ``.scaffolder.json``.

    Returns:
        The rendered project directory, the answers this version was rendered with, and the
        version's template (its settings, such as ``_local_secrets``).

    Raises:
        InvalidAnswers: An answer breaks a rule of this version.
        RenderFailed: The version does not render.
    """
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_files
    from jinja2 import TemplateError

    from scaffolder.errors import RenderFailed
    from scaffolder.generation import _context, resolve_answers
    from scaffolder.hooks import render_shared_parts
    from scaffolder.templates import load_template

    source = destination / "source"
    output = destination / "output"
    output.mkdir(parents=True)
    template_dir, manifest = extract(release, source)
    template = load_template(template_dir)
    given = {key: value for key, value in answers.items() if key in template.questions}
    resolved = resolve_answers(template, given)
    context = _context(template, resolved, output)
    try:
        project = Path(
            generate_files(
                repo_dir=str(template.path),
                context=context,
                output_dir=str(output),
                accept_hooks=False,
            )
        )
        written = render_shared_parts(context["cookiecutter"], project)
    except (CookiecutterException, TemplateError, OSError) as error:
        raise RenderFailed(
            template=f"{release.template} {release.version}", reason=str(error)
        ) from error
    drop = tuple(str(suffix) for suffix in manifest.get("drop_empty", []))  # type: ignore[attr-defined]
    if drop:
        # Until the parts were split by platform, a part's file for another platform rendered
        # to nothing and was left out; versions from then are rendered the same way.
        for relative in written:
            path = project / relative
            if path.suffix in drop and not path.read_text(encoding="utf-8").strip():
                path.unlink()
    return project, dict(resolved), template
