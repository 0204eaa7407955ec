"""The Spacelift stack graph the management Terraform declares (`scaffolder graph`).

Renderers (mermaid, dot, JSON) are in :mod:`scaffolder.report.graph`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffolder.validation.files import FileSet, discover
from scaffolder.validation.spacelift.wiring import management_directories, read_wiring, resolve


@dataclass(frozen=True, slots=True)
class Graph:
    """The stack graph: stacks, and who feeds whom with which outputs."""

    #: (slug, project root, "terraform" or "kubernetes")
    stacks: tuple[tuple[str, str, str], ...]
    #: (parent, child, ((output, input), …))
    edges: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]


def build_graph(root: Path) -> Graph:
    """The Spacelift stack graph declared by the management Terraform under ``root``."""
    files = FileSet(root, [path for path in discover(root) if path.suffix == ".tf"])
    stacks: dict[str, tuple[str, str, str]] = {}
    edges = []
    for directory in management_directories(files, files):
        wiring = read_wiring(files, directory)
        for stack in wiring.stacks.values():
            kind = "kubernetes" if stack.kubernetes else "terraform"
            stacks[stack.slug] = (stack.slug, stack.project_root or ".", kind)
        for dependency in wiring.dependencies.values():
            child = resolve(wiring, dependency.child)
            parent = resolve(wiring, dependency.parent)
            if child and parent:
                refs = tuple(sorted((ref.output, ref.input) for ref in dependency.references))
                edges.append((parent.slug, child.slug, refs))
    return Graph(tuple(sorted(stacks.values())), tuple(sorted(edges)))
