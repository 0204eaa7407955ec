"""What the Spacelift rules see: one repository's config.yml and its management Terraform."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scaffolder.validation.domain import Context
from scaffolder.validation.model import Citations, Finding, Rule
from scaffolder.validation.spacelift.config import Config, ConfigError
from scaffolder.validation.spacelift.wiring import Stack, Wiring
from scaffolder.validation.terraform import ModuleInterface, TerraformIndex


@dataclass(frozen=True)
class Management:
    """One directory of management Terraform and the wiring it declares."""

    directory: Path
    wiring: Wiring


@dataclass(frozen=True)
class Repository:
    """A repository root (the directory holding `.spacelift/`), as the rules see it."""

    root: Path
    config: Config | None
    config_error: ConfigError | None
    managements: tuple[Management, ...]
    context: Context
    #: The other places findings name, which become their related locations.
    citations: Citations = field(default_factory=Citations, compare=False, repr=False)

    @property
    def location(self) -> str:
        """config.yml, or the first management directory, as findings name it."""
        if self.config is not None:
            return self.context.relative(self.config.path)
        if self.managements:
            return self.context.relative(self.managements[0].directory)
        return self.context.relative(self.root)

    def holds(self, stack: Stack) -> bool:
        """False when the stack's `repository` is a literal name other than this one's.

        The repository is known by its directory name (a clone's default) and by the stacks its
        config.yml configures; an expression (`var.repository`) is taken to name this one.
        """
        if stack.repository is None:
            return True
        if self.config is not None and stack.slug in self.config.stacks:
            return True
        name = stack.repository.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        return name == self.root.resolve().name

    def where(self, path: Path, line: int) -> str:
        """`path:line` for a message naming another place."""
        return self.citations.cite(self.context.relative(path), line)

    def finding(self, rule: Rule, path: Path, line: int, column: int, message: str) -> Finding:
        """A finding of ``rule`` in ``path``."""
        return self.context.finding(rule, path, line, column, message)

    def interface(self, project_root: str) -> ModuleInterface | None:
        """Variables and outputs of a stack's Terraform, when it has any and all of it parsed.

        Read from the Terraform domain's index (a directory outside the validated paths is
        read there on demand).
        """
        index = self.context.products.get(TerraformIndex)
        interface = index.interface(self.root / project_root)
        return interface if interface is not None and interface.complete else None
