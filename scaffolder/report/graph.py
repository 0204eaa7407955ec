"""Renderers of the Spacelift stack graph: Mermaid, Graphviz dot and JSON."""

from __future__ import annotations

import json
import re

from scaffolder.validation.spacelift.graph import Graph


def to_dict(graph: Graph) -> dict[str, object]:
    """The graph as a JSON-ready object."""
    return {
        "stacks": [
            {"slug": slug, "project_root": root, "kind": kind} for slug, root, kind in graph.stacks
        ],
        "dependencies": [
            {
                "parent": parent,
                "child": child,
                "references": [{"output": out, "input": inp} for out, inp in refs],
            }
            for parent, child, refs in graph.edges
        ],
    }


def render_json(graph: Graph) -> str:
    """The graph as indented JSON text."""
    return json.dumps(to_dict(graph), indent=2) + "\n"


def _node(slug: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", slug)


def render_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: parents on the left, references on the edges."""
    lines = ["flowchart LR"]
    for slug, root, kind in graph.stacks:
        lines.append(f'    {_node(slug)}["{slug}<br/>{kind}: {root}"]')
    for parent, child, refs in graph.edges:
        label = "<br/>".join(f"{out} → {inp}" for out, inp in refs)
        arrow = f'-->|"{label}"|' if label else "-->"
        lines.append(f"    {_node(parent)} {arrow} {_node(child)}")
    return "\n".join(lines) + "\n"


def render_dot(graph: Graph) -> str:
    """A Graphviz digraph."""
    lines = ["digraph stacks {", "  rankdir=LR;", "  node [shape=box];"]
    for slug, root, kind in graph.stacks:
        lines.append(f'  "{slug}" [label="{slug}\\n{kind}: {root}"];')
    for parent, child, refs in graph.edges:
        label = "\\n".join(f"{out} → {inp}" for out, inp in refs)
        lines.append(f'  "{parent}" -> "{child}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
