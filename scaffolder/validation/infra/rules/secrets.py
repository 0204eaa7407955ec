"""Every Secret and key a workload reads is created by something in the repository.

Counted as creating a Secret, in the namespace the workload runs in: a `Secret` in the rendered
object set (a `secretGenerator` makes one), a Terraform `kubernetes_secret` or
`kubernetes_secret_v1`, an `ExternalSecret` (its `spec.target.name`, else its name), a
`ClusterExternalSecret` (its `spec.externalSecretName`, else its name, in any namespace), a
`SealedSecret`, or a `SecretProviderClass` syncing one (`spec.secretObjects`). Those objects
count too where the Terraform applies them: a `kubernetes_manifest` (its `manifest` object, or
`yamldecode` of a static string or file) or a `kubectl_manifest` (its `yaml_body`, a static
string or `file(...)`). One whose content is not static may create any Secret, and so may a
`helm_release` (its chart is not rendered) in its namespace (`default` when unset, any when not
static), and so may Argo CD or Flux objects in the set, anywhere: a Secret missing there is not
reported. A Secret made
outside the repository is declared on the workload that reads it, in one annotation:
`infra.scaffolder.dev/external-secrets: "name, other"`. References marked `optional: true`
are not judged; keys are compared only where the creator's keys are static.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import yaml

from scaffolder.validation.infra.estate import (
    APPLIED_FILES,
    KUSTOMIZATIONS,
    Estate,
    Resource,
    gitops,
)
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, containers, get, workloads
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import UNKNOWN, Block, Call, literal_value

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
        else:
            # The set's own objects keep the namespace they render with (None: the deployer's).
            for made in _from_data(obj.data, where):
                yield replace(made, namespace=obj.namespace) if made.namespace else made


def _from_data(data: object, where: str) -> Iterator[Made]:
    """The Secrets one object, as a dict, creates (`Made.namespace` None: any namespace)."""
    if not isinstance(data, dict):
        return
    kind, name = data.get("kind"), get(data, ["metadata", "name"])
    namespace = get(data, ["metadata", "namespace"])
    namespace = str(namespace) if namespace is not None else "default"
    if not isinstance(name, str):
        return
    if kind == "Secret":
        written = {*(_keys(data.get("data")) or ()), *(_keys(data.get("stringData")) or ())}
        yield Made(name, namespace, frozenset(written), where)
    elif kind == "ExternalSecret":
        yield Made(str(get(data, ["spec", "target", "name"]) or name), namespace, None, where)
    elif kind == "ClusterExternalSecret":
        yield Made(str(get(data, ["spec", "externalSecretName"]) or name), None, None, where)
    elif kind == "SealedSecret":
        template = get(data, ["spec", "template", "metadata", "name"])
        sealed = _keys(get(data, ["spec", "encryptedData"]))
        yield Made(str(template or name), namespace, sealed, where)
    elif kind == "SecretProviderClass":
        for synced in get(data, ["spec", "secretObjects"]) or []:
            if isinstance(synced, dict) and synced.get("secretName"):
                items = synced.get("data")
                keys = frozenset(
                    str(item.get("key"))
                    for item in (items if isinstance(items, list) else [])
                    if isinstance(item, dict)
                )
                yield Made(str(synced["secretName"]), namespace, keys, where)


def _applied(estate: Estate, resource: Resource) -> list[object] | None:
    """The objects a `kubernetes_manifest` or `kubectl_manifest` applies; None if not static."""
    attribute = resource.block.attributes.get(APPLIED_FILES[resource.type])
    if attribute is None or "for_each" in resource.block.attributes:
        return None
    expr = attribute.value
    if resource.type == "kubernetes_manifest":
        value = literal_value(expr)
        if isinstance(value, dict):
            return [value]
        if not (isinstance(expr, Call) and expr.name == "yamldecode" and len(expr.args) == 1):
            return None
        expr = expr.args[0]
    path = estate.file_argument(resource, expr)
    try:
        text = (
            estate.context.files.text(path)
            if path is not None and path in estate.context.files
            else estate.string(resource, expr)
        )
        documents = list(yaml.safe_load_all(text)) if text is not None else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if documents is None or (resource.type == "kubernetes_manifest" and len(documents) != 1):
        return None
    return [document for document in documents if document is not None]


def _unknown(estate: Estate, resources: tuple[Resource, ...]) -> set[str | None]:
    """Namespaces where Terraform may create Secrets it does not say (None: any namespace)."""
    found: set[str | None] = set()
    for resource in resources:
        if resource.type in APPLIED_FILES and _applied(estate, resource) is None:
            found.add(None)
        elif resource.type == "helm_release":
            attribute, namespace = estate.attribute(resource, "namespace")
            found.add("default" if attribute is None else namespace)
    return found


def _from_terraform(estate: Estate, resources: tuple[Resource, ...]) -> Iterator[Made]:
    for resource in resources:
        if resource.type in APPLIED_FILES:
            where = estate.where(resource.file, resource.block.line)
            for data in _applied(estate, resource) or []:
                yield from _from_data(data, where)
            continue
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
        unknown = _unknown(estate, deployment.resources)
        if gitops(deployment.objects):
            unknown.add(None)  # Argo CD or Flux deploys more than the set shows
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
                if not same and not unknown & {None, obj.namespace or "default"}:
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
                if not same or key is None or any(m.keys is None or key in m.keys for m in same):
                    continue
                creator = same[0]
                keys = ", ".join(f"`{k}`" for k in sorted(creator.keys or ())) or "none"
                yield obj.finding(
                    MISSING_SECRET,
                    path,
                    f"`{obj.label()}` reads key `{key}` of Secret `{creator.shown}`, which "
                    f"{creator.where} creates without it (keys: {keys})",
                )
