"""The Spacelift Kubernetes stack deploys to the namespace its overlay puts the objects in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scaffolder.validation.infra.estate import KUSTOMIZATIONS, Estate
from scaffolder.validation.kubernetes.objects import ObjectSet
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import literal_value
from scaffolder.validation.yamlpos import YamlSyntaxError

STACK_NAMESPACE = Rule(
    "INFRA001",
    "stack-namespace-mismatch",
    Severity.ERROR,
    "A Spacelift Kubernetes stack's namespace differs from the namespace its overlay deploys to.",
)
RULES = (STACK_NAMESPACE,)


def _namespace_at(estate: Estate, directory: Path, objects: ObjectSet, namespace: str) -> str:
    """`file:line` that sets ``namespace``: the kustomization's `namespace:`, else an object's."""
    for name in KUSTOMIZATIONS:
        path = directory / name
        if path not in estate.context.files:
            continue
        try:
            documents = estate.context.files.yaml(path)
        except (YamlSyntaxError, OSError, UnicodeDecodeError):
            break
        if documents and isinstance(documents[0].data, dict) and "namespace" in documents[0].data:
            return estate.where(path, documents[0].locate(["namespace"])[0])
        break
    obj = next(obj for obj in objects.objects if obj.namespace == namespace)
    return estate.cite(obj.source, obj.locate(["metadata", "namespace"])[0])


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA001 for a Kubernetes stack whose `namespace` is not the one its objects go to."""
    for stack, directory in estate.kubernetes_stacks():
        objects = estate.rendered_at(directory)
        if objects is None:
            continue
        kubernetes = next(stack.block.blocks("kubernetes"))
        attribute = kubernetes.attributes.get("namespace")
        wanted = literal_value(attribute.value) if attribute is not None else None
        if attribute is None or not isinstance(wanted, str):
            continue
        # Objects that name no namespace land in the stack's; only a single explicit one is
        # something the stack can disagree with.
        namespaces = {obj.namespace for obj in objects.objects} - {None}
        if len(namespaces) != 1 or wanted in namespaces:
            continue
        actual = str(namespaces.pop())
        yield estate.context.finding(
            STACK_NAMESPACE,
            stack.file,
            attribute.value.line,
            attribute.value.column,
            f"`{stack.address}` deploys to namespace `{wanted}`, but its overlay "
            f"`{estate.context.relative(directory)}` puts its objects in `{actual}` "
            f"({_namespace_at(estate, directory, objects, actual)})",
        )
