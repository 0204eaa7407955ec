"""`scaffolder validate` on real public repositories, exported from git mirrors when it runs.

2. Cold: ``scaffolder validate --no-cache`` on terraform-aws-modules/terraform-aws-eks and
   terraform-google-modules/terraform-google-kubernetes-engine (both trees in one directory)
   against ``terraform fmt -check -recursive`` on the same copy (HashiCorp's Go parser reading
   every file; exit 3 only says some file is not canonically formatted). Target <= 2.0x. The
   python-hcl2 parse-only floor (its Lark parser alone, one core, built before the clock starts)
   shows the bound any python-hcl2 based validator has. Grammar tables compiled by the warm-up
   run stay in place; the first run ever, which compiles them, is reported on its own.
3. Warm scaling: ``scaffolder validate`` with its cache filled by a previous run of the same
   tree, on GoogleCloudPlatform/cloud-foundation-fabric (Terraform and Kubernetes YAML) at 1x,
   2x and 4x copies side by side. Target: time(4x) <= 4.5 x time(1x).

Mirrors: ``$SCAFFOLDER_BENCH_MIRRORS`` (default ``/work/.mirror``); a missing one skips its
benchmark. Nothing of the repositories is kept after the run.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable

import corpus
from harness import (
    BenchError,
    Command,
    Run,
    Session,
    Skip,
    count_files,
    describe,
    export_mirror,
    main,
    probe_command,
    validate_check,
    validate_command,
    validate_summary,
)

COLD_REPOS = (
    "terraform-aws-modules/terraform-aws-eks",
    "terraform-google-modules/terraform-google-kubernetes-engine",
)
LARGE_REPO = "GoogleCloudPlatform/cloud-foundation-fabric"


def parsed_all(files: int) -> Callable[[Run], None]:
    """A check that a probe read every one of the ``files`` .tf files."""

    def check(run: Run) -> None:
        result = run.json()
        if result["files"] != files:
            raise BenchError(f"read {result['files']} .tf files, expected {files}")

    return check


def bench_cold(session: Session) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        raise Skip("terraform is not installed: no baseline to compare against")
    root = session.scratch("cold-repos")
    for slug in COLD_REPOS:
        checkout = export_mirror(slug, root / slug.replace("/", "+"))
        session.note(describe(checkout))
    tf_files = count_files(root, ".tf")
    fmt = Command(
        "terraform fmt -check -recursive (baseline)",
        [terraform, "fmt", "-check", "-recursive", str(root)],
        expect=frozenset({0, 3}),
    )
    every_tf = validate_check(at_least=tf_files)
    cold = validate_command(
        "scaffolder validate --no-cache", root, "--no-cache", check=every_tf, same_output=True
    )
    first = validate_command(
        "scaffolder validate --no-cache, first run (compiles grammar)",
        root,
        "--no-cache",
        check=every_tf,
        fresh=True,
    )
    floor = probe_command(
        "python-hcl2 Lark parse only (1 core, parser prebuilt)",
        "hcl2-floor",
        str(root),
        check=parsed_all(tf_files),
    )
    base, ours, first_run, bare = session.measure([fmt, cold, first, floor], repeat=5)
    summary = validate_summary(ours.last)
    session.note(
        f"scaffolder checked {summary['files']} files ({tf_files} .tf): "
        f"{summary['error']} errors, {summary['warning']} warnings, {summary['info']} info"
    )
    session.note(f"terraform fmt -check exited {base.last.code} (3: some file is not canonical)")
    session.ratio(ours, base, 2.0, name="validate --no-cache (2 repos) / terraform fmt -check")
    session.ratio(
        first_run,
        base,
        None,
        name="validate --no-cache, first run (compiles grammar) / terraform fmt",
    )
    session.ratio(bare, base, None, name="python-hcl2 Lark floor (1 core) / terraform fmt -check")
    cpus = os.cpu_count() or 1
    session.note(
        f"the floor spread perfectly over {cpus} CPUs would be "
        f"{bare.median / cpus / base.median:.2f}x terraform fmt, before any rule runs"
    )


def bench_scaling(session: Session) -> None:
    source = session.workdir / "large-repo"
    checkout = export_mirror(LARGE_REPO, source)
    session.note(describe(checkout))
    commands = []
    for copies in (1, 2, 4):
        root = corpus.side_by_side(source, session.scratch(f"scale-{copies}"), copies)
        commands.append(
            validate_command(
                f"scaffolder validate, warm, {copies}x the repository", root, same_output=True
            )
        )
    shutil.rmtree(source)
    one, two, four = session.measure(commands, repeat=5)
    counts = [validate_summary(m.last) for m in (one, two, four)]
    for copies, summary in zip((1, 2, 4), counts, strict=True):
        if summary["files"] != copies * counts[0]["files"]:
            raise BenchError(
                f"{copies}x the repository checked {summary['files']} files, "
                f"not {copies} x {counts[0]['files']}"
            )
    for copies, measurement, summary in zip((1, 2, 4), (one, two, four), counts, strict=True):
        session.note(
            f"{copies}x: {summary['files']} files checked, {summary['findings']} findings; "
            f"first run (cold, filling the cache) {measurement.warmup.seconds * 1000:.0f} ms"
        )
    session.ratio(two, one, None, name="warm validate 2x / 1x (linear is 2.0)")
    session.ratio(four, one, 4.5, name="warm validate 4x / 1x (linear is 4.0)")


BENCHMARKS = [
    (
        "repos-cold",
        "2. cold validate: terraform-aws-eks + terraform-google-kubernetes-engine",
        bench_cold,
    ),
    ("repos-scaling", "3. warm validate scaling on cloud-foundation-fabric", bench_scaling),
]

if __name__ == "__main__":
    sys.exit(main(BENCHMARKS))
