"""Build ``scaffolder/releases/`` from git: ``make history`` (``-m scaffolder.history_build``).

For every template and every ``_template_version`` it ever had, the release is the last commit
of the first-parent history of ``--rev`` at which the template had that version (the state that
was on main when the next version replaced it); a version that only ever existed on a merged
branch is taken from the last such commit of the full history, if ``CHANGELOG.md`` names it.
Version 0.1.0 is pinned to commit cdaea88, the state the CHANGELOG names.

One archive per template holds every version under ``<version>/``: the template's directory
(without its hooks, which scaffolder runs in-process) and the shared parts its ``_shared`` may
name, as regular files (symlinks resolved), and the version's ``manifest.json``.
Archives are deterministic: sorted members, no times, owners or permissions beyond the
executable bit, and xz without a timestamp, so a re-run over the same history writes the same
bytes, and the versions other branches add are merged by running it again.

Before anything is written, every archive is checked against the code of its own commit: that
commit's ``generate`` renders a few answer sets, and the archive rendered by today's code must
give the same files, byte for byte (local secret files and ``.scaffolder.json`` aside).
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import lzma
import os
import posixpath
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.history import ARCHIVE_SUFFIX, MANIFEST, Release, archive_name, render_release

#: Version 0.1.0 of every template is what the templates rendered at this commit (CHANGELOG).
PINNED = {"0.1.0": "cdaea88"}
#: The first commit whose shared parts keep a file that renders empty; before it, such files
#: were left out (see :func:`scaffolder.history.render_release`).
EMPTY_FILES_KEPT_SINCE = "080ea2b"
#: Suffixes of the files the parts renderer left out when they rendered empty, before that.
DROPPED_EMPTY_SUFFIXES = (".md", ".tf", ".yaml", ".yml")
#: Answer sets each release is checked with, beside the defaults.
ANSWER_SETS: tuple[dict[str, str], ...] = (
    {},
    {"app_runtime": "node"},
    {"project_name": "Billing API", "app_port": "9090"},
)
_SYMLINK = "120000"
_JINJA = re.compile(r"{{.*?}}|{%.*?%}")


class HistoryError(Exception):
    """The history cannot be built as asked; the message says why."""


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, capture_output=True, check=False
    )
    if result.returncode != 0:
        raise HistoryError(f"git {' '.join(args)}: {result.stderr.decode(errors='replace')}")
    return result.stdout


def _cat_files(repo: Path, specs: Sequence[str]) -> list[bytes | None]:
    """Contents of ``<commit>:<path>`` objects in one ``git cat-file --batch``; None if missing."""
    out = _git(repo, "cat-file", "--batch", stdin="".join(f"{s}\n" for s in specs).encode())
    results: list[bytes | None] = []
    position = 0
    for _ in specs:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if header[-1] == b"missing":
            results.append(None)
            continue
        size = int(header[2])
        results.append(out[position : position + size])
        position += size + 1
    return results


def _versions(repo: Path, commits: Sequence[str], template: str) -> list[str | None]:
    found = []
    for raw in _cat_files(repo, [f"{c}:templates/{template}/cookiecutter.json" for c in commits]):
        try:
            found.append(None if raw is None else str(json.loads(raw)["_template_version"]))
        except (ValueError, KeyError):
            found.append(None)
    return found


_TEMPLATE_VERSION = re.compile(r"([a-z][a-z0-9-]*) (\d+\.\d+\.\d+)")


def changelog_versions(text: str) -> set[tuple[str, str]]:
    """The (template, version) pairs ``CHANGELOG.md``'s headings name.

    Headings are ``## gke 0.2.1, eks 0.2.1`` or ``## 0.1.0: docker-dev, gke, eks``; the tool's own
    releases (``## scaffolder 0.1.0 ...``) name no template version.
    """
    named: set[tuple[str, str]] = set()
    for heading in re.findall(r"^## (.+)$", text, flags=re.MULTILINE):
        version_first = re.fullmatch(r"(\d+\.\d+\.\d+): (.+)", heading)
        if version_first:
            named |= {(t.strip(), version_first[1]) for t in version_first[2].split(",")}
        elif not heading.startswith("scaffolder "):
            named |= {
                (match[1], match[2])
                for item in heading.split(",")
                if (match := _TEMPLATE_VERSION.fullmatch(item.strip()))
            }
    return named


@dataclass(frozen=True, slots=True)
class ReleasePoint:
    """Where one version of one template was released."""

    template: str
    version: str
    commit: str
    first_parent: bool


def release_points(repo: Path, rev: str) -> list[ReleasePoint]:
    """Every (template, version) of the templates at ``rev``, with the commit that released it."""
    head = _git(repo, "rev-parse", rev).decode().strip()
    names = sorted(
        line.rsplit("/", 2)[-2]
        for line in _git(repo, "ls-tree", "--name-only", "-r", head, "templates").decode().split()
        if line.count("/") == 2
        and line.endswith("/cookiecutter.json")
        and not line.split("/")[1].startswith("_")
    )
    mainline = _git(repo, "rev-list", "--first-parent", head).decode().split()
    everything = _git(repo, "rev-list", "--topo-order", head).decode().split()
    # A version seen only on a merged branch is a release only if the changelog names it: a
    # branch's own bump that the merge renumbered never reached anyone.
    (changelog,) = _cat_files(repo, [f"{head}:CHANGELOG.md"])
    announced = changelog_versions(changelog.decode() if changelog else "")
    points: list[ReleasePoint] = []
    for name in names:
        chosen: dict[str, ReleasePoint] = {}
        for commit, version in zip(mainline, _versions(repo, mainline, name), strict=True):
            if version is not None and version not in chosen:
                chosen[version] = ReleasePoint(name, version, commit, True)
        for commit, version in zip(everything, _versions(repo, everything, name), strict=True):
            if version is not None and version not in chosen and (name, version) in announced:
                chosen[version] = ReleasePoint(name, version, commit, False)
        for version, pin in PINNED.items():
            if version in chosen:
                full = _git(repo, "rev-parse", f"{pin}^{{commit}}").decode().strip()
                chosen[version] = ReleasePoint(name, version, full, True)
        points.extend(chosen.values())
    return points


def _tree(repo: Path, commit: str, paths: Sequence[str]) -> dict[str, tuple[bool, bytes]]:
    """Files under ``paths`` at ``commit``: path -> (executable, content), symlinks resolved."""
    listing = _git(repo, "ls-tree", "-r", "-z", commit, "--", *paths).decode().split("\0")
    entries: dict[str, tuple[str, str]] = {}
    for line in filter(None, listing):
        meta, path = line.split("\t", 1)
        mode, _, sha = meta.split()
        entries[path] = (mode, sha)
    blobs = _cat_files(repo, [sha for _, sha in entries.values()])
    files: dict[str, tuple[bool, bytes]] = {}
    for (path, (mode, _)), blob in zip(entries.items(), blobs, strict=True):
        if mode != _SYMLINK:
            files[path] = (mode == "100755", blob or b"")
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), (blob or b"").decode()))
        if target == path or not target.startswith("templates/"):
            raise HistoryError(f"{commit}:{path} links to `{target}`, outside the templates")
        # A link to a file or a directory: its files, under the link's own path.
        for inner, value in _tree(repo, commit, [target]).items():
            if inner == target or inner.startswith(target + "/"):
                files[path + inner[len(target) :]] = value
    return files


def _part_patterns(shared: object) -> list[str]:
    """The part names ``_shared`` may name, as globs (a Jinja expression matches anything)."""
    values: Iterable[object] = shared.values() if isinstance(shared, Mapping) else []
    names: list[str] = []
    for sources in values:
        for source in [sources] if isinstance(sources, str) else list(sources):  # type: ignore[call-overload]
            names.append(_JINJA.sub("*", str(source)))
    return names


def release_members(repo: Path, point: ReleasePoint) -> dict[str, tuple[bool, bytes]]:
    """The files of one release, under ``<version>/``: name -> (executable, content)."""
    prefix = f"templates/{point.template}/"
    files = _tree(repo, point.commit, [prefix, "templates/_shared/"])
    config = json.loads(files[prefix + "cookiecutter.json"][1])
    patterns = _part_patterns(config.get("_shared", {}))
    members: dict[str, tuple[bool, bytes]] = {}
    for path, value in files.items():
        if path.startswith(prefix):
            relative = path[len(prefix) :]
            if relative.startswith("hooks/"):
                continue
            members[f"{point.template}/{relative}"] = value
        else:
            relative = path[len("templates/") :]
            part = relative.split("/")[1]
            if any(fnmatch.fnmatchcase(part, pattern) for pattern in patterns):
                members[relative] = value
    drop_empty = _drops_empty(repo, point.commit)
    manifest = {
        "template": point.template,
        "version": point.version,
        "drop_empty": list(DROPPED_EMPTY_SUFFIXES) if drop_empty else [],
        "terraform_docs": _fills_terraform_docs(repo, point.commit),
    }
    members[MANIFEST] = (False, (json.dumps(manifest, indent=2) + "\n").encode())
    return {f"{point.version}/{name}": value for name, value in members.items()}


def archive_bytes(members: Mapping[str, tuple[bool, bytes]]) -> bytes:
    """A deterministic archive of ``members``: sorted, no times or owners, xz."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(members):
            executable, content = members[name]
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o755 if executable else 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(content))
    # One stream over every version of a template: the files versions share are stored about
    # once (the dictionary is far larger than all versions together).
    return lzma.compress(buffer.getvalue(), preset=9 | lzma.PRESET_EXTREME)


