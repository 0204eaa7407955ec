"""Keep generated projects current: ``update``, ``check`` and ``diff``.

An update is a three-way merge per file. The *base* is what the project's recorded version
generated with its recorded answers, rendered again from the release shipped in the wheel
(:mod:`scaffolder.history`); *theirs* is the target version rendered with the (possibly changed)
answers; *ours* is the project as it is on disk. Only paths the base or the target render are
looked at: files the user added are never read or touched, and neither are the local secret
files (``_local_secrets``), whose random passwords the app's data already depends on.

Everything is planned in memory first, the merged tree is validated in a scratch copy, and only
then written, in one transaction that is undone on any error or interruption.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from scaffolder.errors import DirtyTree, NotAProject, UpdateFailed, UserError
from scaffolder.history import Release, get_release, releases, render_release, version_key
from scaffolder.hooks import RECORD_FILE, fill_local_secrets
from scaffolder.templates import get_template
from scaffolder.validation.model import Finding, Report

#: Directories never walked for projects (``--all``) nor copied into the validation scratch tree.
_SKIPPED_DIRS = frozenset({".git", "node_modules", ".terraform", ".venv", "__pycache__"})
#: Git's own test for binary content: a NUL byte in the first 8000 bytes.
_BINARY_PROBE = 8000
#: How alike a removed and an added file must be to be taken for a rename.
_RENAME_SIMILARITY = 0.6


#: Base, ours and theirs of a conflicted path (base is None when both sides added it).
Stages = tuple["bytes | None", "bytes | None", "bytes | None"]


class Action(enum.Enum):
    """What an update does to one path."""

    NEW = "new"
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    MERGED = "merged"
    CONFLICT = "conflict"
    KEPT = "kept"
    REMOVED = "removed"
    RENAMED = "renamed"


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path of the plan.

    ``content`` is what the path holds after the update (None: it does not exist then);
    ``before`` what it holds now. ``source`` is the path a template rename came from, which the
    update deletes. ``stages`` are base, ours and theirs of a conflict, for git's index.
    """

    path: str
    action: Action
    content: bytes | None
    before: bytes | None
    source: str | None = None
    reason: str = ""
    executable: bool = False
    stages: Stages | None = None

    @property
    def writes(self) -> bool:
        """Whether the update changes this path (or deletes the rename's source)."""
        return self.content != self.before or self.source is not None


@dataclass(frozen=True, slots=True)
class UpdatePlan:
    """Everything ``update`` will do to one project, computed before anything is written."""

    project: Path
    template: str
    from_version: str
    to_version: str
    old_answers: Mapping[str, object]
    answers: Mapping[str, object]
    changes: tuple[FileChange, ...]
    findings: tuple[Finding, ...] = ()
    git_root: Path | None = None
    record: bytes | None = None
    local_secrets: tuple[str, ...] = ()

    @property
    def conflicts(self) -> tuple[FileChange, ...]:
        """Paths left with conflicts to resolve."""
        return tuple(change for change in self.changes if change.action is Action.CONFLICT)

    @property
    def record_before(self) -> bytes | None:
        """The project's ``.scaffolder.json`` as it is."""
        path = self.project / RECORD_FILE
        return path.read_bytes() if path.is_file() else None

    @property
    def changes_anything(self) -> bool:
        """Whether applying the plan writes anything."""
        return any(change.writes for change in self.changes) or self._record_changes

    @property
    def _record_changes(self) -> bool:
        return self.record is not None and self.record != self.record_before


# Reading projects.


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """A project's ``.scaffolder.json``."""

    template: str
    version: str
    answers: dict[str, object]


