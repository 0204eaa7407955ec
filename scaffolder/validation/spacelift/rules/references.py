"""Dependency references: the parent has the output, the child uses the input."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.spacelift.repository import Repository
from scaffolder.validation.spacelift.wiring import resolve

E = Severity.ERROR
UNKNOWN_OUTPUT = Rule(
    "SL103", "reference-unknown-output", E, "A reference reads an output the parent stack lacks."
)
UNKNOWN_INPUT = Rule(
    "SL104", "reference-unknown-input", E, "A reference sets an input the child stack does not use."
)
KUBERNETES_PARENT = Rule(
    "SL107", "kubernetes-stack-parent", E, "A Kubernetes stack is the parent of references."
)
RULES = (UNKNOWN_OUTPUT, UNKNOWN_INPUT, KUBERNETES_PARENT)


def check(repo: Repository) -> Iterator[Finding]:
    """SL103, SL104 and SL107 for every reference of every dependency."""
    config = repo.config
    for management in repo.managements:
        wiring = management.wiring
        for dependency in wiring.dependencies.values():
            child = resolve(wiring, dependency.child)
            parent = resolve(wiring, dependency.parent)
            if child is None or parent is None or not dependency.references:
                continue
            parent_interface = repo.interface(parent.project_root)
            child_interface = repo.interface(child.project_root)
            child_hooks = config.hooks(child.slug) if config else None
            for reference in dependency.references:
                output, input_name, path = reference.output, reference.input, reference.file
                if parent.kubernetes:
                    yield repo.finding(
                        KUBERNETES_PARENT,
                        path,
                        *reference.output_at,
                        f"`{parent.slug}` is a Kubernetes stack: it has no output `{output}` to "
                        "pass on",
                    )
                elif parent_interface is not None and output not in parent_interface.outputs:
                    yield repo.finding(
                        UNKNOWN_OUTPUT,
                        path,
                        *reference.output_at,
                        f"`{parent.slug}` has no output `{output}` in "
                        f"`{parent.project_root or '.'}`",
                    )
                used_by_hook = child_hooks is not None and re.search(
                    r"\$\{?" + re.escape(input_name) + r"\b", child_hooks
                )
                if input_name.startswith("TF_VAR_") and not child.kubernetes:
                    variable = input_name[len("TF_VAR_") :]
                    if (
                        child_interface is not None
                        and variable not in child_interface.variables
                        and not used_by_hook
                    ):
                        yield repo.finding(
                            UNKNOWN_INPUT,
                            path,
                            *reference.input_at,
                            f"`{child.slug}` has no variable `{variable}` for input `{input_name}`",
                        )
                elif child_hooks is not None and not used_by_hook:
                    yield repo.finding(
                        UNKNOWN_INPUT,
                        path,
                        *reference.input_at,
                        f"input `{input_name}` of `{child.slug}` is used by none of its hooks "
                        "in .spacelift/config.yml",
                    )
