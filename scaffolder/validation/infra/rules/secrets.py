"""Every Secret and key a workload reads is created by something in the repository.

Counted as creating a Secret, in the namespace the workload runs in: a `Secret` in the rendered
object set (a `secretGenerator` makes one), a Terraform `kubernetes_secret` or
`kubernetes_secret_v1`, an `ExternalSecret` (its `spec.target.name`, else its name), a
`SealedSecret`, or a `SecretProviderClass` syncing one (`spec.secretObjects`). A Secret made
outside the repository is declared on the workload that reads it, in one annotation:
`infra.scaffolder.dev/external-secrets: "name, other"`. References marked `optional: true`
are not judged; keys are compared only where the creator's keys are static.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from scaffolder.validation.infra.estate import KUSTOMIZATIONS, Estate, Resource
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, containers, get, workloads
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import UNKNOWN, Block, literal_value

MISSING_SECRET = Rule(
    "INFRA022",
    "secret-not-created",
    Severity.ERROR,
    "A workload reads a Secret or key that nothing in the repository creates or declares external.",
)
RULES = (MISSING_SECRET,)

#: The content hash kustomize appends to a generated object's name.
_HASHED = re.compile(r"-[a-z0-9]{10}$")

#: The annotation on a workload naming the Secrets it reads that are made outside the repository.
EXTERNAL = "infra.scaffolder.dev/external-secrets"


@dataclass(frozen=True, slots=True)
class Made:
    """A Secret something creates: its keys (None when not static) and `file:line`."""

    name: str
    namespace: str | None
    keys: frozenset[str] | None
    where: str
    #: The name as written, for messages (a generator's, without kustomize's hash suffix).
    shown: str = field(default="")

    def __post_init__(self) -> None:
        if not self.shown:
            object.__setattr__(self, "shown", self.name)


def _keys(value: object) -> frozenset[str] | None:
    return frozenset(str(key) for key in value) if isinstance(value, dict) else None


def _generated(estate: Estate, obj: Obj) -> tuple[str, str] | None:
    """``(name, file:line)`` of the `secretGenerator` entry that made ``obj``, if one did."""
    if obj.source.rsplit("/", 1)[-1] not in KUSTOMIZATIONS:
        return None
    written = _HASHED.sub("", obj.name)
    try:
        lines = estate.context.files.text(estate.context.base / obj.source).splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, content in enumerate(lines, start=1):
        if content.strip() in {f"- name: {written}", f"name: {written}"}:
            return written, estate.cite(obj.source, number)
    return None


def _from_objects(estate: Estate, objects: tuple[Obj, ...]) -> Iterator[Made]:
    for obj in objects:
        where = estate.cite(obj.source, obj.locate(["metadata", "name"])[0])
        if obj.kind == "Secret":
            written = frozenset(
                {
                    *(_keys(obj.data.get("data")) or ()),
                    *(_keys(obj.data.get("stringData")) or ()),
                }
            )
            shown, where = _generated(estate, obj) or (obj.name, where)
            yield Made(obj.name, obj.namespace, written, where, shown)
        elif obj.kind == "ExternalSecret":
            target = get(obj.data, ["spec", "target", "name"])
            yield Made(str(target or obj.name), obj.namespace, None, where)
        elif obj.kind == "SealedSecret":
            template = get(obj.data, ["spec", "template", "metadata", "name"])
            sealed = _keys(get(obj.data, ["spec", "encryptedData"]))
            yield Made(str(template or obj.name), obj.namespace, sealed, where)
        elif obj.kind == "SecretProviderClass":
            for synced in get(obj.data, ["spec", "secretObjects"]) or []:
                if isinstance(synced, dict) and synced.get("secretName"):
                    data = synced.get("data")
                    synced_keys = frozenset(
                        str(item.get("key"))
                        for item in (data if isinstance(data, list) else [])
                        if isinstance(item, dict)
                    )
                    yield Made(str(synced["secretName"]), obj.namespace, synced_keys, where)


def _from_terraform(estate: Estate, resources: tuple[Resource, ...]) -> Iterator[Made]:
    for resource in resources:
        if resource.type not in {"kubernetes_secret", "kubernetes_secret_v1"}:
            continue
        metadata = next(resource.block.blocks("metadata"), None)
        if not isinstance(metadata, Block):
            continue
        _, name = estate.attribute_of(resource, metadata, "name")
        if name is None:
            continue
        namespace_attribute, namespace = estate.attribute_of(resource, metadata, "namespace")
        keys: frozenset[str] | None = None
        for attribute in ("data", "binary_data"):
            data = resource.block.attributes.get(attribute)
            if data is None:
                continue
            value = literal_value(data.value)
            if value is UNKNOWN or not isinstance(value, dict):
                keys = None
                break
            keys = (keys or frozenset()) | frozenset(str(key) for key in value)
        if namespace_attribute is None:
            namespace = "default"
        where = estate.where(resource.file, resource.block.line)
        # A namespace written as an expression is unknown: the Secret counts in any.
        yield Made(name, namespace, keys, where)


def _references(
    obj: Obj, base: FieldPath, spec: dict[str, object]
) -> Iterator[tuple[FieldPath, str, str | None]]:
    """``(field of the name, Secret name, key or None)`` for every required reference."""
    for _, path, _, container in containers(obj, base, spec):
        for index, env in enumerate(container.get("env") or []):
            ref = get(env, ["valueFrom", "secretKeyRef"])
            if isinstance(ref, dict) and ref.get("name") and ref.get("optional") is not True:
                field = [*path, "env", index, "valueFrom", "secretKeyRef", "name"]
                yield field, str(ref["name"]), str(ref["key"]) if "key" in ref else None
        for index, source in enumerate(container.get("envFrom") or []):
            ref = get(source, ["secretRef"])
            if isinstance(ref, dict) and ref.get("name") and ref.get("optional") is not True:
                yield [*path, "envFrom", index, "secretRef", "name"], str(ref["name"]), None
    volumes = spec.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        secret = get(volume, ["secret"])
        if (
            isinstance(secret, dict)
            and secret.get("secretName")
            and secret.get("optional") is not True
        ):
            field = [*base, "volumes", index, "secret", "secretName"]
            items = secret.get("items")
            keys = (
                [item.get("key") for item in items if isinstance(item, dict)]
                if isinstance(items, list)
                else []
            )
            if not keys:
                yield field, str(secret["secretName"]), None
            for key in keys:
                yield field, str(secret["secretName"]), str(key)


def _declared(obj: Obj) -> set[str]:
    annotations = get(obj.data, ["metadata", "annotations"])
    value = annotations.get(EXTERNAL) if isinstance(annotations, dict) else None
    return {part.strip() for part in value.split(",")} if isinstance(value, str) else set()


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA022 at a workload's reference to a Secret or key nothing creates."""
    for deployment in estate.deployments():
        objects = deployment.objects.objects
        made = [
            *_from_objects(estate, objects),
            *_from_terraform(estate, deployment.resources),
        ]
        for obj, base, spec in workloads(deployment.objects):
            external = _declared(obj)
            for path, name, key in _references(obj, base, spec):
                if name in external:
                    continue
                same = [
                    m
                    for m in made
                    if m.name == name and m.namespace in {None, obj.namespace or "default"}
                ]
                if not same:
                    others = ", ".join(f"`{m.shown}` ({m.where})" for m in made[:5])
                    created = f": it creates {others}" if others else ": it creates no Secret"
                    yield obj.finding(
                        MISSING_SECRET,
                        path,
                        f"`{obj.label()}` reads Secret `{name}`, which nothing in the repository "
                        f"creates in namespace `{obj.namespace or 'default'}` and no "
                        f"`{EXTERNAL}` annotation declares{created}",
                    )
                    continue
                if key is None or any(m.keys is None or key in m.keys for m in same):
                    continue
                creator = same[0]
                keys = ", ".join(f"`{k}`" for k in sorted(creator.keys or ())) or "none"
                yield obj.finding(
                    MISSING_SECRET,
                    path,
                    f"`{obj.label()}` reads key `{key}` of Secret `{creator.shown}`, which "
                    f"{creator.where} creates without it (keys: {keys})",
                )