def _drops_empty(repo: Path, commit: str) -> bool:
    result = subprocess.run(
        ["git", "-C", str(repo), "merge-base", "--is-ancestor", EMPTY_FILES_KEPT_SINCE, commit],
        capture_output=True,
        check=False,
    )
    return result.returncode != 0


def _fills_terraform_docs(repo: Path, commit: str) -> bool:
    """Whether that commit's post-generation filled ``infra/README.md``'s terraform-docs section."""
    result = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", f"{commit}:scaffolder/terraform_docs.py"],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def _files(root: Path, skip: Iterable[str]) -> dict[str, tuple[bool, bytes]]:
    skipped = set(skip)
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and relative not in skipped:
            found[relative] = (bool(path.stat().st_mode & 0o100), path.read_bytes())
    return found


_OLD_RENDER = """
import json, sys
from scaffolder.generation import generate
for index, (template, answers, out) in enumerate(json.loads(sys.argv[1])):
    print(generate(template, out, answers=answers))
"""


def verify(repo: Path, points: Sequence[ReleasePoint], archives: Mapping[str, bytes]) -> None:
    """Check each archive against its own commit's ``generate``, for every answer set.

    Raises:
        HistoryError: An archive rendered today differs from what its commit generated.
    """
    by_commit: dict[str, list[ReleasePoint]] = {}
    for point in points:
        by_commit.setdefault(point.commit, []).append(point)
    for commit, group in sorted(by_commit.items()):
        with tempfile.TemporaryDirectory(prefix="scaffolder-history-") as scratch:
            root = Path(scratch)
            code = root / "code"
            code.mkdir()
            tar = _git(repo, "archive", "--format=tar", commit, "scaffolder", "templates")
            with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
                archive.extractall(code, filter="data")
            jobs = [
                (point.template, answers, str(root / "old" / f"{point.template}-{index}"))
                for point in group
                for index, answers in enumerate(ANSWER_SETS)
            ]
            subprocess.run(
                [sys.executable, "-c", _OLD_RENDER, json.dumps(jobs)],
                cwd=code,
                env={**os.environ, "PYTHONPATH": str(code)},
                check=True,
                capture_output=True,
            )
            for point in group:
                release_dir = root / "releases"
                release_dir.mkdir(exist_ok=True)
                path = release_dir / archive_name(point.template)
                path.write_bytes(archives[point.template])
                release = Release(point.template, point.version, path)
                for index, answers in enumerate(ANSWER_SETS):
                    (old,) = (root / "old" / f"{point.template}-{index}").iterdir()
                    record = json.loads((old / ".scaffolder.json").read_text(encoding="utf-8"))
                    config = json.loads(
                        (code / "templates" / point.template / "cookiecutter.json").read_text(
                            encoding="utf-8"
                        )
                    )
                    skip = [".scaffolder.json", *config.get("_local_secrets", [])]
                    new, _, _ = render_release(
                        release, record["answers"], root / "new" / f"{point.template}-{index}"
                    )
                    expected, got = _files(old, skip), _files(new, skip)
                    if expected != got:
                        differing = sorted(
                            p for p in set(expected) | set(got) if expected.get(p) != got.get(p)
                        )
                        raise HistoryError(
                            f"{point.template} {point.version} ({commit[:12]}), answers "
                            f"{answers}: the archive renders differently from its commit: "
                            + ", ".join(differing)
                        )