def read_record(project: Path) -> ProjectRecord:
    """Read ``project/.scaffolder.json``.

    Raises:
        NotAProject: It is missing, unreadable or malformed.
    """
    path = project / RECORD_FILE
    if not project.is_dir():
        raise NotAProject(path=str(project), reason="no such directory")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotAProject(path=str(project), reason=f"it has no `{RECORD_FILE}`") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise NotAProject(
            path=str(project), reason=f"`{RECORD_FILE}` cannot be read ({error})"
        ) from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("template"), str)
        or not isinstance(data.get("template_version"), str)
        or not isinstance(data.get("answers"), dict)
    ):
        raise NotAProject(
            path=str(project),
            reason=f"`{RECORD_FILE}` needs `template`, `template_version` and `answers`",
        )
    return ProjectRecord(data["template"], data["template_version"], dict(data["answers"]))


def find_projects(root: Path) -> list[Path]:
    """Every directory under ``root`` (itself included) holding a ``.scaffolder.json``.

    Raises:
        UserError: ``root`` does not exist.
    """
    if not root.is_dir():
        raise UserError(f"path `{root}` is not a directory")
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        if RECORD_FILE in files:
            found.append(Path(directory))
    return found


def _read_tree(root: Path, skip: Iterable[str] = ()) -> dict[str, tuple[bytes, bool]]:
    """Every regular file under a rendered tree: path -> (content, executable)."""
    skipped = set(skip)
    tree = {}
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if relative not in skipped and path.is_file() and not path.is_symlink():
                tree[relative] = (path.read_bytes(), bool(path.stat().st_mode & 0o100))
    return tree


def _read_user(project: Path, relative: str) -> bytes | None:
    """The user's file at ``relative``, or None when there is no regular file there."""
    path = project / relative
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


# Merging one file.


def is_binary(data: bytes) -> bool:
    """Git's test: a NUL byte near the start."""
    return b"\0" in data[:_BINARY_PROBE]


