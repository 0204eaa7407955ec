"""Dev/prod parity: the app compose builds and the app Kubernetes runs must agree.

A compose service with `build` is paired with the Kubernetes container whose image has the same
name (registry and tag aside). Then ports (compose, `containerPort`, the Dockerfile's EXPOSE),
health paths (compose healthcheck, probes) and environment variable names are compared. Every
finding names both places.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.model import finding_at as _finding

if TYPE_CHECKING:
    from scaffolder.validation.yamlpos import Document


def _rule(rule_id: str, name: str, summary: str) -> Rule:
    return Rule(rule_id, name, "parity", Severity.WARNING, summary)


IMAGE = _rule("PAR001", "image-mismatch", "No Kubernetes workload runs the image compose builds.")
PORT = _rule("PAR002", "port-mismatch", "Ports differ between compose, Kubernetes and EXPOSE.")
HEALTH = _rule("PAR003", "health-path-mismatch", "compose checks a health path no probe uses.")
ENVIRONMENT = _rule(
    "PAR004",
    "environment-mismatch",
    "An environment variable compose sets is missing in Kubernetes.",
)
RULES = (IMAGE, PORT, HEALTH, ENVIRONMENT)

_WORKLOADS = {
    "Deployment": ["spec", "template", "spec"],
    "StatefulSet": ["spec", "template", "spec"],
}
_URL_PATH = re.compile(r"https?://[^/\s'\"]+(/[\w./-]*)")


@dataclass(frozen=True, slots=True)
class _Container:
    path: Path
    document: Document
    where: list[str | int]
    data: dict[str, Any]
    workload: str

    def at(self, *steps: str | int) -> str:
        line, _ = self.document.locate([*self.where, *steps])
        return f"{self.path.name}:{line}"


def image_name(image: str) -> str:
    """`registry/path/name:tag@digest` -> `name`."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def _get(data: Any, steps: Sequence[str | int]) -> Any:
    for step in steps:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


def _manifests(root: Path, files: list[Path]) -> tuple[list[_Container], dict[str, set[str]]]:
    from scaffolder.validation.yamlpos import YamlSyntaxError, load_documents

    containers: list[_Container] = []
    config_maps: dict[str, set[str]] = {}
    for path in files:
        try:
            documents = load_documents(path.read_text(encoding="utf-8"))
        except (YamlSyntaxError, OSError, UnicodeDecodeError):
            continue
        for document in documents:
            data = document.data
            if not isinstance(data, dict):
                continue
            kind = data.get("kind")
            name = _get(data, ["metadata", "name"])
            if kind in {"ConfigMap", "Secret"} and isinstance(name, str):
                keys = {*(data.get("data") or {}), *(data.get("stringData") or {})}
                config_maps[f"{kind}/{name}"] = {str(key) for key in keys}
            spec_path = _WORKLOADS.get(str(kind))
            spec = _get(data, spec_path) if spec_path else None
            if not isinstance(spec, dict) or spec_path is None:
                continue
            for index, container in enumerate(spec.get("containers") or []):
                if isinstance(container, dict):
                    containers.append(
                        _Container(
                            path,
                            document,
                            [*spec_path, "containers", index],
                            container,
                            f"{kind}/{name}",
                        )
                    )
    return containers, config_maps


def check(root: Path, compose_files: list[Path], manifests: list[Path]) -> Iterator[Finding]:
    """Parity between every compose service that builds an image and its Kubernetes container."""
    from scaffolder.validation.compose import _is_override
    from scaffolder.validation.yamlpos import YamlSyntaxError, load_documents

    if not compose_files or not manifests:
        return
    containers, sources = _manifests(root, manifests)
    if not containers:
        return
    for path in compose_files:
        if _is_override(path):
            continue
        try:
            documents = load_documents(path.read_text(encoding="utf-8"))
        except (YamlSyntaxError, OSError, UnicodeDecodeError):
            continue
        if not documents or not isinstance(documents[0].data, dict):
            continue
        document = documents[0]
        services = document.data.get("services") or {}
        if not isinstance(services, dict):
            continue
        for name, service in services.items():
            if isinstance(service, dict) and service.get("build") and service.get("image"):
                yield from _compare(root, path, document, str(name), service, containers, sources)


