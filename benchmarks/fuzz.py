"""A long fuzz run (``make fuzz``): mutated inputs of every domain through the validator.

Prints how many inputs ran, how many escaped as exceptions or ended as an internal error,
findings on lines that do not exist, the slowest input and the peak memory. Not a test; the
suite runs a bounded version (tests/test_fuzz_domains.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzing import Outcome, check_one, inputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    outcome = Outcome()
    start = time.perf_counter()
    for kind, data in inputs(args.inputs, args.seed):
        check_one(kind, data, outcome)
        if outcome.inputs % 1000 == 0:
            print(f"  {outcome.inputs} inputs, {time.perf_counter() - start:.0f} s", flush=True)
    elapsed = time.perf_counter() - start
    print(f"inputs: {outcome.inputs} in {elapsed:.0f} s (seed {args.seed})")
    print("by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(outcome.by_kind.items())))
    print(f"escaped exceptions: {len(outcome.escaped)}")
    print(f"internal errors: {len(outcome.internal)}")
    print(f"findings on lines that do not exist: {len(outcome.bad_lines)}")
    print(f"slowest input: {outcome.slowest[0] * 1000:.0f} ms ({outcome.slowest[1]})")
    print(f"peak RSS of this process: {outcome.peak_rss_mib():.0f} MiB")
    for line in [*outcome.escaped, *outcome.internal, *outcome.bad_lines][:20]:
        print("  " + line)
    return 1 if outcome.escaped or outcome.internal or outcome.bad_lines else 0


if __name__ == "__main__":
    sys.exit(main())
