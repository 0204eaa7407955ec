"""Names a service uses are declared: services it depends on, volumes, networks, secrets."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.compose.files import ComposeFile
from scaffolder.validation.model import Finding, Rule, Severity

E = Severity.ERROR
DEPENDS_ON = Rule(
    "COMPOSE002",
    "depends-on-unknown-service",
    E,
    "`depends_on` names a service the compose file does not define.",
)
VOLUME = Rule(
    "COMPOSE003",
    "undeclared-volume",
    E,
    "A service mounts a named volume that the top-level `volumes` does not declare.",
)
NETWORK = Rule(
    "COMPOSE005",
    "undeclared-network",
    E,
    "A service joins a network that the top-level `networks` does not declare.",
)
SECRET = Rule(
    "COMPOSE006",
    "undeclared-secret",
    E,
    "A service uses a secret or config that the top level does not declare.",
)
RULES = (DEPENDS_ON, VOLUME, NETWORK, SECRET)


def check(compose: ComposeFile) -> Iterator[Finding]:
    """COMPOSE002, COMPOSE003, COMPOSE005 and COMPOSE006 for every service."""
    data = compose.data
    if not isinstance(data.get("services"), dict):
        return
    services = compose.services()
    all_services = data["services"]
    volumes = set((data.get("volumes") or {}).keys())
    networks = set((data.get("networks") or {}).keys()) | {"default"}
    declared = {kind: set((data.get(kind) or {}).keys()) for kind in ("secrets", "configs")}
    for name, service in services.items():
        depends = service.get("depends_on") or []
        targets = list(depends.keys()) if isinstance(depends, dict) else list(depends)
        for index, target in enumerate(targets):
            if target not in all_services:
                step: str | int = target if isinstance(depends, dict) else index
                yield compose.finding(
                    DEPENDS_ON,
                    ["services", name, "depends_on", step],
                    f"service `{name}` depends on `{target}`, which is not a service of this file",
                )
        for index, volume in enumerate(service.get("volumes") or []):
            source = _named_volume(volume)
            if source is not None and source not in volumes:
                yield compose.finding(
                    VOLUME,
                    ["services", name, "volumes", index],
                    f"service `{name}` mounts volume `{source}`, "
                    "which top-level `volumes` does not declare",
                )
        joined = service.get("networks") or []
        # A list of names or a mapping of name to settings: iterating either gives the names.
        for index, target in enumerate(joined):
            if isinstance(target, str) and target not in networks:
                step = index if isinstance(joined, list) else target
                yield compose.finding(
                    NETWORK,
                    ["services", name, "networks", step],
                    f"service `{name}` joins network `{target}`, which top-level `networks` "
                    "does not declare",
                )
        for kind in ("secrets", "configs"):
            for index, entry in enumerate(service.get(kind) or []):
                source = entry.get("source") if isinstance(entry, dict) else entry
                if isinstance(source, str) and source not in declared[kind]:
                    yield compose.finding(
                        SECRET,
                        ["services", name, kind, index],
                        f"service `{name}` uses {kind[:-1]} `{source}`, which top-level `{kind}` "
                        "does not declare",
                    )


def _named_volume(volume: object) -> str | None:
    """The named volume a service mount uses, or None for bind mounts and anonymous volumes."""
    if isinstance(volume, dict):
        source = volume.get("source")
        if volume.get("type", "volume") == "volume" and isinstance(source, str) and source:
            return source
        return None
    if not isinstance(volume, str) or ":" not in volume:
        return None
    source = volume.split(":", 1)[0]
    if source.startswith((".", "/", "~", "$")) or not source:
        return None
    return source
