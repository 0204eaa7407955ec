"""`scaffolder new` against plain cookiecutter, and start-up against cookiecutter's.

- ``scaffolder new docker-dev --no-input`` (render, then validate) against
  ``cookiecutter --no-input templates/docker-dev`` rendering the same template; both cold: a
  new private HOME and cache for every sample. Target <= 1.3x.
- Where the time goes: rendering alone through the public ``scaffolder.generate`` (the
  validation step is the difference to ``new``) and start-up (``scaffolder --help``).
- ``scaffolder --help`` against ``cookiecutter --help``. Target <= 1.0x.

Run ``python benchmarks/bench_new.py [--repeat N]``; ``make bench`` runs it with the others.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from harness import (
    COOKIECUTTER,
    PYTHON,
    REPO,
    SCAFFOLDER,
    BenchError,
    Command,
    Run,
    Session,
    main,
)

TEMPLATE = REPO / "templates" / "docker-dev"
SLUG = "my-service"
RENDER_ONLY = "import scaffolder, sys; print(scaffolder.generate('docker-dev', sys.argv[1]))"


def _files(project: Path) -> set[str]:
    return {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}


def rendered(name: str, seen: dict[str, set[str]]) -> Callable[[Run], None]:
    """A check that the run wrote the docker-dev project (and, for scaffolder, said where)."""
    scaffolder = name != "cookiecutter"

    def check(run: Run) -> None:
        project = run.sandbox.out / SLUG
        seen[name] = _files(project)
        if scaffolder and run.stdout.strip() != str(project):
            raise BenchError(f"printed {run.stdout.strip()!r}, expected the path {project}")
        if (
            not (project / "compose.yaml").is_file()
            or not (project / "app" / "Dockerfile").is_file()
        ):
            raise BenchError(f"{project} lacks compose.yaml or app/Dockerfile")
        if scaffolder:
            record = json.loads((project / ".scaffolder.json").read_text())
            if record.get("template") != "docker-dev":
                raise BenchError(f".scaffolder.json records {record.get('template')!r}")

    return check


def usage(run: Run) -> None:
    if "Usage:" not in run.stdout:
        raise BenchError("printed no usage text")


def bench_new(session: Session) -> None:
    seen: dict[str, set[str]] = {}
    cookiecutter = Command(
        "cookiecutter --no-input templates/docker-dev (baseline)",
        # The absolute path: the template's pre_gen hook finds its cookiecutter.json by it.
        [COOKIECUTTER, "--no-input", "-o", "{out}", str(TEMPLATE)],
        check=rendered("cookiecutter", seen),
        fresh=True,
    )
    new = Command(
        "scaffolder new docker-dev --no-input (render + validate)",
        [SCAFFOLDER, "new", "docker-dev", "--no-input", "-o", "{out}"],
        check=rendered("new", seen),
        fresh=True,
    )
    render_only = Command(
        "scaffolder.generate('docker-dev') (render only, public API)",
        [PYTHON, "-c", RENDER_ONLY, "{out}"],
        check=rendered("generate", seen),
        fresh=True,
    )
    base, full, render = session.measure([cookiecutter, new, render_only], repeat=7)
    # Same template, same answers: the same files (the template's hook writes .scaffolder.json
    # under cookiecutter too).
    for name in ("new", "generate"):
        if seen[name] != seen["cookiecutter"]:
            raise BenchError(
                f"{name} and cookiecutter rendered different files: "
                f"{sorted(seen[name] ^ seen['cookiecutter'])}"
            )
    session.note(f"each run renders {len(seen['cookiecutter'])} files (same set in all three)")
    session.ratio(full, base, 1.3, name="scaffolder new docker-dev / cookiecutter --no-input")
    session.ratio(render, base, None, name="render only (scaffolder.generate) / cookiecutter")
    session.note(
        f"validation share of new: {(full.median - render.median) * 1000:.0f} ms "
        f"({(full.median - render.median) / full.median:.0%} of new)"
    )


def bench_help(session: Session) -> None:
    ours = Command("scaffolder --help", [SCAFFOLDER, "--help"], check=usage, fresh=True)
    theirs = Command(
        "cookiecutter --help (baseline)", [COOKIECUTTER, "--help"], check=usage, fresh=True
    )
    interpreter = Command("python -c pass (interpreter start-up alone)", [PYTHON, "-c", "pass"])
    base, help_, floor = session.measure([theirs, ours, interpreter], repeat=21)
    session.ratio(help_, base, 1.0, name="scaffolder --help / cookiecutter --help")
    session.note(f"of which interpreter start-up: {floor.median * 1000:.0f} ms")


BENCHMARKS = [
    ("new", "1. new docker-dev against cookiecutter (cold: fresh HOME and cache)", bench_new),
    ("help", "1b. start-up: --help against cookiecutter --help", bench_help),
]

if __name__ == "__main__":
    sys.exit(main(BENCHMARKS))
