"""Terraform domain: parse every module (in parallel, cached), run the rules, check module calls.

Work is split in two so memory stays flat in the number of files: each module is parsed and
checked on its own (in a worker process when there are several), and only its small
*interface* (variables, outputs) and *calls* (local module calls with their arguments and the
outputs used) come back. The cross-module rules then run on those.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder import __version__
from scaffolder.validation.cache import ResultCache, digest
from scaffolder.validation.model import Finding
from scaffolder.validation.terraform.catalog import (
    MISSING_INPUT,
    MISSING_SOURCE,
    RULES,
    SUPPRESSION_REASON,
    SYNTAX,
    UNDECLARED_OUTPUT,
    UNKNOWN_ARGUMENT,
    UNREADABLE,
)

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["RULES", "check", "is_terraform"]

# Results depend on the rules' code, which the tool version stands for, and on which rules
# exist; both go into every cache key.
_RULESET = digest(__version__, *(f"{rule.id}:{rule.severity.value}" for rule in RULES))


def is_terraform(path: Path) -> bool:
    """A Terraform configuration file this domain reads."""
    return path.name.endswith((".tf", ".tf.json"))


@dataclass(frozen=True, slots=True)
class ModuleCall:
    """A local module call: what the caller passes and which outputs it reads."""

    file: str
    name: str
    source: str
    line: int
    column: int
    arguments: dict[str, tuple[int, int]]
    outputs: list[tuple[str, str, int, int]]


@dataclass(frozen=True, slots=True)
class ModuleResult:
    """What analysing one module yields; JSON-serialisable for the cache."""

    findings: list[Finding]
    variables: dict[str, bool]
    outputs: list[str]
    calls: list[ModuleCall]
    complete: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "findings": [finding.to_row() for finding in self.findings],
            "variables": self.variables,
            "outputs": self.outputs,
            "calls": [
                [c.file, c.name, c.source, c.line, c.column, c.arguments, c.outputs]
                for c in self.calls
            ],
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleResult:
        """Inverse of :meth:`to_json`."""
        return cls(
            findings=[Finding.from_row(row) for row in data["findings"]],
            variables={str(k): bool(v) for k, v in data["variables"].items()},
            outputs=[str(name) for name in data["outputs"]],
            calls=[
                ModuleCall(
                    file,
                    name,
                    source,
                    line,
                    column,
                    {str(k): (int(v[0]), int(v[1])) for k, v in arguments.items()},
                    [(str(a), str(b), int(c), int(d)) for a, b, c, d in outputs],
                )
                for file, name, source, line, column, arguments, outputs in data["calls"]
            ],
            complete=bool(data["complete"]),
        )


def analyze_module(path: str, sources: list[tuple[str, bytes]]) -> ModuleResult:
    """Parse one module's files and run every module-level rule (pure; runs in workers)."""
    from scaffolder.validation.terraform import hcl
    from scaffolder.validation.terraform.module import (
        MODULE_META_ARGUMENTS,
        build_module,
        is_local_source,
    )
    from scaffolder.validation.terraform.rules import run_checks
    from scaffolder.validation.terraform.suppress import suppress, unexplained
    from scaffolder.validation.terraform.syntax import Attribute, Block, string_value

    findings: list[Finding] = []
    files = []
    json_names: set[str] = set()
    complete = True
    texts: dict[str, str] = {}
    for name, data in sources:
        text = _decode(data)
        if text is None:
            kind = "a binary file" if b"\0" in data else "not UTF-8 text"
            findings.append(
                Finding(name, 1, 1, UNREADABLE.id, UNREADABLE.severity, f"cannot read: {kind}")
            )
            complete = False
            continue
        if name.endswith(".tf.json"):
            try:
                json_names.update(_json_declarations(text))
            except json.JSONDecodeError as error:
                findings.append(
                    Finding(
                        name,
                        error.lineno,
                        error.colno,
                        SYNTAX.id,
                        SYNTAX.severity,
                        f"not valid JSON: {error.msg}",
                    )
                )
                complete = False
            except ValueError as error:
                findings.append(Finding(name, 1, 1, SYNTAX.id, SYNTAX.severity, str(error)))
                complete = False
            continue
        texts[name] = text
        try:
            files.append(hcl.parse(text, name))
        except hcl.HclSyntaxError as error:
            shown = _source_line(text, error.line)
            findings.append(
                Finding(
                    name,
                    error.line,
                    error.column,
                    SYNTAX.id,
                    SYNTAX.severity,
                    f"{error.message}: `{shown}`" if shown else error.message,
                )
            )
            complete = False
    module = build_module(path, tuple(files), frozenset(json_names))
    try:
        module_findings = list(run_checks(module)) if complete else _safe_subset(module)
    except RecursionError:
        # Only machine-generated expressions nest this deep; say so instead of crashing.
        first = files[0].path if files else sources[0][0]
        module_findings = [
            Finding(first, 1, 1, SYNTAX.id, SYNTAX.severity, "expressions nest too deeply to check")
        ]
    findings.extend(suppress(module_findings, files))
    findings.extend(unexplained(files, SUPPRESSION_REASON))
    variables = {
        name: isinstance(places[0].node, Block) and "default" not in places[0].node.attributes
        for name, places in module.variables.items()
    }
    variables.update({name[4:]: False for name in json_names if name.startswith("var.")})
    outputs = sorted({*module.outputs, *(n[7:] for n in json_names if n.startswith("output."))})
    calls = []
    for name, places in module.modules.items():
        block = places[0].node
        if not isinstance(block, Block):
            continue
        source_attr = block.attributes.get("source")
        source = string_value(source_attr.value) if source_attr else None
        if source is None or not is_local_source(source):
            continue
        arguments = {
            attr.name: (attr.line, attr.column)
            for attr in block.body
            if isinstance(attr, Attribute) and attr.name not in MODULE_META_ARGUMENTS
        }
        used = [
            (ref.file, str(ref.names[index]), *ref.position(index))
            for ref in module.references
            if ref.names[:2] == ("module", name)
            for index in [3 if len(ref.names) > 3 and ref.names[2] is None else 2]
            if len(ref.names) > index and ref.names[index] is not None
        ]
        calls.append(
            ModuleCall(places[0].file, name, source, block.line, block.column, arguments, used)
        )
    return ModuleResult(findings, variables, outputs, calls, complete)


