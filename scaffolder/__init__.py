"""scaffolder: generate Docker, GKE and EKS projects from cookiecutter templates and validate them.

The public API is imported lazily so that ``scaffolder --help`` does not pay for cookiecutter,
jinja2 or the validators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "__version__",
    "apply_update",
    "apply_updates",
    "check_project",
    "generate",
    "list_templates",
    "plan_update",
    "update",
    "validate",
]

if TYPE_CHECKING:
    from scaffolder.generation import generate
    from scaffolder.templates import list_templates
    from scaffolder.update import (
        apply_update,
        apply_updates,
        check_project,
        plan_update,
        update,
    )
    from scaffolder.validation import validate


def __getattr__(name: str) -> Any:
    if name == "generate":
        from scaffolder.generation import generate

        return generate
    if name == "list_templates":
        from scaffolder.templates import list_templates

        return list_templates
    if name == "validate":
        from scaffolder.validation import validate

        return validate
    if name in {"apply_update", "apply_updates", "check_project", "plan_update", "update"}:
        from scaffolder import update as update_module

        return getattr(update_module, name)
    raise AttributeError(f"module 'scaffolder' has no attribute {name!r}")
