"""The validation engine: discover, hand each domain its files, run, cache, filter, suppress.

It runs the domains listed in :mod:`scaffolder.validation.domains` through the
:class:`~scaffolder.validation.domain.Domain` protocol and knows none of them by name:

1. Discover the files under a root once (with the files in hidden directories domains ask for).
2. Give each file to the domain that owns it most strongly, and to every domain that reads it.
3. Let each domain plan its units; look every unit up in the cache.
4. Start worker processes for the CPU-bound units that missed, before any thread exists
   (they are forked), then run every domain in its own thread, so subprocess-bound domains
   (kustomize, hadolint) overlap with parsing. A domain that reads another's product waits for
   it there.
5. Keep the findings of active rules that no ``scaffolder:ignore`` comment silences.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.errors import UserError
from scaffolder.validation.cache import ResultCache, digest
from scaffolder.validation.domain import (
    Claim,
    Context,
    Domain,
    Options,
    Products,
    Result,
    Unit,
    internal_finding,
    rules_of,
    skipped_rule,
)
from scaffolder.validation.files import FileSet, discover_all, project_root
from scaffolder.validation.model import Finding, Report
from scaffolder.validation.registry import Registry
from scaffolder.validation.suppress import directives, suppressed_by_line_above

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: Below this many input files, forking workers costs more than it saves.
_PROCESS_THRESHOLD = 8


def _run_json(run: Callable[[], Result]) -> dict[str, Any]:
    """Run a unit in a worker process; JSON crosses the process boundary, as in the cache."""
    return run().to_json()


def _executor(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork shares what prepare_workers built (parsers) with the workers; elsewhere the
    # platform's default start method is the safe one.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    from scaffolder.interrupt import quiet_worker

    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=quiet_worker)


def _claims(
    domains: Sequence[Domain], path: Path
) -> tuple[list[tuple[Domain, Claim]], Domain | None]:
    """Every domain's claim on ``path``, and the domain that owns it (if any does)."""
    claims = [(domain, domain.claim(path)) for domain in domains]
    strongest = max((claim for _, claim in claims), default=Claim.NONE)
    if strongest < Claim.FALLBACK:
        return claims, None
    # At equal strength the first registered domain wins, so the result is stable.
    return claims, next(domain for domain, claim in claims if claim is strongest)


