"""The Spacelift rule families, one module each, every one a check over a :class:`Repository`."""

from __future__ import annotations

from scaffolder.validation.spacelift.rules import (
    config,
    coverage,
    dependencies,
    policies,
    project_roots,
    references,
)

FAMILIES = (config, project_roots, dependencies, references, coverage, policies)
