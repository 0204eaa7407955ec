"""`scaffolder update --dry-run` against `scaffolder new` of the same project.

The project is the real gke 0.1.0 project of the test suite (``tests/fixtures``, written by
commit cdaea88's code) with 20 files edited by hand: a comment line appended to each, among them
files the template changed since, so the plan has merges as well as updates. ``update --dry-run``
renders 0.1.0 and today's version, merges every file, validates the merged tree and prints the
plan; ``new gke`` renders today's version and validates it. Target <= 2x. Both are measured warm
(one sandbox, so the validation cache is filled by the warm-up, as on a developer's machine)
and cold (a fresh sandbox for every sample).

Run ``python benchmarks/bench_update.py [--repeat N]``; ``make bench`` runs it with the others.
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

from harness import REPO, SCAFFOLDER, BenchError, Command, Run, Sandbox, Session, main

FIXTURE = REPO / "tests" / "fixtures" / "gke-0.1.0-cdaea88.tar.xz"
EDITED = 20
# Text files whose syntax takes a `#` comment at the end of a line of its own.
COMMENTED = (".tf", ".yaml", ".yml", ".py", ".toml", ".txt", ".rego", ".md")


def prepare(sandbox: Sandbox) -> None:
    project = sandbox.root / "project" / "my-service"
    if project.exists():
        return
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(sandbox.root / "project", filter="data")
    candidates = sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and (path.suffix in COMMENTED or path.name == "Makefile")
    )
    if len(candidates) < EDITED:
        raise BenchError(f"the fixture has only {len(candidates)} files to edit")
    for path in candidates[:EDITED]:
        path.write_text(path.read_text() + "# edited by hand\n")


def planned(run: Run) -> None:
    (project,) = run.json()["projects"]
    if project["from_version"] != "0.1.0" or project["applied"]:
        raise BenchError(
            f"unexpected plan: {project['from_version']}, applied {project['applied']}"
        )
    actions = [change["action"] for change in project["changes"]]
    if "merged" not in actions or "updated" not in actions:
        raise BenchError(f"the plan has no merges or no updates: {sorted(set(actions))}")


def generated(run: Run) -> None:
    if not (Path(run.stdout.strip()) / "infra" / "cluster.tf").is_file():
        raise BenchError(f"new printed {run.stdout.strip()!r}, which holds no gke project")


def _commands(fresh: bool) -> tuple[Command, Command]:
    kind = "cold" if fresh else "warm"
    new = Command(
        f"scaffolder new gke --no-input, {kind} (baseline)",
        [SCAFFOLDER, "new", "gke", "--no-input", "-o", "{out}"],
        check=generated,
        fresh=fresh,
    )
    update = Command(
        f"scaffolder update --dry-run 0.1.0 -> today, {EDITED} files edited, {kind}",
        [
            SCAFFOLDER,
            "update",
            "{sandbox}/project/my-service",
            "--dry-run",
            "--format",
            "json",
        ],
        # 1: the plan is fine; it exits 1 when the merge leaves conflicts (none are expected,
        # but a template change could add one without making the measurement wrong).
        expect=frozenset({0, 1}),
        check=planned,
        fresh=fresh,
        prepare=prepare,
    )
    return new, update


def bench_update(session: Session) -> None:
    for fresh in (False, True):
        new, update = _commands(fresh)
        base, candidate = session.measure([new, update], repeat=5)
        session.ratio(
            candidate,
            base,
            2.0,
            name=f"update --dry-run gke ({'cold' if fresh else 'warm'}) / new gke",
        )


BENCHMARKS = [
    ("update", "7. update --dry-run against new (gke, 20 edited files)", bench_update),
]

if __name__ == "__main__":
    sys.exit(main(BENCHMARKS))
