"""Stack dependencies: both ends are declared stacks, and they form no cycle."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.spacelift.repository import Management, Repository
from scaffolder.validation.spacelift.wiring import resolve

E = Severity.ERROR
UNKNOWN_STACK = Rule(
    "SL101", "dependency-unknown-stack", E, "A stack dependency names a stack that is not declared."
)
CYCLE = Rule("SL102", "dependency-cycle", E, "Stack dependencies form a cycle.")
RULES = (UNKNOWN_STACK, CYCLE)


def check(repo: Repository) -> Iterator[Finding]:
    """SL101 and SL102 for every management configuration of the repository."""
    for management in repo.managements:
        yield from _check(repo, management)


def _check(repo: Repository, management: Management) -> Iterator[Finding]:
    wiring = management.wiring
    edges: dict[str, set[str]] = {}
    for dependency in wiring.dependencies.values():
        ends = []
        for role, address in (
            ("stack_id", dependency.child),
            ("depends_on_stack_id", dependency.parent),
        ):
            stack = resolve(wiring, address)
            if stack is None and address and address.startswith(("slug:", "spacelift_stack.")):
                shown = address.removeprefix("slug:")
                line, column = dependency.positions.get(role, (dependency.line, dependency.column))
                yield repo.finding(
                    UNKNOWN_STACK,
                    dependency.file,
                    line,
                    column,
                    f"`{dependency.address}` {role} names `{shown}`, which no spacelift_stack "
                    "here declares",
                )
            ends.append(stack)
        child, parent = ends
        if child is not None and parent is not None:
            edges.setdefault(parent.slug, set()).add(child.slug)
    yield from _cycles(repo, management, edges)


def _cycles(
    repo: Repository, management: Management, edges: dict[str, set[str]]
) -> Iterator[Finding]:
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, trail: list[str]) -> Iterator[list[str]]:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                yield [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
            elif nxt not in state:
                yield from visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start in state:
            continue
        for cycle in visit(start, [start]):
            if frozenset(cycle) in reported:
                continue
            reported.add(frozenset(cycle))
            stack = next(s for s in management.wiring.stacks.values() if s.slug == cycle[0])
            yield repo.finding(
                CYCLE,
                stack.file,
                stack.line,
                stack.column,
                "stack dependencies form a cycle: " + " → ".join(f"`{s}`" for s in cycle),
            )