class _Root:
    """One validated root: its files, who claimed them, and each domain's context."""

    def __init__(
        self, root: Path, domains: Sequence[Domain], options: Options, cache: bool
    ) -> None:
        # A file argument (pre-commit passes them) is checked within its project, so that what
        # it refers to by repository path (Spacelift project roots) is found.
        self.base = project_root(root) if root.is_file() else root
        if self.base.is_absolute():
            root = root.absolute()
        self.root = root
        self.domains = domains
        self.cache = cache
        hidden = frozenset(name for domain in domains for name in domain.hidden_files)
        regular, special = discover_all(root, hidden=hidden)
        self.files = FileSet(root, regular)
        # Not regular files: never opened, reported by the domain that would have owned them.
        self.skipped: list[Finding] = []
        for path, what in special:
            _, owner = _claims(domains, path)
            if owner is not None:
                relative = path.relative_to(self.base).as_posix()
                self.skipped.append(
                    skipped_rule(owner.prefix).at(relative, 1, 1, f"not checked: {what}")
                )
        claimed: dict[str, list[Path]] = {domain.name: [] for domain in domains}
        owned: dict[str, set[Path]] = {domain.name: set() for domain in domains}
        #: The files a domain owns, so a file given twice (`validate . infra`) counts once.
        self.checked: set[Path] = set()
        self.owners: dict[Path, Domain] = {}
        for path in self.files:
            claims, owner = _claims(domains, path)
            if owner is not None:
                owned[owner.name].add(path)
                self.checked.add(path.absolute())
                self.owners[path] = owner
            for domain, claim in claims:
                if claim is Claim.READS or (claim >= Claim.FALLBACK and domain is owner):
                    claimed[domain.name].append(path)
        self.products = Products(domain.provides for domain in domains if domain.provides)
        self.contexts = {
            domain.name: Context(
                root=root,
                base=self.base,
                files=self.files,
                claimed=tuple(claimed[domain.name]),
                owned=frozenset(owned[domain.name]),
                options=options,
                products=self.products,
                run_unit=functools.partial(self._run_cached, domain),
            )
            for domain in domains
        }
        self._rulesets = {
            domain.name: digest(
                *(f"{rule.id}:{rule.severity.value}:{rule.enabled}" for rule in rules_of(domain))
            )
            for domain in domains
        }

    def key(self, domain: Domain, unit: Unit) -> str:
        """The cache key of ``unit``: the tool, the domain's rules and every declared input."""
        from scaffolder import __version__

        anchor = unit.anchor or self.base
        parts: list[bytes | str] = [
            __version__,
            self._rulesets[domain.name],
            unit.name,
            *unit.facts,
            self.files.tree_digest() if unit.tree else "",
        ]
        for path in unit.inputs:
            try:
                name = path.relative_to(anchor).as_posix()
            except ValueError:
                name = path.as_posix()
            try:
                parts += [name, self.files.read(path)]
            except OSError as error:
                parts.append(f"unreadable:{name}:{error.errno}")
        return digest(*parts)

    def _run_cached(self, domain: Domain, unit: Unit) -> Result:
        cache = ResultCache(domain.name, enabled=self.cache)
        key = self.key(domain, unit)
        result = _lookup(cache, key, unit)
        if result is None:
            result = unit.run()
            cache.put(key, result.to_json())
        return result

    def run(self, jobs: int) -> list[Finding]:
        """Every finding of every domain for this root."""
        plans: dict[str, list[Unit]] = {}
        results: dict[str, list[Result | None]] = {}
        misses: dict[str, list[tuple[int, str]]] = {}
        caches = {
            domain.name: ResultCache(domain.name, enabled=self.cache) for domain in self.domains
        }
        for domain in self.domains:
            units = list(domain.plan(self.contexts[domain.name]))
            plans[domain.name] = units
            results[domain.name] = [None] * len(units)
            misses[domain.name] = []
            for index, unit in enumerate(units):
                key = self.key(domain, unit)
                results[domain.name][index] = _lookup(caches[domain.name], key, unit)
                if results[domain.name][index] is None:
                    misses[domain.name].append((index, key))
        in_workers = self._start_workers(plans, misses, jobs)
        try:
            with ThreadPoolExecutor(max_workers=max(1, len(self.domains))) as threads:
                running = [
                    threads.submit(
                        self._finish_domain,
                        domain,
                        plans[domain.name],
                        results[domain.name],
                        misses[domain.name],
                        caches[domain.name],
                        in_workers[1],
                    )
                    for domain in self.domains
                ]
                found = [finding for future in running for finding in future.result()]
                return [*self.skipped, *found]
        finally:
            if in_workers[0] is not None:
                in_workers[0].shutdown(cancel_futures=True)

    def _start_workers(
        self, plans: dict[str, list[Unit]], misses: dict[str, list[tuple[int, str]]], jobs: int
    ) -> tuple[ProcessPoolExecutor | None, dict[tuple[str, int], Future[dict[str, Any]]]]:
        """Submit the CPU-bound units that missed to worker processes, when that pays off."""
        work = [
            (domain, index)
            for domain in self.domains
            for index, _ in misses[domain.name]
            if plans[domain.name][index].processes
        ]
        inputs = sum(len(plans[domain.name][index].inputs) for domain, index in work)
        if jobs < 2 or len(work) < 2 or inputs < _PROCESS_THRESHOLD:
            return None, {}
        for domain in {domain.name: domain for domain, _ in work}.values():
            domain.prepare_workers()
        pool = _executor(min(jobs, len(work)))
        # Largest first, one unit at a time: a big module never starts last on a busy worker
        # (units are few, hundreds at most, so a round trip each costs little).
        weight = {
            (domain.name, index): sum(self._size(path) for path in plans[domain.name][index].inputs)
            for domain, index in work
        }
        work.sort(key=lambda item: -weight[(item[0].name, item[1])])
        submitted = {
            (domain.name, index): pool.submit(_run_json, plans[domain.name][index].run)
            for domain, index in work
        }
        return pool, submitted

    def _finish_domain(
        self,
        domain: Domain,
        units: list[Unit],
        results: list[Result | None],
        misses: list[tuple[int, str]],
        cache: ResultCache,
        in_workers: dict[tuple[str, int], Future[dict[str, Any]]],
    ) -> list[Finding]:
        try:
            for index, key in misses:
                future = in_workers.get((domain.name, index))
                try:
                    if future is not None:
                        result = Result.from_json(future.result())
                    else:
                        result = units[index].run()
                except Exception as error:
                    # A bug in one unit must not hide what the others find; it is reported,
                    # and not cached, so the next run tries again.
                    results[index] = Result((self._internal(domain, units[index], error),))
                    continue
                cache.put(key, result.to_json())
                results[index] = result
            done = [
                (unit, result)
                for unit, result in zip(units, results, strict=True)
                if result is not None
            ]
            outcome = domain.finish(self.contexts[domain.name], done)
        except BaseException as error:
            if domain.provides is not None:
                self.products.fail(domain.provides, error)
            raise
        if domain.provides is not None:
            self.products.put(domain.provides, outcome.product)
        found = [finding for unit, result in done for finding in self._placed(unit, result)]
        return [*found, *outcome.findings]

    def _internal(self, domain: Domain, unit: Unit, error: BaseException) -> Finding:
        """The internal-error finding of a unit that raised, placed like its other findings."""
        anchor = unit.anchor or self.base
        where = unit.inputs[0] if unit.inputs else anchor
        try:
            path = where.relative_to(anchor).as_posix()
        except ValueError:
            path = "."
        return internal_finding(domain.prefix, path, error)

    def _placed(self, unit: Unit, result: Result) -> Iterable[Finding]:
        """The unit's findings with paths relative to the base."""
        if unit.anchor is None or unit.anchor == self.base:
            return result.findings
        prefix = unit.anchor.relative_to(self.base)
        return (f.moved(lambda path: (prefix / path).as_posix()) for f in result.findings)

    def _size(self, path: Path) -> int:
        try:
            return len(self.files.read(path))
        except OSError:
            return 0

    def unknown_suppressions(self, registry: Registry) -> Iterator[Finding]:
        """A warning for each `scaffolder:ignore` naming a rule no domain has (a typo).

        Reported by the owning domain's suppression rule; the ids of a tool the domain runs
        (hadolint's `DL3008`) are known to it.
        """
        rules = {
            registry.domain(rule.id): rule
            for rule in registry
            if registry.family(rule.id).endswith(".suppression")
        }
        for path, owner in sorted(self.owners.items()):
            rule = rules.get(owner.name)
            if rule is None:
                continue
            try:
                text = self.files.text(path)
            except (OSError, UnicodeDecodeError):
                continue
            if "scaffolder:ignore" not in text:
                continue
            tool = re.compile(owner.tool_ids) if owner.tool_ids else None
            for number, directive in directives(text.splitlines()).items():
                for named in directive.rules:
                    if named in registry or (tool is not None and tool.fullmatch(named)):
                        continue
                    hint = registry.closest(named)
                    yield rule.at(
                        path.relative_to(self.base).as_posix(),
                        number,
                        directive.column,
                        f"`scaffolder:ignore {named}` names no rule scaffolder has"
                        + (f"; did you mean `{hint}`?" if hint else ""),
                    )

    def suppressed(self, finding: Finding) -> bool:
        """True when a ``scaffolder:ignore`` comment on the line above names the finding."""
        try:
            text = self.files.text(self.base / finding.path)
        except (OSError, UnicodeDecodeError):
            return False
        return suppressed_by_line_above(text.splitlines(), finding)


