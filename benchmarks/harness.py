"""What every benchmark shares: private homes, interleaved runs, checked results, named ratios.

- Each measured command runs in a sandbox: its own HOME, XDG_CACHE_HOME, SCAFFOLDER_CACHE_DIR,
  TMPDIR and Terraform CLI config, all inside one temporary directory. A command marked
  ``fresh`` gets a new sandbox for every sample (a cold start: nothing cached); otherwise one
  sandbox is kept for the command across its samples, so its warm-up run fills what it caches.
- Every command runs once as a warm-up, then baseline and candidate alternate (A B A B ...) and
  the median of N samples is reported. Interleaving spreads drift in machine load over both.
- Every run is checked: an unexpected exit status, a Python traceback on stderr or output that
  fails the command's check aborts the whole benchmark with a message; it is never timed.
- Peak memory is ``ru_maxrss`` from ``os.wait4`` of the measured child: the largest resident set
  of the child or of any descendant it waited for (parser workers, kubectl, hadolint), not the
  sum over those processes.
- Real repositories come from bare git mirrors (``$SCAFFOLDER_BENCH_MIRRORS``, default
  ``/work/.mirror``), exported with ``git archive`` into the run's temporary directory. A missing
  mirror skips that benchmark with a line saying so; it never fails the run.
- After the run the real home directory must not have gained cookiecutter's replay or clone
  directory; that is checked, not assumed.

Benchmarks are not tests: nothing here asserts a wall-clock time. Only the CLI and the public
``scaffolder`` API are used, so the harness does not depend on the validator's internals.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import pwd
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
SCAFFOLDER = str(BIN / "scaffolder")
COOKIECUTTER = str(BIN / "cookiecutter")
PROBES = str(BENCHMARKS / "probes.py")

MIRRORS_ENV = "SCAFFOLDER_BENCH_MIRRORS"
DEFAULT_MIRRORS = Path("/work/.mirror")
# What cookiecutter writes into the home directory when it is not told otherwise.
COOKIECUTTER_HOME_DIRS = (".cookiecutter_replay", ".cookiecutters")
# Variables that would change what a Python child does or costs; never inherited.
DROPPED_ENV = (
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONTRACEMALLOC",
    "PYTHONDEVMODE",
    "PYTHONMALLOC",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "PYTHONBREAKPOINT",
)
TIMEOUT = 900.0


class BenchError(Exception):
    """A measured command misbehaved: the benchmark stops, and nothing of it is reported."""


class Skip(Exception):
    """A benchmark cannot run on this machine (a mirror or a tool is missing)."""


# --- sandboxes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sandbox:
    """A private HOME, cache directories and temporary directory for one command's runs."""

    root: Path

    @classmethod
    def create(cls, parent: Path, label: str) -> Sandbox:
        root = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=parent))
        sandbox = cls(root)
        for directory in (
            sandbox.home / ".cache",
            sandbox.home / ".config",
            sandbox.home / ".local" / "share",
            sandbox.cache,
            sandbox.tmp,
        ):
            directory.mkdir(parents=True)
        # An empty CLI configuration, so terraform reads none of the user's.
        (sandbox.home / ".terraformrc").write_text("")
        return sandbox

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def cache(self) -> Path:
        """SCAFFOLDER_CACHE_DIR."""
        return self.root / "cache"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def out(self) -> Path:
        """An output directory, emptied before every sample."""
        return self.root / "out"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
        env.update(
            HOME=str(self.home),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            SCAFFOLDER_CACHE_DIR=str(self.cache),
            TMPDIR=str(self.tmp),
            TF_CLI_CONFIG_FILE=str(self.home / ".terraformrc"),
            # terraform would otherwise try to reach HashiCorp's version check on every run.
            CHECKPOINT_DISABLE="1",
        )
        return env

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def setup_run(
    argv: Sequence[str],
    sandbox: Sandbox,
    *,
    cwd: Path | None = None,
    expect: Collection[int] = (0,),
) -> str:
    """Run an untimed set-up command in ``sandbox``; its failure aborts the benchmark."""
    result = subprocess.run(
        list(argv),
        env=sandbox.env(),
        cwd=cwd or sandbox.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode not in expect or "Traceback (most recent" in result.stderr:
        raise BenchError(
            f"set-up command exited {result.returncode}: {shlex.join(argv)}\n{_tail(result.stderr)}"
        )
    return result.stdout


class HomeGuard:
    """Snapshots the real home directory and reports what a run added to it."""

    def __init__(self) -> None:
        homes = {Path(pwd.getpwuid(os.getuid()).pw_dir)}
        if os.environ.get("HOME"):
            homes.add(Path(os.environ["HOME"]))
        self.homes = sorted(homes)
        self.before = {home: self._snapshot(home) for home in self.homes}

    @staticmethod
    def _snapshot(home: Path) -> dict[str, int]:
        """Top-level entries with their mtime, and everything inside cookiecutter's dirs."""
        entries: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for entry in home.iterdir():
                entries[entry.name] = entry.lstat().st_mtime_ns
        for name in COOKIECUTTER_HOME_DIRS:
            base = home / name
            if base.is_dir():
                for path in base.rglob("*"):
                    with contextlib.suppress(OSError):
                        entries[str(path.relative_to(home))] = path.lstat().st_mtime_ns
        return entries

    def check(self) -> list[str]:
        """Raise if cookiecutter wrote into a real home; return other new top-level entries."""
        others: list[str] = []
        for home in self.homes:
            before, after = self.before[home], self._snapshot(home)
            changed = sorted(name for name in after if before.get(name) != after[name])
            written = [n for n in changed if n.split("/", 1)[0] in COOKIECUTTER_HOME_DIRS]
            if written:
                raise BenchError(
                    f"the real home {home} gained {', '.join(written)} during the benchmark: "
                    "a measured command escaped its private HOME"
                )
            others.extend(f"{home}/{n}" for n in changed if n not in before and "/" not in n)
        return others


# --- commands and runs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One checked execution of a command."""

    argv: list[str]
    code: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    maxrss_kib: int
    sandbox: Sandbox

    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except ValueError as error:
            raise BenchError(
                f"{shlex.join(self.argv)} printed no JSON ({error}); stdout starts "
                f"{self.stdout[:200]!r}"
            ) from error


@dataclass(frozen=True)
class Command:
    """A command to measure.

    ``argv`` items may name ``{out}``, ``{home}``, ``{cache}`` or ``{sandbox}``, filled in per
    run. ``expect`` is the set of exit codes that count as success. ``check`` inspects a run and
    raises BenchError when its output is not what it should be. ``fresh`` gives every sample a
    new sandbox. ``prepare`` runs untimed before each sample. ``same_output`` requires every
    sample to print exactly what the warm-up printed. ``self_timed`` commands print JSON with
    ``seconds``: the time of their measured part, after the set-up they exclude.
    """

    label: str
    argv: Sequence[str]
    expect: frozenset[int] = frozenset({0})
    check: Callable[[Run], None] | None = None
    fresh: bool = False
    prepare: Callable[[Sandbox], None] | None = None
    same_output: bool = False
    self_timed: bool = False
    cwd: Path | None = None


@dataclass
class Measurement:
    command: Command
    warmup: Run
    runs: list[Run] = field(default_factory=list)

    @property
    def samples(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs)

    @property
    def peak_rss_kib(self) -> int:
        return max(run.maxrss_kib for run in self.runs)

    @property
    def last(self) -> Run:
        return self.runs[-1]


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


class Spawner:
    """The small process (spawn.py) that starts, times and reaps every measured command."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-I", "-S", str(BENCHMARKS / "spawn.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise BenchError("the spawner process died")
        result: dict[str, Any] = json.loads(answer)
        return result

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


_SPAWNER: list[Spawner] = []


def spawner() -> Spawner:
    """The session's spawner, started before the harness has grown."""
    if not _SPAWNER:
        _SPAWNER.append(Spawner())
    return _SPAWNER[0]


def rss_floor() -> int:
    """The ru_maxrss (KiB) that a child of the spawner reports at least: /bin/true's."""
    with tempfile.TemporaryDirectory() as scratch:
        result = spawner().run(
            argv=["true"],
            env=dict(os.environ),
            cwd=scratch,
            stdout=os.devnull,
            stderr=os.devnull,
            timeout=60,
        )
    return int(result["maxrss_kib"])


def execute(command: Command, sandbox: Sandbox) -> Run:
    """Run ``command`` once in ``sandbox``, timing it and reading its peak RSS from wait4."""
    names = {
        "out": str(sandbox.out),
        "home": str(sandbox.home),
        "cache": str(sandbox.cache),
        "sandbox": str(sandbox.root),
    }
    argv = [item.format_map(names) for item in command.argv]
    shutil.rmtree(sandbox.out, ignore_errors=True)
    sandbox.out.mkdir()
    if command.prepare:
        command.prepare(sandbox)
    stdout_path, stderr_path = sandbox.root / "stdout.txt", sandbox.root / "stderr.txt"
    result = spawner().run(
        argv=argv,
        env=sandbox.env(),
        cwd=str(command.cwd or sandbox.root),
        stdout=str(stdout_path),
        stderr=str(stderr_path),
        timeout=TIMEOUT,
    )
    if result["timed_out"]:
        raise BenchError(f"{command.label}\n  $ {shlex.join(argv)}\n  killed after {TIMEOUT:.0f} s")
    run = Run(
        argv=argv,
        code=result["code"],
        stdout=stdout_path.read_text(errors="replace"),
        stderr=stderr_path.read_text(errors="replace"),
        seconds=result["seconds"],
        cpu_seconds=result["cpu"],
        maxrss_kib=result["maxrss_kib"],
        sandbox=sandbox,
    )
    _verify(command, run)
    if command.self_timed:
        run = dataclasses.replace(run, seconds=float(run.json()["seconds"]))
    return run


def _verify(command: Command, run: Run) -> None:
    shown = f"{command.label}\n  $ {shlex.join(run.argv)}"
    if run.code not in command.expect:
        how = f"killed by signal {-run.code}" if run.code < 0 else f"exited {run.code}"
        raise BenchError(
            f"{shown}\n  {how}, expected {' or '.join(map(str, sorted(command.expect)))}\n"
            f"{_tail(run.stderr)}"
        )
    if "Traceback (most recent call last)" in run.stderr:
        raise BenchError(f"{shown}\n  printed a traceback:\n{_tail(run.stderr)}")
    if command.check:
        try:
            command.check(run)
        except BenchError as error:
            raise BenchError(f"{shown}\n  {error}") from None


def measure(commands: Sequence[Command], *, repeat: int, workdir: Path) -> list[Measurement]:
    """Warm each command up once, then run them in turn ``repeat`` times (A B A B ...)."""
    kept = {
        index: Sandbox.create(workdir, f"cmd{index}")
        for index, command in enumerate(commands)
        if not command.fresh
    }

    def once(index: int) -> Run:
        command = commands[index]
        sandbox = Sandbox.create(workdir, f"cmd{index}") if command.fresh else kept[index]
        try:
            return execute(command, sandbox)
        finally:
            if command.fresh:
                sandbox.remove()

    measurements = [Measurement(command, warmup=once(i)) for i, command in enumerate(commands)]
    for _ in range(repeat):
        for index, measurement in enumerate(measurements):
            run = once(index)
            if measurement.command.same_output and run.stdout != measurement.warmup.stdout:
                raise BenchError(
                    f"{measurement.command.label}\n  printed something other than its warm-up "
                    "run printed: the output must not depend on what is cached"
                )
            measurement.runs.append(run)
    for sandbox in kept.values():
        sandbox.remove()
    return measurements


# --- checks ------------------------------------------------------------------------------------


SUMMARY_KEYS = ("files", "findings", "error", "warning", "info")


def validate_summary(run: Run) -> dict[str, int]:
    """The summary of a ``scaffolder validate --format json`` run, checked against its exit."""
    data = run.json()
    if not isinstance(data, dict) or data.get("version") != 1:
        raise BenchError("the JSON report is not version 1")
    if data.get("tool", {}).get("name") != "scaffolder":
        raise BenchError("the JSON report does not name scaffolder as its tool")
    summary = data.get("summary")
    if not isinstance(summary, dict) or not all(
        isinstance(summary.get(key), int) for key in SUMMARY_KEYS
    ):
        raise BenchError(f"the JSON summary lacks one of {', '.join(SUMMARY_KEYS)}: {summary}")
    if len(data.get("findings", ())) != summary["findings"]:
        raise BenchError("the summary's finding count differs from the findings listed")
    # Default --fail-on is error: exit 1 exactly when there is an error finding.
    expected = 1 if summary["error"] else 0
    if run.code != expected:
        raise BenchError(
            f"exit {run.code} but the summary has {summary['error']} errors (expected {expected})"
        )
    return {key: summary[key] for key in SUMMARY_KEYS}


def validate_check(*, files: int | None = None, at_least: int = 1) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        summary = validate_summary(run)
        if files is not None and summary["files"] != files:
            raise BenchError(f"checked {summary['files']} files, expected {files}")
        if summary["files"] < at_least:
            raise BenchError(f"checked {summary['files']} files, expected at least {at_least}")

    return check


def validate_command(label: str, root: Path, *args: str, **options: Any) -> Command:
    """``scaffolder validate ROOT --format json``, which exits 0 or 1 by its summary."""
    options.setdefault("check", validate_check())
    return Command(
        label,
        [SCAFFOLDER, "validate", str(root), "--format", "json", *args],
        expect=frozenset({0, 1}),
        **options,
    )


def probe_command(label: str, *args: str, check: Callable[[Run], None] | None = None) -> Command:
    """A probe of ``probes.py``: an in-process baseline that times itself after its set-up."""
    return Command(label, [PYTHON, PROBES, *args], check=check, self_timed=True)


SKIP_DIRS = {"node_modules", "__pycache__", ".terraform"}


def count_files(root: Path, *suffixes: str) -> int:
    """Files ending in ``suffixes`` (any file without), outside hidden and dependency dirs."""
    count = 0
    for _, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        count += sum(1 for name in names if not suffixes or name.endswith(suffixes))
    return count


# --- repositories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    slug: str
    commit: str
    path: Path


def mirrors_dir() -> Path:
    return Path(os.environ.get(MIRRORS_ENV) or DEFAULT_MIRRORS)


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False)


