"""All benchmarks in one session (``make bench``): one summary of every ratio at the end.

``python benchmarks/run.py [--repeat N] [--only NAME ...]``; each ``bench_*.py`` also runs alone.
"""

from __future__ import annotations

import sys

import bench_app
import bench_new
import bench_repos
import bench_update
import bench_validate
import bench_yaml
from harness import main

if __name__ == "__main__":
    sys.exit(
        main(
            [
                *bench_new.BENCHMARKS,
                *bench_repos.BENCHMARKS,
                *bench_yaml.BENCHMARKS,
                *bench_validate.BENCHMARKS,
                *bench_app.BENCHMARKS,
                *bench_update.BENCHMARKS,
            ]
        )
    )
