"""Every released template version, renderable offline: the baselines of ``update`` and ``check``.

A project records its template, the template version and its answers (``.scaffolder.json``).
To merge a project forward, scaffolder must recreate byte for byte what that version generated
with those answers. The wheel therefore ships, in ``scaffolder/releases/``, one archive per
template holding every released version: the template's own directory and the shared parts it
may use, as they were in the commit that released it (``make history`` builds them from git; see
:mod:`scaffolder.history_build`). Each version's manifest also says how its shared parts were
rendered where the rendering code has changed since (``drop_empty``).
"""

from __future__ import annotations

import functools
import io
import json
import lzma
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
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


def archive_name(template: str) -> str:
    """File name of the archive that holds every release of ``template``."""
    return f"{template}{ARCHIVE_SUFFIX}"


@functools.lru_cache(maxsize=8)
def _members(archive: Path, stamp: tuple[int, int]) -> dict[str, tuple[bytes, int]]:
    """Every file of a template's archive: name -> (content, mode). ``stamp`` keys the cache."""
    del stamp
    data = lzma.decompress(archive.read_bytes())
    files: dict[str, tuple[bytes, int]] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as opened:
        for member in opened.getmembers():
            if not member.isfile():
                continue
            parts = PurePosixPath(member.name).parts
            # Names are built by make history; refuse anything that could leave the tree.
            if member.name.startswith("/") or ".." in parts:
                raise ValueError(f"{archive}: member `{member.name}` leaves the archive's tree")
            handle = opened.extractfile(member)
            files[member.name] = (handle.read() if handle else b"", member.mode)
    return files


def _read(archive: Path) -> dict[str, tuple[bytes, int]]:
    status = archive.stat()
    return _members(archive, (status.st_mtime_ns, status.st_size))


def releases(template: str, *, root: Path | None = None) -> list[Release]:
    """Every shipped version of ``template``, oldest first.

    One archive per template holds all its versions, ``<version>/...`` each: versions share
    most files, and one xz stream over all of them stores each shared file about once.
    """
    archive = (RELEASES_DIR if root is None else root) / archive_name(template)
    if not archive.is_file():
        return []
    versions = {
        name.split("/", 1)[0]
        for name in _read(archive)
        if name.count("/") == 1 and name.endswith(f"/{MANIFEST}")
    }
    found = [Release(template, version, archive) for version in versions if version_key(version)]
    return sorted(found, key=lambda release: release.key)


def get_release(template: str, version: str, *, root: Path | None = None) -> Release:
    """The shipped release of ``template`` at ``version``.

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

    A release holds ``<template>/`` and ``_shared/`` side by side, the layout
    :mod:`scaffolder.hooks` expects, and ``manifest.json``.
    """
    prefix = f"{release.version}/"
    for name, (content, mode) in _read(release.archive).items():
        if not name.startswith(prefix):
            continue
        path = destination / name[len(prefix) :]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode & 0o755)
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
    if manifest.get("terraform_docs"):
        # From the version whose post-generation step fills infra/README.md's terraform-docs
        # section from the module's variables and outputs, as `new` does.
        from scaffolder.terraform_docs import fill

        fill(project)
    return project, dict(resolved), template