def _lookup(cache: ResultCache, key: str, unit: Unit) -> Result | None:
    """The cached result under ``key``; a malformed entry is a miss."""
    cached = cache.get(key)
    if cached is None:
        return None
    try:
        result = Result.from_json(cached)
        if unit.facts_type is not None:
            unit.facts_type(result.facts)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
        return None
    return result


def validate(
    paths: Sequence[Path | str],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    jobs: int | None = None,
    cache: bool = True,
    kubernetes_version: str | None = None,
    registry: Registry | None = None,
    domains: Sequence[Domain] | None = None,
    relative_to: Path | None = None,
) -> Report:
    """Validate every file under ``paths``.

    Args:
        paths: Files or directories (default: the current directory). A path inside another
            one given is checked once; a file is checked within its project (the git top
            level, else the directory holding ``.spacelift/``).
        select: Only these rule ids or id prefixes (default: every rule on by default).
        ignore: Not these rule ids or id prefixes.
        extend_select: These rule ids or prefixes as well as the selected or default ones.
        jobs: Worker processes for parsing (default: the number of CPUs; 1 runs in-process).
        cache: Reuse results of unchanged files from the user cache directory.
        kubernetes_version: Kubernetes minor whose schemas manifests are checked against
            (default: a current release).
        registry: The rules to know about (tests pass their own).
        domains: The domains to run (default: every domain scaffolder ships).
        relative_to: The directory finding paths are relative to (the CLI passes the current
            directory, so `path:line:col` is clickable and two roots never collide). By
            default: the one directory given (a file's project), or the current directory
            when several paths are given.

    Raises:
        UserError: A path does not exist or holds nothing to validate, a rule id is unknown,
            ``jobs`` is below 1, or an option is invalid for a domain.
    """
    from scaffolder.validation.domains import DOMAINS

    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    domains = DOMAINS if domains is None else domains
    registry = registry or Registry.from_domains(domains)
    selection = _Selection(domains, registry, select, ignore, extend_select)
    workers = jobs or os.cpu_count() or 1
    options = Options(jobs=workers, kubernetes_version=kubernetes_version or "")
    given = list(paths or ["."])
    for raw in given:
        if not Path(raw).exists():
            raise UserError(f"path `{raw}` does not exist")
    roots = distinct_roots([Path(raw) for raw in given])
    findings: set[Finding] = set()
    checked: set[Path] = set()
    for root in roots:
        validated = _Root(root, domains, options, cache)
        found = [*validated.run(workers), *validated.unknown_suppressions(registry)]
        if not validated.checked and not found:
            raise NothingToValidate(path=root, files=validated.files)
        checked |= validated.checked
        if relative_to is None and len(roots) == 1:
            relative_to = validated.base
        target = (relative_to or Path()).absolute()
        findings.update(
            _rebased(finding, validated.base, target)
            for finding in found
            if selection.wants(finding) and not validated.suppressed(finding)
        )
    return Report(findings=tuple(sorted(findings)), files=len(checked), rules=tuple(registry))


