"""The adapter for infra ↔ Kubernetes checks: what the Terraform builds, what the manifests run.

An :class:`Estate` is one validated root: every Terraform resource block with its file, every
object set the manifests render to (kustomize overlays rendered as the Kubernetes domain renders
them), and which set is deployed to which cluster. A set is paired with a cluster only when the
repository says so: a Spacelift Kubernetes stack whose project root renders the set, in the
repository whose Terraform creates exactly one cluster; or a root with one cluster, one set and
no Kubernetes stack at all. Anything else stays unpaired, and the rules say nothing about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from scaffolder.validation.domain import Context
from scaffolder.validation.kubernetes.manifests import object_sets
from scaffolder.validation.kubernetes.objects import ObjectSet
from scaffolder.validation.spacelift.wiring import repository_root
from scaffolder.validation.terraform.hcl import HclSyntaxError, parse
from scaffolder.validation.terraform.syntax import (
    UNKNOWN,
    Attribute,
    Block,
    Call,
    Expr,
    literal_value,
)

#: Resource types that are a Kubernetes cluster, by cloud.
CLUSTERS = {"google_container_cluster": "gke", "aws_eks_cluster": "eks"}


@dataclass(frozen=True, slots=True)
class Resource:
    """A `resource "type" "name"` block and the file it is in."""

    type: str
    name: str
    file: Path
    block: Block

    @property
    def address(self) -> str:
        """`type.name`."""
        return f"{self.type}.{self.name}"


@dataclass(frozen=True, slots=True)
class Deployment:
    """An object set and the cluster it is deployed to."""

    objects: ObjectSet
    cluster: Resource
    #: The Terraform resources of the repository the cluster belongs to.
    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class Estate:
    """One root: its Terraform resources, its rendered object sets, and which runs where."""

    resources: tuple[Resource, ...]
    sets: tuple[ObjectSet, ...]
    context: Context

    @property
    def location(self) -> str:
        """The root, as internal-error findings name it."""
        return "."

    def where(self, path: Path, line: int) -> str:
        """`path:line` relative to the base, for messages naming the other place."""
        return f"{self.context.relative(path)}:{line}"

    def rendered_at(self, directory: Path) -> ObjectSet | None:
        """The set the kustomization in ``directory`` renders."""
        wanted = directory.resolve()
        for objects in self.sets:
            rendered = {obj.rendered_by for obj in objects.objects} - {None}
            if len(rendered) == 1 and (self.context.base / str(rendered.pop())).resolve() == wanted:
                return objects
        return None

    def kubernetes_stacks(self) -> Iterator[tuple[Resource, Path]]:
        """Each Spacelift stack with a `kubernetes` block, and the directory of its project root.

        Stacks whose project root is not a literal are left out: where they deploy is unknown.
        """
        for resource in self.resources:
            if resource.type != "spacelift_stack" or not any(resource.block.blocks("kubernetes")):
                continue
            root = resource.block.attributes.get("project_root")
            value = literal_value(root.value) if root is not None else ""
            if not isinstance(value, str):
                continue
            repository = repository_root(resource.file.parent, self.context.base)
            yield resource, repository / value.strip("/")

    def deployments(self) -> Iterator[Deployment]:
        """Every object set whose cluster the repository names, with that cluster."""
        stacks = list(self.kubernetes_stacks())
        for stack, directory in stacks:
            objects = self.rendered_at(directory)
            repository = repository_root(stack.file.parent, self.context.base)
            resources = tuple(r for r in self.resources if r.file.is_relative_to(repository))
            clusters = [r for r in resources if r.type in CLUSTERS]
            if objects is not None and len(clusters) == 1:
                yield Deployment(objects, clusters[0], resources)
        clusters = [r for r in self.resources if r.type in CLUSTERS]
        if not stacks and len(self.sets) == 1 and len(clusters) == 1:
            yield Deployment(self.sets[0], clusters[0], self.resources)


def attribute_value(block: Block, name: str) -> tuple[Attribute | None, object]:
    """The attribute ``name`` of ``block`` and its constant value (:data:`UNKNOWN` when not one).

    ``jsonencode({...})`` of a constant, and a string holding JSON, are taken as the value they
    encode where the caller asks for an object (:func:`json_value`).
    """
    attribute = block.attributes.get(name)
    if attribute is None:
        return None, None
    return attribute, literal_value(attribute.value)


def json_value(expr: Expr) -> object:
    """The value ``jsonencode(<constant>)`` or a constant JSON string encodes, else UNKNOWN."""
    if isinstance(expr, Call) and expr.name == "jsonencode" and len(expr.args) == 1:
        return literal_value(expr.args[0])
    value = literal_value(expr)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return UNKNOWN
    return UNKNOWN


def _resources(context: Context, paths: list[Path]) -> tuple[Resource, ...]:
    found = []
    for path in paths:
        try:
            hcl = parse(context.files.text(path), path.name)
        except (HclSyntaxError, OSError, UnicodeDecodeError):
            continue  # TF001/TF002 report it
        for block in hcl.blocks("resource"):
            if len(block.labels) >= 2:
                found.append(Resource(block.label(0), block.label(1), path, block))
    return tuple(found)


def estate(context: Context, version: str) -> Estate:
    """The root's resources and rendered object sets.

    The object sets are rendered again here rather than shared by the Kubernetes domain: its
    unit is cached as findings only, so a cached run would have no objects to share.
    """
    terraform = [path for path in context.claimed if path.suffix == ".tf"]
    manifests = frozenset(path for path in context.claimed if path.suffix in {".yaml", ".yml"})
    as_kubernetes = replace(context, owned=manifests)
    sets = tuple(
        item
        for item in object_sets(as_kubernetes, version)
        if isinstance(item, ObjectSet) and item.objects
    )
    return Estate(_resources(context, terraform), sets, context)
