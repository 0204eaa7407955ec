"""Where templates live and what each one asks.

Templates are ordinary cookiecutter templates in the top-level ``templates/`` directory of the
repository; the wheel ships the same directory as ``scaffolder/templates``. Directories whose name
starts with ``_`` are not templates: ``_shared`` holds the parts templates are assembled from and
``_hooks`` the one copy of the cookiecutter hooks. docs/templates.md explains how a template is
put together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.clouds import PLATFORMS, Cloud, Platform
from scaffolder.errors import UnknownPlatform, UnknownTemplate

SHARED_DIR = "_shared"


def templates_root() -> Path:
    """Return the directory holding the templates, installed or in a source checkout."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "templates"
    if installed.is_dir():
        return installed
    return package_dir.parent / "templates"


@dataclass(frozen=True, slots=True)
class Template:
    """One template: its name, location and questions (from its ``cookiecutter.json``)."""

    name: str
    path: Path
    version: str
    description: str
    raw: Mapping[str, Any]

    @property
    def questions(self) -> dict[str, Any]:
        """Public variables in prompt order, with their raw defaults."""
        return {key: value for key, value in self.raw.items() if not key.startswith("_")}

    @property
    def prompts(self) -> dict[str, str]:
        """The question text of each answer (cookiecutter's ``__prompts__``)."""
        prompts = self.raw.get("__prompts__", {})
        return {str(key): str(value) for key, value in dict(prompts).items()}

    @property
    def choices(self) -> dict[str, list[str]]:
        """Variables whose answer must be one of a list (the first item is the default)."""
        return {
            key: [str(option) for option in value]
            for key, value in self.questions.items()
            if isinstance(value, list)
        }

    @property
    def platform(self) -> Platform | None:
        """The platform the template deploys to (``_platform``); None for one without (docker-dev).

        Raises:
            UnknownPlatform: ``_platform`` names a platform missing from
                :data:`scaffolder.clouds.PLATFORMS`.
        """
        name = self.raw.get("_platform")
        if name is None:
            return None
        try:
            return PLATFORMS[str(name)]
        except KeyError:
            raise UnknownPlatform(
                template=self.name, platform=str(name), known=sorted(PLATFORMS)
            ) from None

    @property
    def cloud(self) -> Cloud | None:
        """The cloud of the template's platform, which picks the region and machine type rules."""
        platform = self.platform
        return platform.cloud if platform else None

    @property
    def private(self) -> dict[str, Any]:
        """Cookiecutter settings of the template (keys starting with ``_``)."""
        return {key: value for key, value in self.raw.items() if key.startswith("_")}


def load_template(path: Path) -> Template:
    """Read the template at ``path``."""
    raw = json.loads((path / "cookiecutter.json").read_text(encoding="utf-8"))
    return Template(
        name=path.name,
        path=path,
        version=str(raw.get("_template_version", "0.0.0")),
        description=str(raw.get("_description", "")),
        raw=raw,
    )


def list_templates() -> list[Template]:
    """Return every template, sorted by name."""
    root = templates_root()
    return [
        load_template(child)
        for child in sorted(root.iterdir())
        if child.is_dir()
        and not child.name.startswith(("_", "."))
        and (child / "cookiecutter.json").is_file()
    ]


def get_template(name: str) -> Template:
    """Return the template called ``name``.

    Raises:
        UnknownTemplate: No template has that name.
    """
    templates = list_templates()
    for template in templates:
        if template.name == name:
            return template
    raise UnknownTemplate(name=name, known=[template.name for template in templates])