class _Selection:
    """Which findings to report: rules by id or prefix, and the ids of a domain's tool.

    `--select DL3008` reports that one id of a tool alone (under the rule that carries the tool's
    findings), `--ignore DL3008` everything but it; the domain that runs the tool says which ids
    are its tool's, and which id a finding carries.
    """

    def __init__(
        self,
        domains: Sequence[Domain],
        registry: Registry,
        select: Iterable[str] | None,
        ignore: Iterable[str] | None,
        extend_select: Iterable[str] | None,
    ) -> None:
        tools = [(domain, re.compile(domain.tool_ids)) for domain in domains if domain.tool_ids]
        self._domains = {domain.name: domain for domain in domains}
        self._registry = registry

        def split(patterns: Iterable[str] | None) -> tuple[list[str], dict[str, set[str]]]:
            plain: list[str] = []
            by_domain: dict[str, set[str]] = {}
            for pattern in patterns or ():
                owner = next((d for d, t in tools if t.fullmatch(pattern.upper())), None)
                if owner is None:
                    plain.append(pattern)
                else:
                    by_domain.setdefault(owner.name, set()).add(pattern.upper())
            return plain, by_domain

        selected, self._tool_selected = split(select)
        only_tools = bool(self._tool_selected) and not selected
        ignored, self._tool_ignored = split(ignore)
        extended, tool_extended = split(extend_select)
        for name, ids in tool_extended.items():
            self._tool_selected.setdefault(name, set()).update(ids)
        # Rules named in full, by id or prefix, report every tool id.
        self._whole = {rule for pattern in selected for rule in registry.matching(pattern)}
        self._whole |= {rule for pattern in extended for rule in registry.matching(pattern)}
        if not selected and not only_tools:
            # Without a selection every enabled rule reports all its tool's ids.
            self._whole |= {rule.id for rule in registry if rule.enabled}
        self.active = registry.active(selected, ignored, extended, nothing_by_default=only_tools)

    def wants(self, finding: Finding) -> bool:
        """True when ``finding`` is to be reported."""
        domain_name = self._registry.domain(finding.rule) if finding.rule in self._registry else ""
        domain = self._domains.get(domain_name)
        tool = domain.tool_id(finding) if domain is not None else None
        if tool is None:
            return finding.rule in self.active
        if tool in self._tool_ignored.get(domain_name, set()):
            return False
        if tool in self._tool_selected.get(domain_name, set()):
            return True
        if self._tool_selected.get(domain_name) and finding.rule not in self._whole:
            return False
        return finding.rule in self.active


class NothingToValidate(UserError):
    """A path given holds no file any domain checks: a mistyped CI path must not pass."""

    def __init__(self, *, path: Path, files: FileSet) -> None:
        self.path = path
        terragrunt = sorted(p for p in files if p.name == "terragrunt.hcl")
        if terragrunt:
            what = (
                f"{len(terragrunt)} terragrunt.hcl file(s), which are Terragrunt configuration, "
                "not Terraform (validate the modules they call)"
            )
        elif len(files):
            what = f"{len(files)} file(s), none of them one scaffolder checks"
        else:
            what = "no files"
        super().__init__(
            f"nothing to validate in `{path}`: {what}; scaffolder checks Terraform, Kubernetes "
            "manifests and kustomizations, compose files, Dockerfiles, Spacelift configuration "
            "and Rego policies"
        )


def distinct_roots(roots: Sequence[Path]) -> list[Path]:
    """``roots`` without repeats and without those inside another directory given.

    `validate . infra` checks `infra` once; `validate main.tf .` checks `main.tf` with the rest.
    """
    resolved = [(root, root.resolve()) for root in roots]
    directories = [real for _, real in resolved if real.is_dir()]
    kept: list[Path] = []
    seen: set[Path] = set()
    for root, real in resolved:
        if real in seen:
            continue
        if any(real != other and real.is_relative_to(other) for other in directories):
            continue
        seen.add(real)
        kept.append(root)
    return kept


def _rebased(finding: Finding, base: Path, target: Path) -> Finding:
    """``finding`` with its path relative to ``target`` instead of ``base``."""
    return finding.moved(
        lambda path: Path(os.path.relpath(base.absolute() / path, target)).as_posix()
    )