def _compare(
    root: Path,
    path: Path,
    document: Document,
    name: str,
    service: dict[str, Any],
    containers: list[_Container],
    sources: dict[str, set[str]],
) -> Iterator[Finding]:
    image = image_name(str(service["image"]))
    paired = [c for c in containers if image_name(str(c.data.get("image", ""))) == image]
    service_at = ["services", name]
    if not paired:
        others = ", ".join(
            f"`{c.workload}` runs `{c.data.get('image')}` ({c.path.relative_to(root).as_posix()})"
            for c in containers[:3]
        )
        yield _finding(
            root,
            path,
            IMAGE,
            *document.locate([*service_at, "image"]),
            f"service `{name}` builds image `{image}`, but no Kubernetes workload runs it: "
            f"{others}",
        )
        return
    container = paired[0]
    where = f"{container.path.relative_to(root).as_posix()}"
    k8s_ports = {
        int(port["containerPort"])
        for port in container.data.get("ports") or []
        if isinstance(port, dict) and str(port.get("containerPort", "")).isdigit()
    }
    for index, port in enumerate(service.get("ports") or []):
        target = _target_port(port)
        if target is not None and k8s_ports and target not in k8s_ports:
            yield _finding(
                root,
                path,
                PORT,
                *document.locate([*service_at, "ports", index]),
                f"service `{name}` listens on {target}, but `{container.workload}` declares "
                f"containerPort {', '.join(map(str, sorted(k8s_ports)))} "
                f"({where}:{container.at('ports').split(':')[1]})",
            )
    yield from _expose(root, path, service, name, k8s_ports, container)
    compose_paths = _health_paths(service.get("healthcheck"))
    probe_paths = {
        str(_get(container.data, [probe, "httpGet", "path"]))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe")
        if _get(container.data, [probe, "httpGet", "path"])
    }
    for health in sorted(compose_paths):
        if probe_paths and health not in probe_paths:
            yield _finding(
                root,
                path,
                HEALTH,
                *document.locate([*service_at, "healthcheck", "test"]),
                f"service `{name}` checks `{health}`, but the probes of `{container.workload}` "
                f"use {', '.join(f'`{p}`' for p in sorted(probe_paths))} "
                f"({where}:{container.at('livenessProbe').split(':')[1]})",
            )
    provided = {
        str(item.get("name")) for item in container.data.get("env") or [] if isinstance(item, dict)
    }
    unknown_source = False
    for source in container.data.get("envFrom") or []:
        if not isinstance(source, dict):
            continue
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(key)
            if isinstance(ref, dict):
                keys = sources.get(f"{kind}/{ref.get('name')}")
                if keys is None:
                    unknown_source = True
                else:
                    provided |= {str(source.get("prefix", "")) + k for k in keys}
    if unknown_source:
        return  # a Secret made elsewhere may provide anything: nothing can be proven missing
    environment = service.get("environment") or {}
    names = (
        list(environment)
        if isinstance(environment, dict)
        else [str(item).split("=", 1)[0] for item in environment]
    )
    for index, variable in enumerate(names):
        if variable not in provided:
            step: str | int = variable if isinstance(environment, dict) else index
            yield _finding(
                root,
                path,
                ENVIRONMENT,
                *document.locate([*service_at, "environment", step]),
                f"service `{name}` sets `{variable}`, which `{container.workload}` does not get "
                f"from env, a ConfigMap or a Secret ({where}:{container.at().split(':')[1]})",
            )


def _target_port(port: object) -> int | None:
    if isinstance(port, dict):
        target = str(port.get("target"))
        return int(target) if target.isdigit() else None
    text = str(port).split("/", 1)[0].rsplit(":", 1)[-1]
    return int(text) if text.isdigit() else None


def _health_paths(healthcheck: object) -> set[str]:
    if not isinstance(healthcheck, dict):
        return set()
    test = healthcheck.get("test")
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test or "")
    return set(_URL_PATH.findall(text))


def _expose(
    root: Path,
    compose_path: Path,
    service: dict[str, Any],
    name: str,
    k8s_ports: set[int],
    container: _Container,
) -> Iterator[Finding]:
    from scaffolder.validation.compose import build_context
    from scaffolder.validation.dockerfile_rules import exposed_ports, instructions

    build = service.get("build")
    context = build_context(service)
    dockerfile_name = (
        build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    )
    if not isinstance(context, str):
        return
    dockerfile = compose_path.parent / context / str(dockerfile_name)
    try:
        items = instructions(dockerfile.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return
    for number, item in exposed_ports(items):
        if k8s_ports and number not in k8s_ports:
            yield Finding(
                dockerfile.relative_to(root).as_posix(),
                item.line,
                item.column,
                PORT.id,
                PORT.severity,
                f"EXPOSE {number} disagrees with containerPort "
                f"{', '.join(map(str, sorted(k8s_ports)))} of `{container.workload}` "
                f"({container.path.relative_to(root).as_posix()}:"
                f"{container.at('ports').split(':')[1]}), built by compose service `{name}`",
            )
