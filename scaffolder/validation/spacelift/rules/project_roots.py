"""Stack project roots: they exist, and config.yml and the stack's Terraform agree on them."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.files import is_dir
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.spacelift.repository import Repository

E = Severity.ERROR
PROJECT_ROOT = Rule(
    "SL004",
    "project-root-missing",
    E,
    "A stack's `project_root` (config.yml or spacelift_stack) does not exist.",
)
ROOT_MISMATCH = Rule(
    "SL108",
    "project-root-mismatch",
    E,
    "config.yml and the stack's Terraform give a stack different project roots.",
)
RULES = (PROJECT_ROOT, ROOT_MISMATCH)


def check(repo: Repository) -> Iterator[Finding]:
    """SL004 for config.yml and every declared stack; SL108 where the two disagree.

    A stack whose `repository` names another repository has its project root there.
    """
    config = repo.config
    if config is not None:
        for steps, settings in config.sections():
            value = settings.get("project_root") if isinstance(settings, dict) else None
            if isinstance(value, str) and not is_dir(repo.root / value.strip("/")):
                where = ".".join(str(step) for step in steps)
                yield repo.finding(
                    PROJECT_ROOT,
                    config.path,
                    *config.locate(*steps, "project_root"),
                    f"`{where}.project_root` `{value}` is not a directory of the repository",
                )
    for management in repo.managements:
        for stack in management.wiring.stacks.values():
            if not repo.holds(stack):
                continue
            if not is_dir(repo.root / stack.project_root):
                line, column = stack.root_at or (stack.line, stack.column)
                yield repo.finding(
                    PROJECT_ROOT,
                    stack.file,
                    line,
                    column,
                    f"stack `{stack.slug}` project_root `{stack.project_root}` is not a "
                    "directory of the repository",
                )
            settings = config.stacks.get(stack.slug) if config is not None else None
            configured = settings.get("project_root") if settings else None
            if (
                config is not None
                and isinstance(configured, str)
                and configured.strip("/") != stack.project_root
            ):
                yield repo.finding(
                    ROOT_MISMATCH,
                    config.path,
                    *config.locate("stacks", stack.slug, "project_root"),
                    f"`{stack.slug}` has project_root `{configured}` here but "
                    f"`{stack.project_root}` in {repo.context.relative(stack.file)}",
                )