def find_mirror(slug: str) -> Path | None:
    """The git directory of ``owner/name`` in the mirrors directory, in any usual layout."""
    if shutil.which("git") is None:
        return None
    owner, name = slug.split("/")
    base = mirrors_dir()
    for candidate in (
        base / f"{owner}+{name}" / "repo",
        base / f"{owner}+{name}",
        base / f"{owner}+{name}.git",
        base / owner / f"{name}.git",
        base / owner / name,
        base / f"{name}.git",
    ):
        if not candidate.is_dir():
            continue
        head = _git(f"--git-dir={candidate}", "rev-parse", "--verify", "-q", "HEAD^{commit}")
        if head.returncode == 0:
            return candidate
    return None


def export_mirror(slug: str, dest: Path) -> Checkout:
    """Export HEAD of the mirror of ``slug`` into ``dest`` (git archive | tar -x)."""
    git_dir = find_mirror(slug)
    if git_dir is None:
        where = mirrors_dir()
        raise Skip(f"no git mirror of {slug} in {where} (set {MIRRORS_ENV} to its directory)")
    commit = _git(f"--git-dir={git_dir}", "rev-parse", "HEAD").stdout.strip()
    dest.mkdir(parents=True)
    archive = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert archive.stdout is not None
    untar = subprocess.run(
        ["tar", "-x", "-C", str(dest)], stdin=archive.stdout, capture_output=True, check=False
    )
    archive.stdout.close()
    archive_error = archive.stderr.read().decode(errors="replace") if archive.stderr else ""
    if archive.wait() != 0 or untar.returncode != 0:
        raise BenchError(
            f"exporting {slug} from {git_dir} failed: {archive_error}{untar.stderr.decode()}"
        )
    return Checkout(slug, commit, dest)


