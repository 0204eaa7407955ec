"""`scaffolder validate` on corpora built here: Terraform, and whole rendered projects.

5. Terraform: the Terraform of our rendered templates plus synthetic modules and fixture copies
   (at least 500 ``.tf`` files; see corpus.py), cold and warm, against
   ``terraform fmt -check -recursive`` (when installed), python-hcl2's ``hcl2.loads`` loop and
   its Lark parser alone (both one core, parser built before the clock starts). Cold is an empty
   result cache with the HCL grammar tables already compiled (primed through the CLI on a
   one-file module, untimed): the state after every file changed. Warm is the cache filled by
   the previous run of the same tree. Targets: cold <= 2.0x and warm <= 0.25x terraform fmt.
   Peak RSS for the corpus and for one twice its size (flat in file count is the aim).
6. Manifests, compose files and Dockerfiles of 12 rendered projects (their Terraform removed),
   cold and warm, against a kubernetes-validate loop over the same YAML (strict schemas, one
   validator per kind cached as scaffolder caches it, every error listed; one core).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

import corpus
from harness import (
    SCAFFOLDER,
    BenchError,
    Command,
    Run,
    Sandbox,
    Session,
    count_files,
    main,
    probe_command,
    setup_run,
    validate_command,
    validate_summary,
)

PRIMER = 'variable "primer" {\n  description = "Primes the grammar tables."\n  type = string\n}\n'


def prime_grammar(sandbox: Sandbox) -> None:
    """Empty scaffolder's cache, then let the CLI compile its grammar tables on one file."""
    shutil.rmtree(sandbox.cache)
    sandbox.cache.mkdir()
    module = sandbox.root / "primer"
    module.mkdir(exist_ok=True)
    (module / "variables.tf").write_text(PRIMER)
    setup_run([SCAFFOLDER, "validate", str(module), "--format", "json"], sandbox, expect=(0, 1))


def probe_files(files: int) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        result = run.json()
        if result["files"] != files or result.get("errors"):
            raise BenchError(f"read {result['files']} files with {result.get('errors')} errors")

    return check


def bench_terraform(session: Session) -> None:
    build = Sandbox.create(session.workdir, "build")
    tree, double = session.workdir / "tf-corpus", session.workdir / "tf-double"
    files = corpus.terraform_corpus(tree, 500, build)
    double_files = corpus.terraform_corpus(double, 2 * files, build)
    build.remove()
    session.note(f"corpus: {files} .tf files; double corpus: {double_files}")
    commands: list[Command] = []
    terraform = shutil.which("terraform")
    if terraform:
        commands.append(
            Command(
                "terraform fmt -check -recursive (baseline)",
                [terraform, "fmt", "-check", "-recursive", str(tree)],
                expect=frozenset({0, 3}),
            )
        )
    else:
        session.note("terraform is not installed: ratios against terraform fmt are skipped")
    cold = validate_command(
        "scaffolder validate, cold (empty result cache)", tree, prepare=prime_grammar
    )
    warm = validate_command("scaffolder validate, warm (cache filled)", tree, same_output=True)
    cold_double = validate_command(
        f"scaffolder validate, cold, double corpus ({double_files} files)",
        double,
        prepare=prime_grammar,
    )
    loads = probe_command(
        "hcl2.loads loop (1 core, parser prebuilt)",
        "hcl2-loads",
        str(tree),
        check=probe_files(files),
    )
    floor = probe_command(
        "python-hcl2 Lark parse only (1 core, parser prebuilt)",
        "hcl2-floor",
        str(tree),
        check=probe_files(files),
    )
    measured = session.measure([*commands, cold, warm, cold_double, loads, floor], repeat=5)
    *base, ours_cold, ours_warm, ours_double, hcl2_loads, bare = measured
    for measurement, tf_files in ((ours_cold, files), (ours_double, double_files)):
        checked = validate_summary(measurement.last)["files"]
        if checked < tf_files:
            raise BenchError(f"validate checked {checked} files, fewer than the {tf_files} .tf")
    if base:
        session.note(
            f"terraform fmt -check exited {base[0].last.code} (3: some file not canonical)"
        )
        session.ratio(ours_cold, base[0], 2.0, name="validate cold / terraform fmt -check")
        session.ratio(ours_warm, base[0], 0.25, name="validate warm / terraform fmt -check")
        session.ratio(bare, base[0], None, name="Lark parse floor (1 core) / terraform fmt")
    session.ratio(ours_cold, hcl2_loads, None, name="validate cold / hcl2.loads loop")
    session.value(
        f"child peak RSS, double corpus / corpus ({ours_double.peak_rss_kib // 1024} MiB / "
        f"{ours_cold.peak_rss_kib // 1024} MiB; flat is 1.00)",
        ours_double.peak_rss_kib / ours_cold.peak_rss_kib,
        None,
    )


def validated_objects(run: Run) -> None:
    result = run.json()
    if not result["objects"] or result["unreadable"]:
        raise BenchError(
            f"validated {result['objects']} objects, {result['unreadable']} unreadable"
        )


def bench_manifests(session: Session) -> None:
    build = Sandbox.create(session.workdir, "build")
    root = session.workdir / "projects"
    projects = corpus.rendered_projects(root, 12, build)
    build.remove()
    yaml_files = count_files(root, ".yaml", ".yml")
    session.note(f"{len(projects)} rendered projects (docker-dev, gke, eks), {yaml_files} YAML")
    schemas = probe_command(
        "kubernetes-validate loop (strict schemas, validators cached, 1 core)",
        "k8s",
        str(root),
        "1.33",
        check=validated_objects,
    )
    cold = validate_command(
        "scaffolder validate, cold (all domains, kustomize renders)", root, fresh=True
    )
    warm = validate_command("scaffolder validate, warm", root, same_output=True)
    baseline, ours_cold, ours_warm = session.measure([schemas, cold, warm], repeat=3)
    result = baseline.last.json()
    session.note(
        f"schema loop: {result['objects']} objects in {result['files']} files, "
        f"{result['errors']} schema errors"
    )
    session.ratio(ours_cold, baseline, None, name="validate cold / kubernetes-validate loop")
    session.ratio(ours_warm, ours_cold, None, name="validate warm / validate cold")


BENCHMARKS = [
    ("terraform", "5. Terraform corpus: cold and warm against terraform fmt", bench_terraform),
    ("manifests", "6. rendered projects: manifests, compose, Dockerfiles", bench_manifests),
]

if __name__ == "__main__":
    sys.exit(main(BENCHMARKS))
