"""What the Terraform domain found, for the domains that run after it.

:class:`TerraformIndex` is the Terraform domain's product: every module's interface (variables
and outputs), keyed by its resolved directory, and the run's :class:`FileSet`, from which any
Terraform file's bytes come without reading the disk again. The Spacelift domain reads stack
interfaces from it instead of parsing project roots again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.validation.files import FileSet, is_dir


@dataclass(frozen=True, slots=True)
class ModuleCall:
    """A local module call: what the caller passes and which outputs it reads."""

    file: str
    name: str
    source: str
    line: int
    column: int
    arguments: Mapping[str, tuple[int, int]]
    outputs: tuple[tuple[str, str, int, int], ...]

    def to_json(self) -> list[Any]:
        """A JSON-ready row."""
        arguments = {name: list(place) for name, place in self.arguments.items()}
        return [self.file, self.name, self.source, self.line, self.column, arguments, self.outputs]

    @classmethod
    def from_json(cls, row: list[Any]) -> ModuleCall:
        """Inverse of :meth:`to_json`."""
        file, name, source, line, column, arguments, outputs = row
        return cls(
            str(file),
            str(name),
            str(source),
            int(line),
            int(column),
            {str(k): (int(v[0]), int(v[1])) for k, v in arguments.items()},
            tuple((str(a), str(b), int(c), int(d)) for a, b, c, d in outputs),
        )


@dataclass(frozen=True, slots=True)
class ModuleInterface:
    """A module as its callers see it."""

    #: Input variable -> whether it is required (has no default).
    variables: Mapping[str, bool]
    outputs: frozenset[str]
    #: Local module calls the module makes.
    calls: tuple[ModuleCall, ...] = ()
    #: False when a file could not be parsed: the interface may lack declarations.
    complete: bool = True

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready object (a cached unit's facts)."""
        return {
            "variables": dict(self.variables),
            "outputs": sorted(self.outputs),
            "calls": [call.to_json() for call in self.calls],
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, data: Any) -> ModuleInterface:
        """Inverse of :meth:`to_json`; raises KeyError, TypeError or ValueError when malformed."""
        return cls(
            variables={str(k): bool(v) for k, v in data["variables"].items()},
            outputs=frozenset(str(name) for name in data["outputs"]),
            calls=tuple(ModuleCall.from_json(row) for row in data["calls"]),
            complete=bool(data["complete"]),
        )


def module_key(directory: Path) -> Path:
    """How the index keys a module: its resolved directory."""
    return directory.resolve()


@dataclass(frozen=True, slots=True)
class TerraformIndex:
    """Every module the Terraform domain analysed, and the files it read them from."""

    modules: Mapping[Path, ModuleInterface]
    files: FileSet

    def module(self, directory: Path) -> ModuleInterface | None:
        """The interface of the module in ``directory``, when the domain analysed it."""
        return self.modules.get(module_key(directory))

    def interface(self, directory: Path) -> ModuleInterface | None:
        """The module in ``directory``, read now when the domain did not (outside the root).

        None when the directory holds no Terraform. Only declarations are read: a module
        outside the validated paths is not checked, just looked at.
        """
        try:
            known = self.module(directory)
        except (OSError, ValueError, RuntimeError):
            return None  # a project root no directory can have (too long, a NUL byte)
        if known is not None:
            return known
        from scaffolder.validation.terraform.hcl import HclSyntaxError, parse

        paths = sorted(directory.glob("*.tf")) if is_dir(directory) else []
        if not paths:
            return None
        outputs: set[str] = set()
        variables: dict[str, bool] = {}
        for path in paths:
            try:
                hcl = parse(self.files.text(path), path.name)
            except (HclSyntaxError, OSError, UnicodeDecodeError):
                return ModuleInterface(variables, frozenset(outputs), complete=False)
            outputs.update(block.label(0) for block in hcl.blocks("output"))
            variables.update(
                (block.label(0), "default" not in block.attributes)
                for block in hcl.blocks("variable")
            )
        return ModuleInterface(variables, frozenset(outputs))
