"""Never two writers, never a mix: the move into place, --force, and what a killed run leaves."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

import scaffolder
from scaffolder import generation
from scaffolder.errors import TargetExists
from scaffolder.generation import STAGING_SUFFIX, remove_leftovers

from .conftest import build_tree, tree


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaffolder", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=cwd,
    )


def test_a_target_that_appears_while_rendering_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = generation._render

    def render_while_another_writer_creates_the_target(template, answers, staging):  # type: ignore[no-untyped-def]
        project = original(template, answers, staging)
        build_tree(tmp_path, {"my-service/theirs.txt": "another writer"})
        return project

    monkeypatch.setattr(generation, "_render", render_while_another_writer_creates_the_target)
    with pytest.raises(TargetExists, match="appeared while the project was rendered"):
        scaffolder.generate("docker-dev", tmp_path)
    # The other writer's directory is untouched and no staging directory is left.
    assert tree(tmp_path) == {"my-service/theirs.txt": b"another writer"}
    assert [p.name for p in tmp_path.iterdir()] == ["my-service"]


def test_an_empty_directory_that_appears_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.rename would silently replace an empty directory; the move must not.
    original = generation._render

    def render_then_mkdir(template, answers, staging):  # type: ignore[no-untyped-def]
        project = original(template, answers, staging)
        (tmp_path / "my-service").mkdir()
        return project

    monkeypatch.setattr(generation, "_render", render_then_mkdir)
    with pytest.raises(TargetExists):
        scaffolder.generate("docker-dev", tmp_path)
    assert list((tmp_path / "my-service").iterdir()) == []


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_runs_into_one_directory_make_one_project(tmp_path: Path, round_: int) -> None:
    """Six runs into one output directory that none of them finds: one project, five refusals."""
    reference = scaffolder.generate("docker-dev", tmp_path / "reference")
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "scaffolder", "new", "docker-dev", "--no-input", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [(run.wait(timeout=300), run.communicate()[1]) for run in runs]
    assert sorted(code for code, _ in results) == [0, 2, 2, 2, 2, 2], results
    for code, stderr in results:
        if code == 2:
            assert "nothing was written" in stderr
            assert "already exists" in stderr or "appeared while the project was rendered" in stderr
    secrets = {".env", "k8s/overlays/local/postgres.env"}
    made = {k: v for k, v in tree(out / "my-service").items() if k not in secrets}
    assert made == {k: v for k, v in tree(reference).items() if k not in secrets}
    assert [p.name for p in out.iterdir()] == ["my-service"]


def test_force_lists_the_files_it_overwrote_and_keeps_the_others(tmp_path: Path) -> None:
    assert _cli("new", "docker-dev", "--no-input", "-o", str(tmp_path)).returncode == 0
    project = tmp_path / "my-service"
    original = tree(project)
    (project / "README.md").write_text("my notes\n")
    (project / "Makefile").write_text("edited\n")
    (project / "NOTES.md").write_text("mine\n")
    result = _cli("new", "docker-dev", "--no-input", "-o", str(tmp_path), "--force")
    assert result.returncode == 0, result.stderr
    assert (
        "scaffolder: --force overwrote 2 file(s) that differed from the template:\n"
        "  Makefile\n  README.md\n"
    ) in result.stderr
    assert tree(project) == {**original, "NOTES.md": b"mine\n"}


_KILL_DURING_MERGE = """
import os, signal, sys
from pathlib import Path
import scaffolder
from scaffolder import generation

calls = 0
original = Path.replace
SIGNAL = getattr(signal, sys.argv[2])

def replace(self, target):
    global calls
    result = original(self, target)
    if "backup" not in str(self) and self.name != "journal.json":
        calls += 1
        if calls == 5:
            os.kill(os.getpid(), SIGNAL)
    return result

