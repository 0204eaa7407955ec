"""config.yml and the management Terraform configure the same stacks."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.spacelift.repository import Repository

W = Severity.WARNING
NOT_IN_CONFIG = Rule(
    "SL105", "stack-without-config", W, "A stack created here has no entry in config.yml."
)
CONFIG_WITHOUT_STACK = Rule(
    "SL106", "config-without-stack", W, "config.yml configures a stack that is not created here."
)
RULES = (NOT_IN_CONFIG, CONFIG_WITHOUT_STACK)


def check(repo: Repository) -> Iterator[Finding]:
    """SL105 and SL106 for every management configuration, when there is a config.yml."""
    config = repo.config
    # Without a `stacks` section, config.yml configures no stack by slug: the stacks' settings
    # come from their Terraform (or `stack_defaults`), and there is nothing to cover.
    if config is None or "stacks" not in config.data:
        return
    for management in repo.managements:
        declared = {stack.slug: stack for stack in management.wiring.stacks.values()}
        for slug, stack in declared.items():
            if slug not in config.stacks:
                yield repo.finding(
                    NOT_IN_CONFIG,
                    stack.file,
                    stack.line,
                    stack.column,
                    f"stack `{slug}` has no entry under `stacks` in .spacelift/config.yml",
                )
        management_root = management.directory.resolve().relative_to(repo.root.resolve())
        for slug, settings in config.stacks.items():
            root = str(settings.get("project_root", "")).strip("/")
            if slug not in declared and root != management_root.as_posix():
                yield repo.finding(
                    CONFIG_WITHOUT_STACK,
                    config.path,
                    *config.locate("stacks", slug),
                    f"config.yml configures `{slug}`, which no spacelift_stack here creates",
                )