def _safe_subset(module: Any) -> list[Finding]:
    """With a file unparsable, only rules that cannot misfire on a partial module run."""
    from scaffolder.validation.terraform.rules import CHECKS

    # These would report what the unparsable file declares or uses as missing or unused.
    misfire = {"TF101", "TF102", "TF103", "TF104", "TF105", "TF110", "TF209", "TF211", "TF305"}
    findings: list[Finding] = []
    for check in CHECKS:
        if not {rule.id for rule in check.rules} & misfire:
            findings.extend(check.run(module))
    return findings


def _decode(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _source_line(text: str, line: int) -> str:
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        shown = lines[line - 1].strip()
        return shown if len(shown) <= 80 else shown[:77] + "..."
    return ""


def _json_declarations(text: str) -> set[str]:
    """``kind.name`` of every declaration in a ``.tf.json`` file (bodies are not analysed).

    Raises:
        json.JSONDecodeError: The text is not JSON.
        ValueError: The JSON is not an object, so not Terraform JSON.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("Terraform JSON must be an object at the top level")
    names: set[str] = set()
    single = {"variable": "var", "output": "output", "module": "module"}
    for kind, prefix in single.items():
        value = data.get(kind)
        if isinstance(value, dict):
            names.update(f"{prefix}.{name}" for name in value)
    locals_ = data.get("locals")
    for block in locals_ if isinstance(locals_, list) else [locals_]:
        if isinstance(block, dict):
            names.update(f"local.{name}" for name in block)
    for kind in ("resource", "data", "ephemeral"):
        value = data.get(kind)
        if isinstance(value, dict):
            for type_name, instances in value.items():
                if isinstance(instances, dict):
                    names.update(f"{kind}.{type_name}.{name}" for name in instances)
    if isinstance(data.get("terraform"), (dict, list)):
        names.add("terraform.settings")
    return names


def _analyze(job: tuple[str, list[tuple[str, bytes]]]) -> dict[str, Any]:
    return analyze_module(*job).to_json()


def _preload_parser() -> None:
    from scaffolder.validation.terraform import hcl

    hcl.parse("", "preload.tf")


def _executor(jobs: int) -> ProcessPoolExecutor:
    # Imported here: a run answered from the cache never starts a pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork shares the already-built parser with the workers; elsewhere the default start
    # method is the safe one.
    if sys.platform == "linux":
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _module_key(sources: list[tuple[str, bytes]]) -> str:
    return digest(_RULESET, *(part for name, data in sources for part in (name, data)))


def _read(
    paths: Iterable[Path], contents: dict[Path, bytes] | None = None
) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of each file; ``contents`` keeps them for other domains of the run."""
    sources = []
    for path in sorted(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            data = f"\0{error}".encode()
        if contents is not None:
            contents[path] = data
        sources.append((path.name, data))
    return sources


def analyze_all(
    directories: dict[Path, list[Path]],
    *,
    jobs: int,
    cache: ResultCache,
    contents: dict[Path, bytes] | None = None,
) -> dict[Path, ModuleResult]:
    """Analyse every module directory, from the cache where possible, in parallel otherwise."""
    results: dict[Path, ModuleResult] = {}
    pending: list[tuple[Path, str, list[tuple[str, bytes]]]] = []
    for directory, paths in directories.items():
        sources = _read(paths, contents)
        key = _module_key(sources)
        cached = cache.get(key)
        if cached is not None:
            try:
                results[directory] = ModuleResult.from_json(cached)
                continue
            except (KeyError, TypeError, ValueError):
                pass
        pending.append((directory, key, sources))
    if not pending:
        return results
    work = [(directory.as_posix(), sources) for directory, _, sources in pending]
    files = sum(len(sources) for _, _, sources in pending)
    if jobs > 1 and len(pending) > 1 and files >= 8:
        _preload_parser()
        with _executor(min(jobs, len(pending))) as pool:
            outputs = list(pool.map(_analyze, work, chunksize=max(1, len(work) // (jobs * 4))))
    else:
        outputs = [_analyze(job) for job in work]
    for (directory, key, _), output in zip(pending, outputs, strict=True):
        cache.put(key, output)
        results[directory] = ModuleResult.from_json(output)
    return results


def check(
    base: Path,
    paths: list[Path],
    *,
    jobs: int | None = None,
    cache: ResultCache | None = None,
    contents: dict[Path, bytes] | None = None,
    interfaces: dict[Path, tuple[set[str], set[str]] | None] | None = None,
) -> Iterator[Finding]:
    """Findings for every Terraform module among ``paths``, relative to ``base``.

    ``contents``, when given, receives every file's bytes, and ``interfaces`` every module's
    outputs and variables (None when a file could not be parsed), so later checks need neither
    read nor parse again.
    """
    if not paths:
        return
    directories: dict[Path, list[Path]] = defaultdict(list)
    for path in paths:
        directories[path.parent].append(path)
    cache = cache or ResultCache("terraform", enabled=False)
    workers = jobs or os.cpu_count() or 1
    results = analyze_all(directories, jobs=workers, cache=cache, contents=contents)
    for directory, result in results.items():
        for finding in result.findings:
            yield _rebase(finding, directory, base)
    resolved: dict[Path, ModuleResult | None] = {d.resolve(): r for d, r in results.items()}
    if interfaces is not None:
        for directory, module in resolved.items():
            interfaces[directory] = (
                (set(module.outputs), set(module.variables))
                if module is not None and module.complete
                else None
            )
    for directory, result in results.items():
        for call in result.calls:
            yield from (
                _rebase(finding, directory, base)
                for finding in _check_call(directory, call, resolved, cache)
            )


def _rebase(finding: Finding, directory: Path, base: Path) -> Finding:
    path = (directory / finding.path).relative_to(base).as_posix()
    return Finding(
        path, finding.line, finding.column, finding.rule, finding.severity, finding.message
    )


def _check_call(
    directory: Path,
    call: ModuleCall,
    resolved: dict[Path, ModuleResult | None],
    cache: ResultCache,
) -> Iterator[Finding]:
    """TF106-TF109 for one local module call."""
    target = (directory / call.source.split("//", 1)[0]).resolve()
    if target not in resolved:
        files = sorted(p for p in target.glob("*.tf*") if p.name.endswith((".tf", ".tf.json")))
        if target.is_dir() and files:
            resolved.update(analyze_all({target: files}, jobs=1, cache=cache))
            resolved[target] = resolved.pop(target, None)
        else:
            resolved[target] = None
    callee = resolved[target]
    if callee is None:
        if not target.is_dir():
            yield Finding(
                call.file,
                call.line,
                call.column,
                MISSING_SOURCE.id,
                MISSING_SOURCE.severity,
                f"module `{call.name}` source `{call.source}` is not a directory",
            )
        return
    if not callee.complete:
        return
    for argument, (line, column) in sorted(call.arguments.items()):
        if argument not in callee.variables:
            yield Finding(
                call.file,
                line,
                column,
                UNKNOWN_ARGUMENT.id,
                UNKNOWN_ARGUMENT.severity,
                f"module `{call.name}` ({call.source}) has no input variable `{argument}`",
            )
    missing = sorted(
        name
        for name, required in callee.variables.items()
        if required and name not in call.arguments
    )
    if missing:
        yield Finding(
            call.file,
            call.line,
            call.column,
            MISSING_INPUT.id,
            MISSING_INPUT.severity,
            f"module `{call.name}` is missing required input"
            f"{'s' if len(missing) > 1 else ''} " + ", ".join(f"`{name}`" for name in missing),
        )
    outputs = set(callee.outputs)
    for file, output, line, column in call.outputs:
        if output not in outputs:
            yield Finding(
                file,
                line,
                column,
                UNDECLARED_OUTPUT.id,
                UNDECLARED_OUTPUT.severity,
                f"module `{call.name}` ({call.source}) has no output `{output}`",
            )