def build(repo: Path, rev: str, out: Path, *, check: bool = True) -> list[ReleasePoint]:
    """Write every release archive of ``rev``'s history into ``out``.

    Archives of templates no longer at ``rev`` are removed, so ``out`` is exactly the history
    of ``rev``.
    """
    points = release_points(repo, rev)
    members: dict[str, dict[str, tuple[bool, bytes]]] = {}
    for point in points:
        members.setdefault(point.template, {}).update(release_members(repo, point))
    archives = {template: archive_bytes(files) for template, files in members.items()}
    if check:
        verify(repo, points, archives)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {archive_name(template) for template in archives}
    for stale in out.glob(f"*{ARCHIVE_SUFFIX}"):
        if stale.name not in wanted:
            stale.unlink()
    for template, data in archives.items():
        path = out / archive_name(template)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    return points


def main(argv: Sequence[str] | None = None) -> int:
    """``make history``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path())
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--out", type=Path, default=Path("scaffolder/releases"))
    parser.add_argument("--no-check", action="store_true", help="skip rendering each commit")
    options = parser.parse_args(argv)
    try:
        points = build(options.repo, options.rev, options.out, check=not options.no_check)
    except (HistoryError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        print(f"make history: {error}\n{detail.decode(errors='replace')}", file=sys.stderr)
        return 1
    for point in sorted(points, key=lambda p: (p.template, p.version)):
        where = "" if point.first_parent else " (merged branch)"
        print(f"{point.template} {point.version}: {point.commit[:12]}{where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
