"""The contract between the engine and a validation domain.

A domain (Terraform, Kubernetes, compose, …) is a package under ``scaffolder/validation/`` that
exports one object following :class:`Domain`. The engine asks each domain which discovered files
it claims, lets it plan its work as :class:`Unit` s (the unit of caching and of parallelism),
runs the units whose result is not cached, and hands the results back to the domain's
``finish``, which may publish a *product* that later domains read (the Terraform index is
one). The engine names no domain: everything it needs to know, a domain declares here.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from scaffolder.validation.model import Citations, Finding, Rule, Severity

if TYPE_CHECKING:
    from scaffolder.validation.files import FileSet

T = TypeVar("T")


#: Seconds an external tool (kubectl, hadolint) may take on one invocation before it is
#: stopped and the timeout reported as a finding.
TOOL_TIMEOUT = 60.0


class Claim(enum.IntEnum):
    """How strongly a domain wants a file; the strongest owner gets it."""

    NONE = 0
    #: The domain reads the file for cross-file checks but reports nothing about its format.
    READS = 1
    #: The domain owns the file unless another domain owns it by name (any ``*.yaml``).
    FALLBACK = 2
    #: The domain owns the file by its name (``*.tf``, ``compose.yaml``, ``Dockerfile``).
    OWNS = 3


@dataclass(frozen=True, slots=True)
class Options:
    """Run-wide settings every domain may read; part of every cache key."""

    jobs: int
    kubernetes_version: str


@dataclass(frozen=True, slots=True)
class Result:
    """What one unit found: findings plus JSON-ready facts its domain's ``finish`` reads."""

    findings: tuple[Finding, ...] = ()
    facts: Any = None

    def to_json(self) -> dict[str, Any]:
        """The cache's storage form."""
        return {"findings": [finding.to_row() for finding in self.findings], "facts": self.facts}

    @classmethod
    def from_json(cls, data: Any) -> Result:
        """Inverse of :meth:`to_json`; raises TypeError, KeyError or ValueError when malformed."""
        if not isinstance(data, dict) or not isinstance(data["findings"], list):
            raise TypeError("a cached result is an object with a list of findings")
        return cls(tuple(Finding.from_row(row) for row in data["findings"]), data.get("facts"))


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of a domain's work, cached as a whole.

    The cache key is built from everything listed here, so a unit lists every input its
    ``run`` reads: the files (by path relative to ``anchor`` and by content), any other fact
    (tool versions, options, environment), and with ``tree`` the set of paths under the root
    (for checks that ask whether a file exists).
    """

    name: str
    run: Callable[[], Result]
    inputs: tuple[Path, ...] = ()
    facts: tuple[str, ...] = ()
    tree: bool = False
    #: Directory the inputs' names in the key, and the paths of the findings, are relative to
    #: (default: the base). A unit whose result does not depend on where its files sit
    #: anchors them at their own directory, so copies of a module share one cache entry; the
    #: engine makes its findings relative to the base.
    anchor: Path | None = None
    #: Pure-Python and CPU-bound: ``run`` is picklable and may go to a worker process.
    processes: bool = False
    #: Reads the facts of a result (``finish`` calls it too); raising KeyError, TypeError or
    #: ValueError on a cached result's facts makes the entry a miss.
    facts_type: Callable[[Any], object] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a domain reports once its units are done: more findings and its product."""

    findings: tuple[Finding, ...] = ()
    product: object | None = None


class Products:
    """Products of the domains of one run; reading one waits until its domain has finished."""

    def __init__(self, kinds: Iterable[type]) -> None:
        self._futures: dict[type, Future[object]] = {kind: Future() for kind in kinds}

    def get(self, kind: type[T]) -> T:
        """The product of type ``kind``; raises KeyError when no domain of the run provides it."""
        value = self._futures[kind].result()
        if not isinstance(value, kind):
            raise TypeError(f"the product for {kind.__name__} is a {type(value).__name__}")
        return value

    def put(self, kind: type, value: object) -> None:
        """Publish ``value`` as the product ``kind``."""
        self._futures[kind].set_result(value)

    def fail(self, kind: type, error: BaseException) -> None:
        """The domain providing ``kind`` failed: whoever waits for it gets the error."""
        if not self._futures[kind].done():
            self._futures[kind].set_exception(error)


@dataclass(frozen=True)
class Context:
    """What one domain sees of one validated root."""

    root: Path
    #: Finding paths are relative to this directory.
    base: Path
    files: FileSet
    #: The files this domain claimed (owned or read), sorted.
    claimed: tuple[Path, ...]
    #: Of those, the ones it owns (it reports on their format).
    owned: frozenset[Path]
    options: Options
    products: Products
    #: Runs one more unit through the cache (for inputs found while finishing).
    run_unit: Callable[[Unit], Result] = field(repr=False)

    def relative(self, path: Path) -> str:
        """``path`` as it appears in findings."""
        return path.relative_to(self.base).as_posix()

    def finding(self, rule: Rule, path: Path, line: int, column: int, message: str) -> Finding:
        """A finding of ``rule`` in ``path``."""
        return rule.at(self.relative(path), line, column, message)