def merge_text(
    base: bytes, ours: bytes, theirs: bytes, *, labels: tuple[str, str, str]
) -> tuple[bytes, bool]:
    """Three-way merge of one text file with ``git merge-file``; return (result, conflicted).

    git's merge is used rather than a merge of our own: its conflict markers are the ones every
    git tool understands, and it works outside a repository. A project whose file has CRLF
    line endings where the template's have LF is merged on LF and given CRLF back, so a
    converted file does not become one conflict from top to bottom.
    """
    crlf = b"\r\n" in ours and b"\r\n" not in base and b"\r\n" not in theirs
    if crlf:
        ours = ours.replace(b"\r\n", b"\n")
    with tempfile.TemporaryDirectory(prefix="scaffolder-merge-") as scratch:
        paths = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(scratch) / name
            path.write_bytes(data)
            paths.append(str(path))
        try:
            result = subprocess.run(
                [
                    "git",
                    "merge-file",
                    "-p",
                    "-L",
                    labels[1],
                    "-L",
                    labels[0],
                    "-L",
                    labels[2],
                    *paths,
                ],
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise UserError("`scaffolder update` needs git for its three-way merges") from None
    if result.returncode < 0 or result.returncode > 127:
        raise UpdateFailed(
            path=labels[1], reason=result.stderr.decode(errors="replace").strip() or "git failed"
        )
    merged = result.stdout
    if crlf:
        merged = merged.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return merged, result.returncode > 0


def _merge_one(
    path: str,
    base: bytes | None,
    ours: bytes,
    theirs: bytes,
    labels: tuple[str, str, str],
) -> tuple[Action, bytes, str]:
    """Merge a path both the template and the user have; return action, content and reason."""
    if ours == theirs:
        return Action.UNCHANGED, ours, "already as the template has it"
    if base is not None and ours == base:
        return Action.UPDATED, theirs, ""
    if base is not None and theirs == base:
        return Action.UNCHANGED, ours, "your edits kept; the template did not change it"
    if any(is_binary(data) for data in (base or b"", ours, theirs)):
        return Action.CONFLICT, ours, "binary file changed by both; yours is kept"
    merged, conflicted = merge_text(base or b"", ours, theirs, labels=labels)
    if conflicted:
        return Action.CONFLICT, merged, "changed by both; conflict markers inline"
    return Action.MERGED, merged, "your edits and the template's merged"


def _similarity(left: bytes, right: bytes) -> float:
    if is_binary(left) or is_binary(right):
        return 1.0 if left == right else 0.0
    matcher = difflib.SequenceMatcher(
        None,
        left.decode("utf-8", "replace").splitlines(),
        right.decode("utf-8", "replace").splitlines(),
    )
    return matcher.ratio() if matcher.real_quick_ratio() >= _RENAME_SIMILARITY else 0.0


def _renames(
    base: Mapping[str, tuple[bytes, bool]],
    new: Mapping[str, tuple[bytes, bool]],
    ours: Mapping[str, bytes | None],
) -> dict[str, str]:
    """Template renames: added path -> removed path, paired by content similarity.

    A removed path pairs with the most similar added path the user does not already have;
    git's rename detection works the same way, by similarity rather than by name.
    """
    removed = [path for path in base if path not in new]
    added = [path for path in new if path not in base and ours.get(path) is None]
    pairs: dict[str, str] = {}
    for source in removed:
        # Only a file of the same kind: an answer that swaps the runtime removes Python files
        # and adds JavaScript ones, and a user's Python edits must not land in a .js file.
        scored = [
            (_similarity(base[source][0], new[target][0]), target)
            for target in added
            if target not in pairs and PurePosixPath(target).suffix == PurePosixPath(source).suffix
        ]
        best = max(scored, default=(0.0, ""))
        if best[0] >= _RENAME_SIMILARITY:
            pairs[best[1]] = source
    return pairs


def merge_trees(
    base: Mapping[str, tuple[bytes, bool]],
    new: Mapping[str, tuple[bytes, bool]],
    ours: Mapping[str, bytes | None],
    *,
    labels: tuple[str, str, str] = ("base", "project", "template"),
) -> list[FileChange]:
    """Plan the merge of ``base`` -> ``new`` (template renders) into ``ours`` (the project).

    Args:
        base: What the project's version rendered: path -> (content, executable).
        new: What the target version renders.
        ours: The project's file for every path of ``base`` and ``new`` (None: missing).
        labels: Names of base, ours and theirs in conflict markers.
    """
    renames = _renames(base, new, ours)
    renamed_sources = set(renames.values())
    changes: list[FileChange] = []
    for path in sorted(set(base) | set(new)):
        current = ours.get(path)
        if path in new:
            theirs, executable = new[path]
            source = renames.get(path)
            if source is not None:
                mine = ours.get(source)
                if mine is None:
                    changes.append(
                        FileChange(
                            path,
                            Action.KEPT,
                            None,
                            None,
                            reason=f"renamed from `{source}`, which you deleted",
                        )
                    )
                    continue
                action, content, reason = _merge_one(path, base[source][0], mine, theirs, labels)
                if action is Action.CONFLICT:
                    rename_stages: Stages = (base[source][0], mine, theirs)
                    changes.append(
                        FileChange(
                            path,
                            action,
                            content,
                            None,
                            source,
                            f"renamed from `{source}`; {reason}",
                            executable,
                            rename_stages,
                        )
                    )
                else:
                    detail = "your edits carried over" if mine != base[source][0] else ""
                    changes.append(
                        FileChange(path, Action.RENAMED, content, None, source, detail, executable)
                    )
                continue
            old = base.get(path)
            if current is None:
                if old is None:
                    changes.append(
                        FileChange(path, Action.NEW, theirs, None, executable=executable)
                    )
                else:
                    changes.append(
                        FileChange(
                            path, Action.KEPT, None, None, reason="you deleted it; it stays deleted"
                        )
                    )
                continue
            action, content, reason = _merge_one(
                path, None if old is None else old[0], current, theirs, labels
            )
            stages: Stages = (None if old is None else old[0], current, theirs)
            changes.append(
                FileChange(
                    path,
                    action,
                    content,
                    current,
                    reason=reason,
                    executable=executable,
                    stages=stages if action is Action.CONFLICT else None,
                )
            )
            continue
        if path in renamed_sources or current is None:
            continue
        if current == base[path][0]:
            changes.append(FileChange(path, Action.REMOVED, None, current))
        else:
            changes.append(
                FileChange(
                    path,
                    Action.KEPT,
                    current,
                    current,
                    reason="the template no longer has it; you edited it, so it stays",
                )
            )
    return changes


# Planning a project.


def git_root(project: Path) -> Path | None:
    """The work tree ``project`` is in, or None outside git (or without git)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def dirty_files(project: Path) -> list[str]:
    """Uncommitted changes under ``project`` (tracked or untracked, not ignored)."""
    result = subprocess.run(
        [
            "git",
            "-C",
            str(project),
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
            ".",
        ],
        capture_output=True,
        check=True,
    )
    entries = result.stdout.decode("utf-8", "replace").split("\0")
    files = []
    skip_next = False
    for entry in entries:
        if skip_next:
            skip_next = False
            continue
        if not entry:
            continue
        if entry[0] in "RC":
            skip_next = True
        files.append(entry[3:])
    return files


def latest_version(template: str) -> str:
    """The template's current version (what ``new`` generates)."""
    return get_template(template).version


def _record_bytes(template: str, version: str, answers: Mapping[str, object]) -> bytes:
    document = {
        "template": template,
        "template_version": version,
        "answers": dict(sorted(answers.items())),
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Rendering:
    """What one version rendered with some answers."""

    files: dict[str, tuple[bytes, bool]]
    answers: dict[str, object]
    local_secrets: tuple[str, ...]


def render(template: str, version: str, answers: Mapping[str, object], scratch: Path) -> Rendering:
    """What ``template`` at ``version`` renders with ``answers`` (no record, no secrets)."""
    release: Release = get_release(template, version)
    project, resolved, spec = render_release(release, answers, scratch)
    secrets = tuple(str(name) for name in spec.private.get("_local_secrets", []))
    return Rendering(_read_tree(project, skip=[RECORD_FILE, *secrets]), resolved, secrets)


def plan_update(
    project: Path | str,
    *,
    to: str | None = None,
    answers: Mapping[str, object] | None = None,
    allow_dirty: bool = False,
    check: bool = True,
) -> UpdatePlan:
    """Plan the update of ``project`` to version ``to`` (default: the template's current one).

    Args:
        project: The generated project (holds ``.scaffolder.json``).
        to: Target version; any shipped version, older ones too.
        answers: Answers to change (``--set``); the rest are the recorded ones.
        allow_dirty: Plan even when the project has uncommitted changes in git.
        check: Validate the merged tree and keep the findings the merge introduces.

    Raises:
        NotAProject: No readable ``.scaffolder.json``.
        DirtyTree: Uncommitted changes in git and not ``allow_dirty``.
        UnknownTemplateVersion: The recorded or target version is not shipped.
        InvalidAnswers: A changed answer breaks its rule.
    """
    root = Path(project).expanduser().absolute()
    record = read_record(root)
    target = to or latest_version(record.template)
    repo = git_root(root)
    if repo is not None and not allow_dirty:
        dirty = dirty_files(root)
        if dirty:
            raise DirtyTree(path=str(root), files=dirty)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The project as it is is validated while the versions render: validation mostly waits
        # for kubectl, rendering is Python, so the two overlap.
        before = pool.submit(_validate, root) if check else None
        return _plan(root, record, target, repo, answers, before)


def _validate(root: Path) -> Report:
    from scaffolder.validation import validate

    return validate([root], jobs=1)


def _plan(
    root: Path,
    record: ProjectRecord,
    target: str,
    repo: Path | None,
    answers: Mapping[str, object] | None,
    before: Future[Report] | None,
) -> UpdatePlan:
    wanted = {**record.answers, **(answers or {})}
    with tempfile.TemporaryDirectory(prefix="scaffolder-update-") as scratch:
        old = render(record.template, record.version, record.answers, Path(scratch) / "base")
        target_render = render(record.template, target, wanted, Path(scratch) / "new")
    # Local secret files are the user's, whatever either version says: never merged.
    secrets = set(old.local_secrets) | set(target_render.local_secrets)
    base = {path: value for path, value in old.files.items() if path not in secrets}
    new = {path: value for path, value in target_render.files.items() if path not in secrets}
    resolved = target_render.answers
    unknown = sorted(set(answers or {}) - set(resolved))
    if unknown:
        from scaffolder.errors import InvalidAnswer, InvalidAnswers

        raise InvalidAnswers(
            errors=[
                InvalidAnswer(
                    field=key,
                    value=(answers or {})[key],
                    reason=f"is not an answer of template `{record.template}` {target}",
                )
                for key in unknown
            ]
        )
    # A directory or link where the template has a file is the user's: never replaced.
    blocked = sorted(
        path
        for path in set(base) | set(new)
        if ((root / path).exists() or (root / path).is_symlink()) and _read_user(root, path) is None
    )
    for path in blocked:
        base.pop(path, None)
        new.pop(path, None)
    paths = set(base) | set(new)
    ours = {path: _read_user(root, path) for path in paths}
    labels = (
        f"{record.template} {record.version}",
        "project",
        f"{record.template} {target}",
    )
    changes = merge_trees(base, new, ours, labels=labels)
    changes.extend(
        FileChange(path, Action.KEPT, None, None, reason="not a regular file here; left alone")
        for path in blocked
    )
    changes.sort(key=lambda change: change.path)
    plan = UpdatePlan(
        project=root,
        template=record.template,
        from_version=record.version,
        to_version=target,
        old_answers=record.answers,
        answers=resolved,
        changes=tuple(changes),
        git_root=repo,
        record=_record_bytes(record.template, target, resolved),
        local_secrets=target_render.local_secrets,
    )
    if before is not None and any(change.writes for change in changes):
        plan = replace(plan, findings=_introduced(plan, before.result()))
    return plan


# Validating the merged tree.


def _stage_copy(project: Path, scratch: Path) -> Path:
    """A copy of ``project`` in ``scratch``: hard links where possible, copies otherwise."""
    copy = scratch / project.name
    for directory, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        relative = Path(directory).relative_to(project)
        (copy / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            source = Path(directory) / name
            if source.is_symlink() or not source.is_file():
                continue
            try:
                os.link(source, copy / relative / name)
            except OSError:
                shutil.copy2(source, copy / relative / name)
    return copy


def _apply_to_copy(plan: UpdatePlan, copy: Path) -> None:
    for relative, content in _new_secrets(plan).items():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_bytes(content)
    for change in plan.changes:
        if change.source is not None:
            (copy / change.source).unlink(missing_ok=True)
        if not change.writes:
            continue
        path = copy / change.path
        # Unlink first: the copy may be a hard link to the project's file.
        path.unlink(missing_ok=True)
        if change.content is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change.content)


def _introduced(plan: UpdatePlan, before: Report) -> tuple[Finding, ...]:
    """Findings the merged tree has and the project, as it is, does not."""
    from scaffolder.validation import validate

    with tempfile.TemporaryDirectory(
        prefix=".scaffolder-check-", dir=_scratch_parent(plan.project)
    ) as scratch:
        copy = _stage_copy(plan.project, Path(scratch))
        _apply_to_copy(plan, copy)
        after = validate([copy], jobs=1)

    def key(finding: Finding) -> tuple[str, str, str]:
        # Messages quoting a tool's output may hold the absolute path of the copy.
        return finding.path, finding.rule, finding.message.replace(str(copy), str(plan.project))

    remaining = Counter(key(finding) for finding in before.findings)
    introduced = []
    for finding in after.findings:
        if remaining[key(finding)]:
            remaining[key(finding)] -= 1
        else:
            introduced.append(
                replace(finding, message=finding.message.replace(str(copy), str(plan.project)))
            )
    return tuple(introduced)


def _scratch_parent(project: Path) -> str | None:
    """Next to the project when it is writable there (hard links need one file system)."""
    parent = project.parent
    return str(parent) if os.access(parent, os.W_OK | os.X_OK) else None


# Writing a plan.


def _set_conflict_stages(plan: UpdatePlan) -> None:
    """Give each conflicted file index stages 1, 2 and 3, as ``git merge`` does."""
    if plan.git_root is None or not plan.conflicts:
        return
    lines = []
    for change in plan.conflicts:
        relative = (plan.project / change.path).relative_to(plan.git_root).as_posix()
        mode = "100755" if change.executable else "100644"
        lines.append(f"0 {'0' * 40}\t{relative}")
        assert change.stages is not None
        for stage, data in enumerate(change.stages, start=1):
            if data is None:
                continue
            sha = (
                subprocess.run(
                    ["git", "-C", str(plan.git_root), "hash-object", "-w", "--stdin"],
                    input=data,
                    capture_output=True,
                    check=True,
                )
                .stdout.decode()
                .strip()
            )
            lines.append(f"{mode} {sha} {stage}\t{relative}")
        if change.source is not None:
            source = (plan.project / change.source).relative_to(plan.git_root).as_posix()
            lines.append(f"0 {'0' * 40}\t{source}")
    subprocess.run(
        ["git", "-C", str(plan.git_root), "update-index", "--index-info"],
        input=("\n".join(lines) + "\n").encode(),
        capture_output=True,
        check=True,
    )


def _git_index(plan: UpdatePlan) -> Path | None:
    if plan.git_root is None or not plan.conflicts:
        return None
    result = subprocess.run(
        ["git", "-C", str(plan.git_root), "rev-parse", "--absolute-git-dir"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip()) / "index"


def _new_secrets(plan: UpdatePlan) -> dict[str, bytes]:
    """Local secret files the target version names that the project lacks, filled like ``new``."""
    created = {}
    names = plan.local_secrets
    contents = {change.path: change.content for change in plan.changes}
    for relative in names:
        if (plan.project / relative).exists():
            continue
        example = contents.get(f"{relative}.example")
        if example is None:
            path = plan.project / f"{relative}.example"
            example = path.read_bytes() if path.is_file() else None
        if example is not None:
            created[relative] = fill_local_secrets(example.decode("utf-8")).encode()
    return created


@dataclass
class _Journal:
    """What one project's swap did, so that it can be undone."""

    plan: UpdatePlan
    writes: dict[str, tuple[bytes, int | None]]
    deletes: list[str]
    backup: Path
    index: Path | None
    index_before: bytes | None
    staged: dict[str, Path] = field(default_factory=dict)
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    placed: list[Path] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)

    def undo(self) -> None:
        """Put every file back as it was and remove what was created."""
        for path in self.placed:
            path.unlink(missing_ok=True)
        for temporary in self.staged.values():
            temporary.unlink(missing_ok=True)
        for aside, destination in self.moved:
            destination.parent.mkdir(parents=True, exist_ok=True)
            aside.replace(destination)
        for directory in reversed(self.created_dirs):
            with contextlib.suppress(OSError):
                directory.rmdir()
        if self.index is not None and self.index_before is not None:
            self.index.write_bytes(self.index_before)


def _journal(plan: UpdatePlan) -> _Journal:
    """What writing ``plan`` takes: the files to write and delete, and a backup directory."""
    writes: dict[str, tuple[bytes, int | None]] = {}
    deletes: list[str] = []
    for change in plan.changes:
        if change.source is not None:
            deletes.append(change.source)
        if not change.writes:
            continue
        if change.content is None:
            deletes.append(change.path)
        else:
            writes[change.path] = (change.content, 0o755 if change.executable else None)
    for relative, content in _new_secrets(plan).items():
        writes[relative] = (content, 0o600)
    if plan.record is not None and plan.record != plan.record_before:
        writes[RECORD_FILE] = (plan.record, None)
    index = _git_index(plan)
    index_before = index.read_bytes() if index is not None and index.is_file() else None
    try:
        backup = Path(tempfile.mkdtemp(prefix=".scaffolder-update-", dir=plan.project))
    except OSError as error:
        raise UpdateFailed(path=str(plan.project), reason=error.strerror or str(error)) from error
    return _Journal(plan, writes, deletes, backup, index, index_before)


def _swap(journal: _Journal) -> None:
    """Stage the new files, move the old ones aside and the new ones in, set git's stages."""
    project = journal.plan.project
    for number, (relative, (content, mode)) in enumerate(sorted(journal.writes.items())):
        destination = project / relative
        for parent in reversed(destination.relative_to(project).parents):
            directory = project / parent
            if not directory.exists():
                directory.mkdir()
                journal.created_dirs.append(directory)
        temporary = destination.with_name(f".{destination.name}.scaffolder-{number}.tmp")
        journal.staged[relative] = temporary
        temporary.write_bytes(content)
        if destination.exists():
            temporary.chmod(destination.stat().st_mode & 0o7777)
        elif mode is not None:
            temporary.chmod(mode)
    for number, relative in enumerate(sorted(set(journal.writes) | set(journal.deletes))):
        destination = project / relative
        if destination.exists() or destination.is_symlink():
            aside = journal.backup / str(number)
            destination.replace(aside)
            journal.moved.append((aside, destination))
    for relative, temporary in journal.staged.items():
        temporary.replace(project / relative)
        journal.placed.append(project / relative)
    _set_conflict_stages(journal.plan)


def apply_updates(plans: Sequence[UpdatePlan]) -> None:
    """Write every plan, all or nothing: one transaction over every project (``--all``).

    Every new content is first written next to its destination; then the old files are moved
    aside and the new ones moved in. Any error, or Ctrl-C, moves everything back and removes
    what was created, in every project, so each (and its git index) is as it was.

    Raises:
        UpdateFailed: A file could not be written; nothing was changed.
    """
    journals: list[_Journal] = []
    # Ctrl-C or SIGTERM while files are being swapped waits until the swap is complete (or
    # undone): no project is ever left half updated, whichever signal comes when.
    masked = {signal.SIGINT, signal.SIGTERM}
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, masked)
    try:
        try:
            for plan in plans:
                journals.append(_journal(plan))
                _swap(journals[-1])
        except BaseException as error:
            for journal in reversed(journals):
                journal.undo()
            if isinstance(error, (OSError, subprocess.CalledProcessError)):
                failed = journals[-1].plan.project if journals else Path()
                raise UpdateFailed(path=str(failed), reason=str(error)) from error
            raise
        finally:
            for journal in journals:
                shutil.rmtree(journal.backup, ignore_errors=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    for journal in journals:
        for relative in journal.deletes:
            _remove_empty_parents(journal.plan.project, journal.plan.project / relative)


def apply_update(plan: UpdatePlan) -> None:
    """Write ``plan`` into its project, all or nothing (see :func:`apply_updates`).

    Raises:
        UpdateFailed: A file could not be written; nothing was changed.
    """
    apply_updates([plan])


def _remove_empty_parents(project: Path, path: Path) -> None:
    """Directories a removal left empty go too (git does not keep empty directories either)."""
    for parent in path.parents:
        if parent == project or project not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:
            return


def update(
    project: Path | str,
    *,
    to: str | None = None,
    answers: Mapping[str, object] | None = None,
    allow_dirty: bool = False,
    dry_run: bool = False,
) -> UpdatePlan:
    """Plan, validate and (unless ``dry_run``) apply the update of ``project``."""
    plan = plan_update(project, to=to, answers=answers, allow_dirty=allow_dirty)
    if not dry_run and plan.changes_anything:
        apply_update(plan)
    return plan


def unified_diff(plan: UpdatePlan) -> str:
    """The changes ``plan`` makes, as one unified diff (paths relative to the project)."""
    chunks: list[str] = []

    def text(data: bytes | None) -> list[str]:
        if data is None:
            return []
        return data.decode("utf-8", "replace").splitlines(keepends=True)

    def add(path_from: str, path_to: str, before: bytes | None, after: bytes | None) -> None:
        if (before is not None and is_binary(before)) or (after is not None and is_binary(after)):
            chunks.append(f"Binary files a/{path_from} and b/{path_to} differ\n")
            return
        lines = difflib.unified_diff(
            text(before),
            text(after),
            fromfile="/dev/null" if before is None else f"a/{path_from}",
            tofile="/dev/null" if after is None else f"b/{path_to}",
        )
        for line in lines:
            chunks.append(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            )

    for change in plan.changes:
        if change.source is not None:
            source = _read_user(plan.project, change.source)
            add(change.source, change.path, source, change.content)
        elif change.writes:
            add(change.path, change.path, change.before, change.content)
    if plan.record is not None and plan.record != plan.record_before:
        add(RECORD_FILE, RECORD_FILE, plan.record_before, plan.record)
    return "".join(chunks)


# Checking projects.


@dataclass(frozen=True, slots=True)
class Drift:
    """One managed file that differs from what the recorded version renders."""

    path: str
    diff: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """``check`` of one project."""

    project: Path
    template: str
    version: str
    latest: str
    drift: tuple[Drift, ...] = field(default=())

    @property
    def outdated(self) -> bool:
        """The template has a newer version than the project's."""
        return version_key(self.latest) > version_key(self.version)

    @property
    def ok(self) -> bool:
        """Neither version drift nor content drift."""
        return not self.outdated and not self.drift


def managed_patterns(template: str) -> list[str]:
    """The template's ``_managed`` globs: files the template owns, which must not drift."""
    return [str(pattern) for pattern in get_template(template).private.get("_managed", [])]


def check_project(project: Path | str) -> CheckResult:
    """Compare ``project`` with its template: version drift, and drift of managed files.

    A managed file drifts when it differs from what the recorded version renders with the
    recorded answers (or is missing). Other files are the user's and never drift.

    Raises:
        NotAProject: No readable ``.scaffolder.json``.
        UnknownTemplateVersion: The recorded version is not shipped.
    """
    root = Path(project).expanduser().absolute()
    record = read_record(root)
    latest = latest_version(record.template)
    patterns = managed_patterns(record.template)
    with tempfile.TemporaryDirectory(prefix="scaffolder-check-") as scratch:
        base = render(record.template, record.version, record.answers, Path(scratch)).files
    drift = []
    for path in sorted(base):
        if not any(fnmatchcase(path, pattern) for pattern in patterns):
            continue
        expected = base[path][0]
        actual = _read_user(root, path)
        if actual == expected:
            continue
        lines = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            [] if actual is None else actual.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"{record.template} {record.version}/{path}",
            tofile="/dev/null" if actual is None else path,
        )
        drift.append(
            Drift(path, "".join(line if line.endswith("\n") else line + "\n" for line in lines))
        )
    return CheckResult(root, record.template, record.version, latest, tuple(drift))


def released_versions(template: str) -> list[str]:
    """Every shipped version of ``template``, oldest first."""
    return [release.version for release in releases(template)]


def iter_targets(paths: Sequence[Path], *, all_projects: bool) -> Iterator[Path]:
    """The projects named by ``paths`` (each one, or every one under it with ``--all``)."""
    for path in paths:
        if all_projects:
            found = find_projects(path)
            if not found:
                raise UserError(f"no `{RECORD_FILE}` under `{path}`")
            yield from found
        else:
            yield path