Path.replace = replace
sys.argv = ["scaffolder", "new", "docker-dev", "--no-input", "-o", sys.argv[1], "--force"]
from scaffolder.entry import main
main()
"""


def _edited_project(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    project = scaffolder.generate("docker-dev", tmp_path)
    for path in sorted(project.rglob("*"))[::3]:
        if path.is_file():
            path.write_text(f"edited {path.name}\n")
    return project, tree(project)


def test_a_force_merge_killed_midway_is_rolled_back_by_the_next_run(tmp_path: Path) -> None:
    project, before = _edited_project(tmp_path)
    killed = subprocess.run(
        [sys.executable, "-c", _KILL_DURING_MERGE, str(tmp_path), "SIGKILL"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr
    assert tree(project) != before  # the kill really left a mix
    assert [p.name for p in tmp_path.glob(f".*{STAGING_SUFFIX}")] != []
    # The next run into the directory, even one refused for the existing target, rolls back.
    again = _cli("new", "docker-dev", "--no-input", "-o", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert tree(project) == before
    assert [p.name for p in tmp_path.iterdir()] == ["my-service"]


@pytest.mark.parametrize(("name", "status"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_during_a_force_merge_waits_for_the_new_files(
    tmp_path: Path, name: str, status: int
) -> None:
    project, before = _edited_project(tmp_path)
    interrupted = subprocess.run(
        [sys.executable, "-c", _KILL_DURING_MERGE, str(tmp_path), name],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert interrupted.returncode == status, interrupted.stderr
    assert "Traceback" not in interrupted.stderr
    assert f"interrupted by {name} after the project was written" in interrupted.stderr
    fresh = scaffolder.generate("docker-dev", tmp_path / "fresh")
    secrets = {".env", "k8s/overlays/local/postgres.env"}
    assert {k: v for k, v in tree(project).items() if k not in secrets} == {
        k: v for k, v in tree(fresh).items() if k not in secrets
    }
    assert tree(project) != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "my-service"]


def test_a_live_runs_staging_directory_is_left_alone(tmp_path: Path) -> None:
    staging = tmp_path / f".my-service.abc123{STAGING_SUFFIX}"
    (staging / "my-service").mkdir(parents=True)
    fd = os.open(staging, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert remove_leftovers(tmp_path) == []
        assert staging.is_dir()
    finally:
        os.close(fd)
    # Its holder gone (closing drops the lock, as dying does), it is a leftover.
    assert remove_leftovers(tmp_path) == [staging]
    assert list(tmp_path.iterdir()) == []


def test_a_killed_runs_staging_directory_is_removed_by_the_next_run(tmp_path: Path) -> None:
    probe = (
        "import os, signal, sys\n"
        "from scaffolder import generation\n"
        "original = generation._render\n"
        "def render(*args):\n"
        "    original(*args)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "generation._render = render\n"
        "import scaffolder\n"
        "scaffolder.generate('docker-dev', sys.argv[1])\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, check=False, timeout=300
    )
    assert killed.returncode == -9
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".my-service.") and left.name.endswith(STAGING_SUFFIX)
    assert (left / "my-service" / ".scaffolder.json").is_file()  # it holds the answers
    scaffolder.generate("docker-dev", tmp_path, answers={"project_name": "Other"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


def test_a_write_that_fails_during_a_force_merge_keeps_the_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffolder.errors import OutputNotWritable

    project, before = _edited_project(tmp_path)
    original = Path.replace
    calls = []

    def replace_until_the_disk_is_full(self: Path, target: Path) -> Path:
        if "backup" not in str(self):
            calls.append(self)
            if len(calls) == 5:
                raise OSError(28, "No space left on device")
        return original(self, target)

    monkeypatch.setattr(Path, "replace", replace_until_the_disk_is_full)
    with pytest.raises(OutputNotWritable, match="No space left on device; the existing files"):
        scaffolder.generate("docker-dev", tmp_path, force=True)
    monkeypatch.undo()
    assert len(calls) == 5
    assert tree(project) == before
    assert [p.name for p in tmp_path.iterdir()] == ["my-service"]