class Domain(Protocol):
    """A validation domain, as the engine runs it."""

    @property
    def name(self) -> str:
        """Lower-case name (``terraform``); the cache namespace."""

    @property
    def prefix(self) -> str:
        """Rule id prefix every rule of the domain carries (``TF``)."""

    @property
    def families(self) -> Sequence[ModuleType]:
        """The rule families: modules that each define ``RULES`` and those rules' checks."""

    @property
    def hidden_files(self) -> frozenset[str]:
        """Files in hidden directories discovery must include, relative to their directory."""

    @property
    def needs(self) -> tuple[type, ...]:
        """Types of the products of other domains this domain reads while running."""

    @property
    def provides(self) -> type | None:
        """Type of the product this domain publishes, if any."""

    def claim(self, path: Path) -> Claim:
        """How much this domain wants ``path``."""

    def plan(self, context: Context) -> Sequence[Unit]:
        """The units of work over ``context.claimed``.

        Cheap: it reads files for the keys, and parses at most small files that name other
        inputs (a kustomization, a compose file).
        """

    def prepare_workers(self) -> None:
        """Get ready for worker processes forked right after this call (build parsers)."""

    def finish(self, context: Context, done: Sequence[tuple[Unit, Result]]) -> Outcome:
        """Findings across units, and the product; ``done`` is in ``plan`` order."""

    @property
    def tool_ids(self) -> str:
        """A pattern of the rule ids of a tool the domain runs (hadolint's `DL3008`), or ""."""

    def tool_id(self, finding: Finding) -> str | None:
        """The tool's rule id ``finding`` reports, when it reports one."""


@functools.lru_cache(maxsize=32)
def internal_rule(prefix: str) -> Rule:
    """``<PREFIX>000``: a check of the domain failed; every domain has one, made here."""
    return Rule(
        f"{prefix}000",
        "internal-error",
        Severity.ERROR,
        "A check failed with an internal error; the other files were still checked.",
    )


@functools.lru_cache(maxsize=32)
def skipped_rule(prefix: str) -> Rule:
    """``<PREFIX>999``: a file the domain would check is not a regular file and was skipped."""
    return Rule(
        f"{prefix}999",
        "not-a-regular-file",
        Severity.INFO,
        "A FIFO, device, socket or dangling link has a name the domain checks; it was skipped.",
    )


def internal_finding(prefix: str, path: str, error: BaseException) -> Finding:
    """The finding that stands for a check that raised ``error`` on ``path``."""
    text = str(error).splitlines()[0][:300] if str(error) else ""
    return internal_rule(prefix).at(
        path,
        1,
        1,
        f"internal error while checking this file: {type(error).__name__}"
        + (f": {text}" if text else "")
        + " (a bug in scaffolder: please report it)",
    )


def run_families(families: Iterable[ModuleType], views: Iterable[object], *, prefix: str) -> Result:
    """Every family's ``check`` over every view, as one unit's result.

    Within a domain every family checks the same kind of view (a module, a compose file, an
    object set), so a domain's entry point is its views and this call. A family that raises on
    a view becomes one internal-error finding at the view's ``location``; the other families
    and views are still checked.
    """
    families = list(families)
    findings: list[Finding] = []
    for view in views:
        # A view whose checks name other places keeps them in `citations`.
        citations = getattr(view, "citations", None)
        for family in families:
            try:
                found = list(family.check(view))
                if isinstance(citations, Citations):
                    found = [citations.attach(finding) for finding in found]
                findings.extend(found)
            except Exception as error:
                # A bug in one check must not hide what the others find.
                place = str(getattr(view, "location", "."))
                findings.append(internal_finding(prefix, place, error))
    return Result(tuple(findings))


def rules_of(domain: Domain) -> tuple[Rule, ...]:
    """Every rule of ``domain``, in family order."""
    return tuple(rule for family in domain.families for rule in family.RULES)


class BaseDomain:
    """Defaults for the optional parts of :class:`Domain`."""

    hidden_files: frozenset[str] = frozenset()
    needs: tuple[type, ...] = ()
    provides: type | None = None

    def prepare_workers(self) -> None:
        """Nothing to prepare."""

    def finish(self, context: Context, done: Sequence[tuple[Unit, Result]]) -> Outcome:
        """The units' findings are all there is."""
        return Outcome()

    #: No tool of its own with rule ids.
    tool_ids: str = ""

    def tool_id(self, finding: Finding) -> str | None:
        """No finding carries a tool's rule id."""
        return None
