"""Spacelift domain: `.spacelift/config.yml` and the stack wiring the management Terraform declares.

A repository (the directory holding `.spacelift/`, or the parent of the management Terraform)
is one :class:`Repository` view; every rule family checks it. Stack interfaces come from the
Terraform domain's index, so project roots are not parsed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families
from scaffolder.validation.spacelift.config import (
    CONFIG_NAMES,
    Config,
    ConfigError,
    config_file,
    is_config,
    load_config,
)
from scaffolder.validation.spacelift.repository import Management, Repository
from scaffolder.validation.spacelift.rules import FAMILIES
from scaffolder.validation.spacelift.wiring import (
    declares_stacks,
    management_directories,
    read_wiring,
    repository_root,
)
from scaffolder.validation.terraform import TerraformIndex, is_terraform


def repositories(context: Context) -> list[Repository]:
    """Every repository under the root that has a config.yml or management Terraform."""
    files = context.files
    configs: dict[Path, Path | None] = {}
    managements: dict[Path, list[Management]] = {}
    for path in context.owned:
        configs[path.parent.parent] = path
    terraform = [path for path in context.claimed if is_terraform(path)]
    for directory in management_directories(files, terraform):
        root = repository_root(directory, context.base)
        configs.setdefault(root, config_file(root))
        managements.setdefault(root, []).append(
            Management(directory, read_wiring(files, directory))
        )
    found = []
    for root, config_path in sorted(configs.items(), key=lambda item: str(item[0])):
        loaded = load_config(files, config_path) if config_path else None
        found.append(
            Repository(
                root=root,
                config=loaded if isinstance(loaded, Config) else None,
                config_error=loaded if isinstance(loaded, ConfigError) else None,
                managements=tuple(managements.get(root, [])),
                context=context,
            )
        )
    return found


def check(context: Context) -> Result:
    """Every Spacelift rule over every repository under the root."""
    return run_families(FAMILIES, repositories(context), prefix="SL")


class SpaceliftDomain(BaseDomain):
    """Spacelift runtime configuration and stack wiring."""

    name = "spacelift"
    prefix = "SL"
    families = FAMILIES
    hidden_files = frozenset(f".spacelift/{name}" for name in CONFIG_NAMES)
    needs = (TerraformIndex,)

    def claim(self, path: Path) -> Claim:
        """config.yml is ours; the Terraform is read for the stacks it declares."""
        if is_config(path):
            return Claim.OWNS
        # Rego files are read for the plan values their policies compare (SL109).
        return Claim.READS if is_terraform(path) or path.suffix == ".rego" else Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """One unit for the whole root, when there is Spacelift configuration at all.

        The key holds every Terraform file (stack interfaces are in them) and which paths
        exist (project roots).
        """
        if not context.owned and not any(
            declares_stacks(context.files, path) for path in context.claimed
        ):
            return []
        return [
            Unit(
                name="spacelift",
                run=lambda: check(context),
                inputs=context.claimed,
                # A stack's literal `repository` is compared with the repository's directory
                # name, which the tree (names relative to the base) does not hold.
                facts=(context.base.resolve().name,),
                tree=True,
            )
        ]
