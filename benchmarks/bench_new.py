"""Benchmarks: scaffolder against plain cookiecutter, measured in the same run, as ratios.

- `scaffolder new docker-dev --no-input` (render + validation) against
  `cookiecutter --no-input templates/docker-dev` (render only); also `new` without the
  validation step through the library, to show what rendering alone costs.
- `scaffolder --help` against `cookiecutter --help` (start-up and imports).

Targets: new <= 1.3x, --help <= 1.0x. Prints medians; not a test.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def median_seconds(run: Callable[[], None], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def command(*args: str, cwd: Path | None = None) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(list(args), check=True, capture_output=True, cwd=cwd)

    return run


def in_fresh_dir(make: Callable[[Path], Callable[[], None]]) -> Callable[[], None]:
    def run() -> None:
        scratch = Path(tempfile.mkdtemp())
        try:
            make(scratch)()
        finally:
            shutil.rmtree(scratch)

    return run


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    template = str(REPO / "templates" / "docker-dev")
    scaffolder = str(BIN / "scaffolder")
    cookiecutter = str(BIN / "cookiecutter")
    home = tempfile.mkdtemp()
    rows = []

    base = median_seconds(
        in_fresh_dir(
            lambda d: command(
                cookiecutter,
                "--no-input",
                "-o",
                str(d),
                "--config-file",
                str(Path(home) / "none.yaml"),
                "--default-config",
                template,
            )
        ),
        repeat,
    )
    full = median_seconds(
        in_fresh_dir(
            lambda d: command(scaffolder, "new", "docker-dev", "--no-input", "-o", str(d))
        ),
        repeat,
    )
    render_only = median_seconds(
        in_fresh_dir(
            lambda d: command(
                sys.executable,
                "-c",
                f"import scaffolder; scaffolder.generate('docker-dev', {str(d)!r})",
            )
        ),
        repeat,
    )
    rows.append(("new docker-dev (render + validate)", full, "cookiecutter --no-input", base, 1.3))
    rows.append(
        ("new docker-dev (render only, library)", render_only, "cookiecutter --no-input", base, 1.3)
    )

    help_base = median_seconds(command(cookiecutter, "--help"), repeat * 2)
    help_ours = median_seconds(command(scaffolder, "--help"), repeat * 2)
    rows.append(("scaffolder --help", help_ours, "cookiecutter --help", help_base, 1.0))

    print(f"median of {repeat} runs (help: {repeat * 2}); ratio = ours / baseline")
    for name, ours, baseline_name, baseline, target in rows:
        verdict = "ok" if ours / baseline <= target else "over target"
        print(
            f"{name:<40} {ours * 1000:8.1f} ms  vs {baseline_name:<24} {baseline * 1000:8.1f} ms"
            f"  ratio {ours / baseline:5.2f} (target <= {target}) {verdict}"
        )
    shutil.rmtree(home)


if __name__ == "__main__":
    main()
