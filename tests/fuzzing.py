"""Mutated inputs for every validation domain, and one checked run of the validator on each.

Used by ``tests/test_fuzz_domains.py`` (a bounded, seeded run in the suite) and by
``benchmarks/fuzz.py`` (ten thousand inputs, with figures). Seeds are the files the templates
render; mutations are the families that broke the validator before: random bytes, truncation,
deleted and repeated lines, deep nesting, YAML alias bombs and bad tags, names far too long for
the file system where the content names a path, NUL bytes and invalid UTF-8.
"""

from __future__ import annotations

import random
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Where each kind of seed file goes in the throw-away tree, and the other files it needs.
LAYOUT = {
    "terraform": "infra/main.tf",
    "terraform-json": "infra/main.tf.json",
    "kubernetes": "k8s/objects.yaml",
    "kustomize": "k8s/kustomization.yaml",
    "compose": "compose.yaml",
    "dockerfile": "app/Dockerfile",
    "spacelift": ".spacelift/config.yml",
    "rego": "spacelift/policies/plan.rego",
}
#: How often each kind is drawn: subprocess-bound kinds (kustomize, hadolint) less often.
WEIGHTS = {
    "terraform": 30,
    "terraform-json": 5,
    "kubernetes": 25,
    "kustomize": 3,
    "compose": 15,
    "dockerfile": 8,
    "spacelift": 10,
    "rego": 4,
}
LONG = "x" * 5000

_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def seeds() -> dict[str, list[str]]:
    """Seed texts per kind, from the templates rendered with default answers."""
    from scaffolder.generation import generate
    from scaffolder.templates import list_templates

    found: dict[str, list[str]] = {kind: [] for kind in LAYOUT}
    scratch = Path(tempfile.mkdtemp())
    try:
        for template in list_templates():
            project = generate(template.name, scratch / template.name)
            for path in sorted(project.rglob("*")):
                if not path.is_file():
                    continue
                try:
                    text = path.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
                kind = _kind(path)
                if kind is not None and text not in found[kind]:
                    found[kind].append(text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    found["terraform-json"] = [
        '{"variable": {"name": {"type": "string"}}, "locals": [{"a": "${var.name}"}], '
        '"output": {"a": {"value": "${local.a}"}}}'
    ]
    return {kind: texts for kind, texts in found.items() if texts}


def _kind(path: Path) -> str | None:
    name = path.name
    if name.endswith(".tf"):
        return "terraform"
    if name == "kustomization.yaml":
        return "kustomize"
    if name.startswith(("compose", "docker-compose")) and name.endswith((".yaml", ".yml")):
        return "compose"
    if name == "Dockerfile":
        return "dockerfile"
    if name == "config.yml" and path.parent.name == ".spacelift":
        return "spacelift"
    if name.endswith(".rego"):
        return "rego"
    if name.endswith((".yaml", ".yml")) and "k8s" in path.parts:
        return "kubernetes"
    return None


def mutate(text: str, rng: random.Random) -> bytes:
    """One mutation of ``text`` from the families that broke the validator."""
    data = text.encode("utf-8")
    lines = text.splitlines(keepends=True) or [""]
    family = rng.randrange(12)
    if family == 0:  # random bytes somewhere
        at = rng.randrange(len(data) + 1)
        return data[:at] + rng.randbytes(rng.randint(1, 16)) + data[at:]
    if family == 1:  # truncated
        return data[: rng.randrange(len(data) + 1)]
    if family == 2:  # a line deleted
        del lines[rng.randrange(len(lines))]
        return "".join(lines).encode()
    if family == 3:  # a line repeated
        index = rng.randrange(len(lines))
        lines[index:index] = [lines[index]] * rng.randint(2, 50)
        return "".join(lines).encode()
    if family == 4:  # deep nesting
        depth = rng.choice([200, 1000, 3000])
        opener, closer = rng.choice([("[", "]"), ("{", "}"), ("(", ")")])
        return data + f"\nx = {opener * depth}1{closer * depth}\n".encode()
    if family == 5:  # YAML alias bomb
        return data + b"\n---\n" + _BOMB.encode()
    if family == 6:  # tags that cannot convert
        tag = rng.choice(["!!float abc", "!!int abc", "!!timestamp x", "!!binary @@@"])
        return data.replace(b": ", f": {tag} #".encode(), 1) if b": " in data else data
    if family == 7:  # a path far too long where content names one
        keys = [b"build: ", b"project_root: ", b"source = ", b"env_file: ", b"- ", b"COPY "]
        key = rng.choice(keys)
        if key in data:
            return data.replace(key, key + LONG.encode() + b"/", 1)
        return data + b"\n" + key + LONG.encode() + b"\n"
    if family == 8:  # a NUL byte
        at = rng.randrange(len(data) + 1)
        return data[:at] + b"\0" + data[at:]
    if family == 9:  # invalid UTF-8
        return data + b"\xff\xfe\xfa"
    if family == 10:  # one huge line
        return data + b"\nk: " + b"v" * rng.choice([10_000, 200_000]) + b"\n"
    # values swapped between lines
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines).encode()


@dataclass
class Outcome:
    """What the runs found: every count the figures report."""

    inputs: int = 0
    escaped: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    by_kind: dict[str, int] = field(default_factory=dict)

    def peak_rss_mib(self) -> float:
        """This process's peak resident memory so far, in MiB."""
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def inputs(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``count`` (kind, mutated bytes) pairs, the same for the same seed."""
    rng = random.Random(seed)
    corpus = seeds()
    kinds = [kind for kind in WEIGHTS if kind in corpus]
    weights = [WEIGHTS[kind] for kind in kinds]
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        yield kind, mutate(rng.choice(corpus[kind]), rng)


def check_one(kind: str, data: bytes, outcome: Outcome) -> None:
    """Validate one input in a fresh tree; record escapes, internal errors and bad lines."""
    from scaffolder.validation import validate

    root = Path(tempfile.mkdtemp())
    label = f"{kind}#{outcome.inputs}"
    try:
        target = root / LAYOUT[kind]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        start = time.perf_counter()
        try:
            report = validate([root], cache=False, jobs=1)
        except Exception as error:  # the one thing that must never happen
            outcome.escaped.append(f"{label}: {type(error).__name__}: {error}"[:300])
            return
        finally:
            elapsed = time.perf_counter() - start
            outcome.inputs += 1
            outcome.by_kind[kind] = outcome.by_kind.get(kind, 0) + 1
            if elapsed > outcome.slowest[0]:
                outcome.slowest = (elapsed, label)
        for finding in report.findings:
            if finding.rule.endswith("000"):
                outcome.internal.append(f"{label}: {finding.message}"[:300])
            path = root / finding.path
            if path.is_file():
                lines = path.read_bytes().decode("utf-8", errors="replace").count("\n") + 1
                if not 1 <= finding.line <= lines or finding.column < 1:
                    outcome.bad_lines.append(f"{label}: {finding}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
