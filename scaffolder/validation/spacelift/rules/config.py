"""`.spacelift/config.yml`: a YAML mapping of known keys with values of the right type."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.spacelift.config import (
    HOOKS,
    LIST_KEYS,
    MAPPING_KEYS,
    STACK_KEYS,
    TOP_KEYS,
)
from scaffolder.validation.spacelift.repository import Repository

E = Severity.ERROR
CONFIG_SYNTAX = Rule("SL001", "config-syntax", E, "`.spacelift/config.yml` is not a YAML mapping.")
CONFIG_KEY = Rule("SL002", "config-unknown-key", E, "config.yml has a key Spacelift does not know.")
CONFIG_TYPE = Rule("SL003", "config-type", E, "A config.yml setting has the wrong type.")
RULES = (CONFIG_SYNTAX, CONFIG_KEY, CONFIG_TYPE)


def check(repo: Repository) -> Iterator[Finding]:
    """SL001-SL003 over the repository's config.yml."""
    error = repo.config_error
    if error is not None:
        yield repo.finding(CONFIG_SYNTAX, error.path, error.line, error.column, error.message)
    config = repo.config
    if config is None:
        return
    path, data = config.path, config.data
    for key in data:
        if key not in TOP_KEYS:
            yield repo.finding(
                CONFIG_KEY, path, *config.locate(key), f"unknown top-level key `{key}`"
            )
    version = data.get("version")
    if version is not None and not isinstance(version, (str, int)):
        yield repo.finding(
            CONFIG_TYPE, path, *config.locate("version"), "`version` must be a string"
        )
    stacks = data.get("stacks")
    if stacks is not None and not isinstance(stacks, dict):
        yield repo.finding(
            CONFIG_TYPE,
            path,
            *config.locate("stacks"),
            "`stacks` must map stack slugs to settings",
        )
    for steps, settings in config.sections():
        if settings is None:
            continue
        where = ".".join(str(step) for step in steps)
        if not isinstance(settings, dict):
            yield repo.finding(
                CONFIG_TYPE, path, *config.locate(*steps), f"`{where}` must be a mapping"
            )
            continue
        for key, value in settings.items():
            position = config.locate(*steps, key)
            if key not in STACK_KEYS:
                yield repo.finding(
                    CONFIG_KEY, path, *position, f"unknown stack setting `{where}.{key}`"
                )
            elif key in LIST_KEYS and not (
                isinstance(value, list) and all(isinstance(item, str) for item in value)
            ):
                kind = "command strings" if key in HOOKS else "strings"
                yield repo.finding(
                    CONFIG_TYPE,
                    path,
                    *position,
                    f"`{where}.{key}` must be a list of {kind}",
                )
            elif key == "environment" and not (
                isinstance(value, dict)
                and all(isinstance(v, (str, int, float, bool)) for v in value.values())
            ):
                yield repo.finding(
                    CONFIG_TYPE, path, *position, f"`{where}.environment` must map names to values"
                )
            elif key == "terragrunt" and not isinstance(value, dict):
                yield repo.finding(
                    CONFIG_TYPE, path, *position, f"`{where}.terragrunt` must be a mapping"
                )
            elif key not in LIST_KEYS | MAPPING_KEYS and not isinstance(value, str):
                yield repo.finding(
                    CONFIG_TYPE, path, *position, f"`{where}.{key}` must be a string"
                )
