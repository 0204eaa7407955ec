"""The adapter for `.spacelift/config.yml`: its settings, with positions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.validation.files import FileSet

HOOKS = frozenset(
    {
        f"{when}_{phase}"
        for when in ("before", "after")
        for phase in ("init", "plan", "apply", "destroy", "perform")
    }
    | {"after_run"}
)
#: Stack settings of config.yml (docs.spacelift.io/concepts/configuration/runtime-configuration):
#: `opentofu_version` applies when `terraform_workflow_tool` is `OPEN_TOFU`, `terraform_version`
#: to Terraform.
STACK_KEYS = frozenset(
    {
        *HOOKS,
        "environment",
        "git_sparse_checkout_paths",
        "opentofu_version",
        "project_root",
        "runner_image",
        "terraform_version",
        "terraform_workflow_tool",
        "terraform_workspace",
        "terragrunt",
    }
)
#: Settings whose value is a list of strings, and those that are a mapping.
LIST_KEYS = HOOKS | {"git_sparse_checkout_paths"}
MAPPING_KEYS = frozenset({"environment", "terragrunt"})
TOP_KEYS = frozenset(
    {"version", "stack_defaults", "stacks", "module_version", "test_defaults", "tests"}
)
CONFIG_NAMES = ("config.yml", "config.yaml")


def is_config(path: Path) -> bool:
    """A Spacelift runtime configuration file."""
    return path.parent.name == ".spacelift" and path.name in CONFIG_NAMES


def config_file(repo_root: Path) -> Path | None:
    """The config.yml of the repository at ``repo_root``, when it has one."""
    return next(
        (path for name in CONFIG_NAMES if (path := repo_root / ".spacelift" / name).is_file()),
        None,
    )


@dataclass(frozen=True)
class ConfigError:
    """config.yml cannot be read as a mapping."""

    path: Path
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Config:
    """A parsed config.yml, with positions."""

    path: Path
    data: dict[Any, Any]
    document: Any

    @property
    def stacks(self) -> dict[str, dict[str, object]]:
        """Stack slug -> settings, for the stacks whose settings are a mapping."""
        stacks = self.data.get("stacks")
        if not isinstance(stacks, dict):
            return {}
        return {str(k): v for k, v in stacks.items() if isinstance(v, dict)}

    @property
    def defaults(self) -> dict[str, object]:
        """``stack_defaults``, when it is a mapping."""
        defaults = self.data.get("stack_defaults")
        return defaults if isinstance(defaults, dict) else {}

    def locate(self, *steps: str | int) -> tuple[int, int]:
        """Line and column of the value at ``steps``."""
        line, column = self.document.locate(list(steps))
        return int(line), int(column)

    def sections(self) -> Iterator[tuple[tuple[str | int, ...], object]]:
        """``stack_defaults`` and each stack's settings, with the key path to each."""
        yield ("stack_defaults",), self.data.get("stack_defaults")
        stacks = self.data.get("stacks")
        if isinstance(stacks, dict):
            for slug, settings in stacks.items():
                yield ("stacks", slug), settings

    def hooks(self, slug: str) -> str:
        """Every hook command that runs for stack ``slug``, as one text."""
        commands: list[str] = []
        for settings in (self.defaults, self.stacks.get(slug) or {}):
            for key in sorted(HOOKS):
                value = settings.get(key) if isinstance(settings, dict) else None
                if isinstance(value, list):
                    commands.extend(str(item) for item in value)
        return "\n".join(commands)


def load_config(files: FileSet, path: Path) -> Config | ConfigError:
    """The config.yml at ``path``, or why it cannot be read."""
    from scaffolder.validation.yamlpos import YamlSyntaxError

    try:
        documents = files.yaml(path)
    except YamlSyntaxError as error:
        return ConfigError(path, error.line, error.column, f"invalid YAML: {error.message}")
    except (OSError, UnicodeDecodeError) as error:
        return ConfigError(path, 1, 1, f"cannot read: {error}")
    if not documents:
        # An empty config.yml is valid: Spacelift reads it as no settings at all.
        return Config(path, {}, _Empty())
    if not isinstance(documents[0].data, dict):
        return ConfigError(path, 1, 1, "config.yml must be a mapping")
    return Config(path, documents[0].data, documents[0])


class _Empty:
    """The document of an empty config.yml: everything is at its top."""

    def locate(self, path: list[str | int]) -> tuple[int, int]:
        return 1, 1