def describe(checkout: Checkout) -> str:
    tf = count_files(checkout.path, ".tf")
    yaml = count_files(checkout.path, ".yaml", ".yml")
    return f"{checkout.slug} @ {checkout.commit[:12]}: {tf} .tf, {yaml} YAML files"


# --- the session: sections, ratios, summary ----------------------------------------------------


def cpu_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (from /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    ticks = [int(f) for f in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this harness and of its set-up commands (the spawner's are not in it)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )


def wait_for_idle(limit: float, *, threshold: float = 0.1, window: float = 2.0) -> str:
    """Wait up to ``limit`` seconds for two windows in a row with the CPUs nearly idle."""
    if limit <= 0:
        return "not waited for"
    capacity = window * (os.cpu_count() or 1)
    waited, quiet = 0.0, 0
    while waited < limit:
        before = cpu_busy_seconds()
        time.sleep(window)
        after = cpu_busy_seconds()
        waited += window
        if before is None or after is None:
            return "unknown"
        quiet = quiet + 1 if (after - before) / capacity < threshold else 0
        if quiet >= 2:
            return f"idle after {waited:.0f} s"
    return f"still busy after {limit:.0f} s, measuring anyway"


def load_average() -> str:
    """The 1-minute load average: anything else running on the machine shows here."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def mib(kib: int) -> str:
    return f"{kib / 1024:6.0f} MiB"


@dataclass(frozen=True)
class Verdict:
    benchmark: str
    name: str
    value: float
    target: float | None
    others: float | None  # share of the CPUs other processes used while it was measured

    @property
    def outcome(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if self.value <= self.target else "MISS"


@dataclass
class Session:
    """One `make bench` run: its temporary directory, its output and its verdicts."""

    workdir: Path
    repeat: int | None
    wait_idle: float = 0.0
    verdicts: list[Verdict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    current: str = ""
    others: float | None = None

    def section(self, title: str) -> None:
        """Start a benchmark's output; its ratios and skips are listed under ``title``."""
        self.current = title
        self.others = None
        print(f"\n== {title}", flush=True)

    def note(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def scratch(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True)
        return path

    def measure(self, commands: Sequence[Command], *, repeat: int) -> list[Measurement]:
        repeat = self.repeat or repeat
        idle = wait_for_idle(self.wait_idle)
        print(
            f"   median of {repeat} interleaved runs after one warm-up each; "
            f"machine {idle}, load average {load_average()}",
            flush=True,
        )
        busy, own, start = cpu_busy_seconds(), own_cpu_seconds(), time.perf_counter()
        measurements = measure(commands, repeat=repeat, workdir=self.workdir)
        elapsed, busy_after = time.perf_counter() - start, cpu_busy_seconds()
        if busy is not None and busy_after is not None:
            # What the machine did beyond the measured commands and this harness itself.
            ours = own_cpu_seconds() - own
            ours += sum(run.cpu_seconds for m in measurements for run in (m.warmup, *m.runs))
            others = max(0.0, (busy_after - busy) - ours) / (elapsed * (os.cpu_count() or 1))
            self.others = max(others, self.others or 0.0)
            warning = "  <- NOISY: numbers disturbed" if others > 0.1 else ""
            print(
                f"   other processes used {others:.0%} of the machine's CPU meanwhile{warning}",
                flush=True,
            )
        print(f"   {'':<64}{'wall median':>12} {'[min-max ms]':>13}", flush=True)
        for measurement in measurements:
            self.show(measurement)
        return measurements

    def show(self, measurement: Measurement) -> None:
        samples = measurement.samples
        spread = f"[{min(samples) * 1000:.0f}-{max(samples) * 1000:.0f}]"
        extra = (
            "  (in-process loop, 1 core)"
            if measurement.command.self_timed
            else f"  cpu {ms(measurement.cpu_median)}"
            f"  child peak RSS {mib(measurement.peak_rss_kib)}"
        )
        print(
            f"   {measurement.command.label:<64}{ms(measurement.median)} {spread:>13}{extra}",
            flush=True,
        )

    def ratio(
        self,
        candidate: Measurement,
        baseline: Measurement,
        target: float | None,
        *,
        name: str | None = None,
    ) -> Verdict:
        return self.value(
            name or f"{candidate.command.label} / {baseline.command.label}",
            candidate.median / baseline.median,
            target,
        )

    def value(self, name: str, value: float, target: float | None) -> Verdict:
        verdict = Verdict(self.current, name, value, target, self.others)
        self.verdicts.append(verdict)
        goal = f"target <= {target:.2f}" if target is not None else "no target"
        print(f"   ratio {value:7.3f}  {goal:<16} {verdict.outcome:<4}  {name}", flush=True)
        return verdict

    def skip(self, reason: str) -> None:
        self.skipped.append((self.current, reason))
        print(f"   SKIPPED: {reason}", flush=True)

    def summary(self) -> None:
        print("\n== summary (ratios against baselines measured in this run)")
        for verdict in self.verdicts:
            goal = f"<= {verdict.target:.2f}" if verdict.target is not None else " " * 7
            noisy = (
                f"  (NOISY: others used {verdict.others:.0%} of the CPUs)"
                if verdict.others is not None and verdict.others > 0.1
                else ""
            )
            print(f"   {verdict.outcome:<4} {verdict.value:7.3f} {goal}  {verdict.name}{noisy}")
        for title, reason in self.skipped:
            print(f"   SKIP                 {title}: {reason}")


Benchmark = Callable[[Session], None]


def main(
    benchmarks: Sequence[tuple[str, str, Benchmark]], argv: Sequence[str] | None = None
) -> int:
    """Run ``benchmarks`` (name, title, function) in one session and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, help="samples per command (default per benchmark)")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="before each measurement, wait up to this long for idle CPUs (0: do not wait)",
    )
    parser.add_argument(
        "--only", action="append", choices=[name for name, _, _ in benchmarks], help="repeatable"
    )
    options = parser.parse_args(argv)
    guard = HomeGuard()
    floor = rss_floor()
    print(
        f"scaffolder benchmarks: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"mirrors from {mirrors_dir()}\n"
        "times are wall-clock medians; 'cpu' is user+system time of the command and the "
        "descendants it waited for.\n'child peak RSS' is ru_maxrss from wait4: the largest "
        "single process among the measured command and the descendants it waited for (not "
        "their sum),\nstarted from a small spawner whose own resident set is the floor: "
        f"/bin/true reports {floor / 1024:.1f} MiB.",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="scaffolder-bench-") as workdir:
        session = Session(Path(workdir), options.repeat, options.wait_idle)
        try:
            for name, title, benchmark in benchmarks:
                if options.only and name not in options.only:
                    continue
                session.section(title)
                try:
                    benchmark(session)
                except Skip as skip:
                    session.skip(str(skip))
        except BenchError as error:
            print(f"\nBENCHMARK ABORTED: {error}", file=sys.stderr, flush=True)
            return 1
    spawner().close()
    try:
        others = guard.check()
    except BenchError as error:
        print(f"\nBENCHMARK ABORTED: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"\nload average after the run: {load_average()}")
    session.summary()
    print(
        "   real home: no .cookiecutter_replay or .cookiecutters written"
        + (f"; new entries there: {', '.join(others)}" if others else "; nothing new in it")
    )
    return 0
