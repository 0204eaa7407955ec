"""The adapter for parity: compose services that build an image, paired with their container.

A service is paired with the Kubernetes container whose image has the same name (registry and
tag aside).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.validation.compose.files import ComposeFile, build_context, is_override, load
from scaffolder.validation.domain import Context
from scaffolder.validation.model import Citations, Finding, Rule
from scaffolder.validation.yamlpos import Document, YamlSyntaxError

_WORKLOADS = {
    "Deployment": ["spec", "template", "spec"],
    "StatefulSet": ["spec", "template", "spec"],
}


def image_name(image: str) -> str:
    """`registry/path/name:tag@digest` -> `name`."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def get(data: Any, steps: Sequence[str | int]) -> Any:
    """The value at ``steps``, or None where a step is missing."""
    for step in steps:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


@dataclass(frozen=True, slots=True)
class Container:
    """A container of a Deployment or StatefulSet, and where it is."""

    path: Path
    document: Document
    where: list[str | int]
    data: dict[str, Any]
    workload: str

    def line(self, *steps: str | int) -> int:
        """Line of a field of the container (or of the container itself)."""
        return self.document.locate([*self.where, *steps])[0]


@dataclass(frozen=True)
class ServicePair:
    """A compose service that builds an image, and the container running it (or None)."""

    compose: ComposeFile
    name: str
    service: dict[str, Any]
    container: Container | None
    #: Every container of the manifests (for messages when none runs the image).
    containers: tuple[Container, ...]
    #: `Kind/name` of each ConfigMap and Secret -> its keys.
    sources: dict[str, set[str]]
    context: Context
    #: The other places findings name, which become their related locations.
    citations: Citations = field(default_factory=Citations, compare=False, repr=False)

    @property
    def location(self) -> str:
        """The compose file, as findings name it."""
        return self.compose.location

    def finding(self, rule: Rule, steps: list[str | int], message: str) -> Finding:
        """A finding of ``rule`` at a field of the compose service."""
        return self.compose.finding(rule, ["services", self.name, *steps], message)

    def where(self, container: Container, *steps: str | int) -> str:
        """`path:line` of a container field, for messages naming both places."""
        return self.citations.cite(self.context.relative(container.path), container.line(*steps))


def _manifests(context: Context, files: list[Path]) -> tuple[list[Container], dict[str, set[str]]]:
    containers: list[Container] = []
    config_maps: dict[str, set[str]] = {}
    for path in files:
        try:
            documents = context.files.yaml(path)
        except (YamlSyntaxError, OSError, UnicodeDecodeError):
            continue
        for document in documents:
            data = document.data
            if not isinstance(data, dict):
                continue
            kind = data.get("kind")
            name = get(data, ["metadata", "name"])
            if kind in {"ConfigMap", "Secret"} and isinstance(name, str):
                keys = {
                    str(key)
                    for field in ("data", "stringData")
                    if isinstance(data.get(field), dict)
                    for key in data[field]
                }
                config_maps[f"{kind}/{name}"] = keys
            spec_path = _WORKLOADS.get(str(kind))
            spec = get(data, spec_path) if spec_path else None
            if not isinstance(spec, dict) or spec_path is None:
                continue
            for index, container in enumerate(spec.get("containers") or []):
                if isinstance(container, dict):
                    containers.append(
                        Container(
                            path,
                            document,
                            [*spec_path, "containers", index],
                            container,
                            f"{kind}/{name}",
                        )
                    )
    return containers, config_maps


def pairs(
    context: Context, compose_files: list[Path], manifests: list[Path]
) -> Iterator[ServicePair]:
    """Every compose service with `build` and `image`, paired with its container."""
    if not compose_files or not manifests:
        return
    containers, sources = _manifests(context, manifests)
    if not containers:
        return
    for path in compose_files:
        if is_override(path):
            continue
        compose = load(context, path)
        if compose.error is not None:
            continue
        for name, service in compose.services().items():
            if service.get("build") and service.get("image"):
                image = image_name(str(service["image"]))
                paired = [
                    c for c in containers if image_name(str(c.data.get("image", ""))) == image
                ]
                yield ServicePair(
                    compose,
                    name,
                    service,
                    paired[0] if paired else None,
                    tuple(containers),
                    sources,
                    context,
                )


def dockerfile_of(pair: ServicePair) -> Path | None:
    """The Dockerfile the compose service builds, when its build context is local."""
    build = pair.service.get("build")
    context = build_context(pair.service)
    name = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    if not isinstance(context, str):
        return None
    return pair.compose.path.parent / context / str(name)


def container_ports(container: Container) -> set[int]:
    """The container's declared `containerPort` numbers."""
    return {
        int(port["containerPort"])
        for port in container.data.get("ports") or []
        if isinstance(port, dict) and str(port.get("containerPort", "")).isdigit()
    }


_URL_PATH = re.compile(r"https?://[^/\s'\"]+(/[\w./-]*)")


def health_paths(healthcheck: object) -> set[str]:
    """URL paths a compose healthcheck requests."""
    if not isinstance(healthcheck, dict):
        return set()
    test = healthcheck.get("test")
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test or "")
    return set(_URL_PATH.findall(text))
