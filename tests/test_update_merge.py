"""The per-file three-way merge of ``update``, on small inline trees, through the real writer.

Each scenario gives what the old version rendered (base), what the new version renders and the
project as the user left it; the plan is written with :func:`apply_update` and the resulting
tree is compared byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffolder.errors import UpdateFailed
from scaffolder.update import Action, UpdatePlan, apply_update, apply_updates, merge_trees

from .conftest import tree

LABELS = ("t 1.0.0", "project", "t 2.0.0")
Tree = dict[str, bytes]


def _render(files: Tree) -> dict[str, tuple[bytes, bool]]:
    return {path: (data, False) for path, data in files.items()}


def run_merge(root: Path, base: Tree, new: Tree, ours: Tree) -> tuple[UpdatePlan, Tree]:
    project = root / "project"
    project.mkdir(parents=True)
    for relative, data in ours.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes(data)
    seen = {path: ours.get(path) for path in set(base) | set(new)}
    changes = merge_trees(_render(base), _render(new), seen, labels=LABELS)
    plan = UpdatePlan(project, "t", "1.0.0", "2.0.0", {}, {}, tuple(changes))
    apply_update(plan)
    return plan, tree(project)


def actions(plan: UpdatePlan) -> dict[str, str]:
    return {change.path: change.action.value for change in plan.changes}


LINES = b"".join(b"line %d\n" % number for number in range(1, 11))


def edit(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


SCENARIOS = {
    "user edited a file the template did not change": (
        {"a.txt": LINES},
        {"a.txt": LINES},
        {"a.txt": edit(LINES, b"line 3\n", b"mine 3\n")},
        {"a.txt": "unchanged"},
        {"a.txt": edit(LINES, b"line 3\n", b"mine 3\n")},
    ),
    "only the template changed it": (
        {"a.txt": LINES},
        {"a.txt": edit(LINES, b"line 3\n", b"new 3\n")},
        {"a.txt": LINES},
        {"a.txt": "updated"},
        {"a.txt": edit(LINES, b"line 3\n", b"new 3\n")},
    ),
    "both changed different hunks": (
        {"a.txt": LINES},
        {"a.txt": edit(LINES, b"line 9\n", b"new 9\n")},
        {"a.txt": edit(LINES, b"line 2\n", b"mine 2\n")},
        {"a.txt": "merged"},
        {"a.txt": edit(edit(LINES, b"line 9\n", b"new 9\n"), b"line 2\n", b"mine 2\n")},
    ),
    "both changed the same lines": (
        {"a.txt": LINES, "b.txt": b"old\n"},
        {"a.txt": edit(LINES, b"line 5\n", b"new 5\n"), "b.txt": b"new\n"},
        {"a.txt": edit(LINES, b"line 5\n", b"mine 5\n"), "b.txt": b"old\n"},
        {"a.txt": "conflict", "b.txt": "updated"},
        {
            "a.txt": edit(
                LINES,
                b"line 5\n",
                b"<<<<<<< project\nmine 5\n=======\nnew 5\n>>>>>>> t 2.0.0\n",
            ),
            "b.txt": b"new\n",
        },
    ),
    "user deleted a template file": (
        {"a.txt": LINES, "b.txt": b"b\n"},
        {"a.txt": edit(LINES, b"line 1\n", b"new 1\n"), "b.txt": b"b\n"},
        {"b.txt": b"b\n"},
        {"a.txt": "kept", "b.txt": "unchanged"},
        {"b.txt": b"b\n"},
    ),
    "template deleted a file the user edited": (
        {"gone/a.txt": LINES},
        {},
        {"gone/a.txt": edit(LINES, b"line 1\n", b"mine 1\n")},
        {"gone/a.txt": "kept"},
        {"gone/a.txt": edit(LINES, b"line 1\n", b"mine 1\n")},
    ),
    "template deleted a file the user did not touch": (
        {"gone/a.txt": LINES, "b.txt": b"b\n"},
        {"b.txt": b"b\n"},
        {"gone/a.txt": LINES, "b.txt": b"b\n"},
        {"gone/a.txt": "removed", "b.txt": "unchanged"},
        {"b.txt": b"b\n"},
    ),
    "template renamed a file the user edited": (
        {"old/name.txt": LINES},
        {"new/name.txt": edit(LINES, b"line 10\n", b"new 10\n")},
        {"old/name.txt": edit(LINES, b"line 1\n", b"mine 1\n")},
        {"new/name.txt": "renamed"},
        {"new/name.txt": edit(edit(LINES, b"line 10\n", b"new 10\n"), b"line 1\n", b"mine 1\n")},
    ),
    "a removed and an added file of different kinds are no rename": (
        {"app/config.py": LINES},
        {"app/config.js": LINES},
        {"app/config.py": edit(LINES, b"line 1\n", b"mine 1\n")},
        {"app/config.py": "kept", "app/config.js": "new"},
        {"app/config.py": edit(LINES, b"line 1\n", b"mine 1\n"), "app/config.js": LINES},
    ),
    "an added user file beside template files": (
        {"a.txt": LINES},
        {"a.txt": edit(LINES, b"line 1\n", b"new 1\n")},
        {"a.txt": LINES, "notes/mine.txt": b"my notes\n"},
        {"a.txt": "updated"},
        {"a.txt": edit(LINES, b"line 1\n", b"new 1\n"), "notes/mine.txt": b"my notes\n"},
    ),
    "a new template file": (
        {},
        {"added.txt": b"added\n", "same.txt": b"same\n"},
        {"same.txt": b"same\n"},
        {"added.txt": "new", "same.txt": "unchanged"},
        {"added.txt": b"added\n", "same.txt": b"same\n"},
    ),
    "a new template file where the user has another": (
        {},
        {"added.txt": b"theirs\n"},
        {"added.txt": b"mine\n"},
        {"added.txt": "conflict"},
        {"added.txt": b"<<<<<<< project\nmine\n=======\ntheirs\n>>>>>>> t 2.0.0\n"},
    ),
    "binary file only the template changed": (
        {"logo.png": b"\x89PNG\0old"},
        {"logo.png": b"\x89PNG\0new"},
        {"logo.png": b"\x89PNG\0old"},
        {"logo.png": "updated"},
        {"logo.png": b"\x89PNG\0new"},
    ),
    "binary file both changed": (
        {"logo.png": b"\x89PNG\0old"},
        {"logo.png": b"\x89PNG\0new"},
        {"logo.png": b"\x89PNG\0mine"},
        {"logo.png": "conflict"},
        {"logo.png": b"\x89PNG\0mine"},
    ),
    "CRLF file the user converted, template changed a line": (
        {"a.txt": LINES},
        {"a.txt": edit(LINES, b"line 4\n", b"new 4\n")},
        {"a.txt": edit(LINES, b"line 8\n", b"mine 8\n").replace(b"\n", b"\r\n")},
        {"a.txt": "merged"},
        {
            "a.txt": edit(edit(LINES, b"line 4\n", b"new 4\n"), b"line 8\n", b"mine 8\n").replace(
                b"\n", b"\r\n"
            )
        },
    ),
    "CRLF in the template and the project": (
        {"a.txt": LINES.replace(b"\n", b"\r\n")},
        {"a.txt": edit(LINES, b"line 4\n", b"new 4\n").replace(b"\n", b"\r\n")},
        {"a.txt": edit(LINES, b"line 8\n", b"mine 8\n").replace(b"\n", b"\r\n")},
        {"a.txt": "merged"},
        {
            "a.txt": edit(edit(LINES, b"line 4\n", b"new 4\n"), b"line 8\n", b"mine 8\n").replace(
                b"\n", b"\r\n"
            )
        },
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_merge_scenario(tmp_path: Path, name: str) -> None:
    base, new, ours, expected_actions, expected_tree = SCENARIOS[name]
    plan, result = run_merge(tmp_path, base, new, ours)
    assert actions(plan) == expected_actions
    assert result == expected_tree


def test_a_rename_deletes_the_old_path_and_says_where_it_came_from(tmp_path: Path) -> None:
    base, new, ours, _, _ = SCENARIOS["template renamed a file the user edited"]
    plan, _ = run_merge(tmp_path, base, new, ours)
    (change,) = plan.changes
    assert change.source == "old/name.txt"
    assert not (tmp_path / "project" / "old").exists()


def test_an_update_right_after_an_update_changes_nothing(tmp_path: Path) -> None:
    base, new, ours, _, _ = SCENARIOS["both changed different hunks"]
    _, first = run_merge(tmp_path / "one", base, new, ours)
    plan, second = run_merge(tmp_path / "two", new, new, first)
    assert second == first
    assert not plan.changes_anything


@pytest.mark.parametrize("interruption", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_project_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    project = tmp_path / "project"
    files = {"a.txt": LINES, "gone.txt": b"gone\n", "keep/b.txt": b"b\n"}
    for relative, data in files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes(data)
    base = _render(files)
    new = _render(
        {"a.txt": edit(LINES, b"line 1\n", b"new 1\n"), "keep/b.txt": b"b2\n", "x/new.txt": b"n\n"}
    )
    changes = merge_trees(base, new, {p: files.get(p) for p in set(base) | set(new)})
    plan = UpdatePlan(project, "t", "1.0.0", "2.0.0", {}, {}, tuple(changes))
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(source: object, destination: object) -> None:
        calls["n"] += 1
        # Fail after some files were already moved, so undoing has real work to do.
        if calls["n"] == 4:
            raise interruption
        real_replace(source, destination)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises((UpdateFailed, KeyboardInterrupt)):
        apply_update(plan)
    monkeypatch.setattr(os, "replace", real_replace)
    assert tree(project) == files
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*")) == [
        "a.txt",
        "gone.txt",
        "keep",
        "keep/b.txt",
    ]


def test_conflicted_text_is_what_git_merge_file_gives(tmp_path: Path) -> None:
    # The markers are git's: `git merge-file` run by hand on the same three files agrees.
    import subprocess

    base, new, ours, _, _ = SCENARIOS["both changed the same lines"]
    plan, result = run_merge(tmp_path, base, new, ours)
    for name, data in (("ours", ours["a.txt"]), ("base", base["a.txt"]), ("theirs", new["a.txt"])):
        (tmp_path / name).write_bytes(data)
    by_hand = subprocess.run(
        [
            "git",
            "merge-file",
            "-p",
            "-L",
            "project",
            "-L",
            "t 1.0.0",
            "-L",
            "t 2.0.0",
            "ours",
            "base",
            "theirs",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert by_hand.returncode == 1
    assert result["a.txt"] == by_hand.stdout
    assert [c.action for c in plan.changes if c.path == "a.txt"] == [Action.CONFLICT]


def test_a_failure_in_the_second_project_undoes_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `update --all` writes every project in one transaction.
    plans, before = [], {}
    for name in ("one", "two"):
        project = tmp_path / name
        project.mkdir()
        (project / "a.txt").write_bytes(LINES)
        before[name] = tree(project)
        base = _render({"a.txt": LINES})
        new = _render({"a.txt": edit(LINES, b"line 1\n", b"new 1\n"), "b.txt": b"b\n"})
        changes = merge_trees(base, new, {"a.txt": LINES, "b.txt": None})
        plans.append(UpdatePlan(project, "t", "1.0.0", "2.0.0", {}, {}, tuple(changes)))
    real_replace = os.replace

    def failing_replace(source: object, destination: object) -> None:
        if str(destination) == str(tmp_path / "two" / "b.txt"):
            raise OSError("disk full")
        real_replace(source, destination)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(UpdateFailed, match="disk full"):
        apply_updates(plans)
    monkeypatch.setattr(os, "replace", real_replace)
    for name in ("one", "two"):
        assert tree(tmp_path / name) == before[name]
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["a.txt"]
    apply_updates(plans)
    assert tree(tmp_path / "two")["b.txt"] == b"b\n"
