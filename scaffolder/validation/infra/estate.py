"""The adapter for infra ↔ Kubernetes checks: what the Terraform builds, what the manifests run.

An :class:`Estate` is one validated root: every Terraform resource block with its file, every
object set the manifests render to (kustomize overlays rendered as the Kubernetes domain renders
them), and which set is deployed to which cluster. A set is paired with a cluster only when the
repository says so: a Spacelift Kubernetes stack whose project root renders the set, in the
repository whose Terraform creates exactly one cluster; a `local-exec` running
`kubectl apply -k DIR` (or `-f PATH`) in a module that creates exactly one cluster; a
`kubectl_manifest` or `kubernetes_manifest` applying a manifest file of the root, in a module
that creates exactly one cluster; or a root with one cluster, one set and none of those. A
cluster is a cluster resource or a call of the community EKS or GKE module
(:data:`CLUSTER_MODULES`). Anything else stays unpaired, and the rules say nothing about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from scaffolder.validation.domain import Context
from scaffolder.validation.kubernetes.manifests import object_sets
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, ObjectSet
from scaffolder.validation.model import Citations, Finding, Rule
from scaffolder.validation.spacelift.wiring import repository_root
from scaffolder.validation.terraform.hcl import HclSyntaxError, parse
from scaffolder.validation.terraform.syntax import (
    UNKNOWN,
    Attribute,
    Block,
    Call,
    Expr,
    GetAttr,
    Literal,
    ObjectExpr,
    Paren,
    Template,
    Traversal,
    TupleExpr,
    Variable,
    literal_value,
    object_key,
)

#: The names kustomize reads a kustomization from.
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")

#: `kubectl apply -k DIR` in a shell command (DIR without shell quoting or expansion).
_APPLY_K = re.compile(r"\bkubectl\s+apply\b[^;&|\n]*?\s(?:-k|--kustomize)[\s=](?P<dir>[\w./-]+)")

#: `kubectl apply -f PATH` in a shell command (PATH a file or directory, not a URL); `-R`.
_APPLY_F = re.compile(
    r"\bkubectl\s+apply\b(?P<flags>[^;&|\n]*?)\s(?:-f|--filename)[\s=](?P<path>[\w./-]+)"
    r"(?P<rest>[^;&|\n]*)"
)

#: Resource types that are a Kubernetes cluster, by cloud.
CLUSTERS = {"google_container_cluster": "gke", "aws_eks_cluster": "eks"}

#: Registry sources of the community modules whose call creates one cluster, by cloud. Only
#: the EKS module's root builds a cluster (its `//modules/...` are node groups, Karpenter, ...);
#: of the GKE module, its root and the cluster submodules do (`//modules/workload-identity`,
#: `gke-node-pool`, `auth` and the rest do not).
CLUSTER_MODULES = {
    "terraform-aws-modules/eks/aws": "eks",
    "terraform-google-modules/kubernetes-engine/google": "gke",
    **{
        f"terraform-google-modules/kubernetes-engine/google//modules/{name}": "gke"
        for name in (
            "private-cluster",
            "private-cluster-update-variant",
            "beta-private-cluster",
            "beta-private-cluster-update-variant",
            "beta-public-cluster",
            "beta-public-cluster-update-variant",
            "beta-autopilot-private-cluster",
            "beta-autopilot-public-cluster",
            "safer-cluster",
            "safer-cluster-update-variant",
            "gke-autopilot-cluster",
            "gke-standard-cluster",
        )
    },
}

#: Registry sources (and their `//modules/...`) of community modules that make only cloud
#: resources: their calls install no workload into a cluster.
INSTALL_NOTHING = (
    "terraform-aws-modules/eks-pod-identity/aws",
    "terraform-aws-modules/iam/aws",
    "terraform-aws-modules/vpc/aws",
)

#: The registry source of the community module that makes EKS Pod Identity associations.
POD_IDENTITY_MODULE = "terraform-aws-modules/eks-pod-identity/aws"

#: The argument holding what a Terraform resource applies to the cluster as manifests.
APPLIED_FILES = {"kubectl_manifest": "yaml_body", "kubernetes_manifest": "manifest"}


#: Kinds that make a GitOps controller deploy what the repository's manifests do not show, by
#: API group.
GITOPS = {
    "argoproj.io": {"Application", "ApplicationSet"},
    "helm.toolkit.fluxcd.io": {"HelmRelease"},
    "kustomize.toolkit.fluxcd.io": {"Kustomization"},
}


def gitops(objects: ObjectSet) -> bool:
    """Whether the set hands a GitOps controller more to deploy (an Argo CD or Flux object)."""
    return any(
        obj.kind in GITOPS.get(str(obj.data.get("apiVersion", "")).partition("/")[0], ())
        for obj in objects.objects
    )


def installed_elsewhere(estate: Estate, deployment: Deployment) -> set[str | None]:
    """Namespaces where something besides the set may run workloads (None: any namespace).

    A `helm_release` installs into its `namespace` (`default` when unset, any when not static);
    a module call other than the cluster's, or a GitOps object in the set, may install anywhere.
    """
    found: set[str | None] = {None} if gitops(deployment.objects) else set()
    for resource in deployment.resources:
        if resource.type == "helm_release":
            attribute, namespace = estate.attribute(resource, "namespace")
            found.add("default" if attribute is None else namespace)
    directories = {resource.file.parent for resource in deployment.resources}
    directories.add(deployment.cluster.file.parent)
    if any(
        call.file.parent in directories
        and cluster_module(call) is None
        and not (module_source(call) or "").startswith(INSTALL_NOTHING)
        for call in estate.calls
    ):
        found.add(None)
    return found


def module_source(call: Resource) -> str | None:
    """A `module` call's literal `source`."""
    source = call.block.attributes.get("source")
    value = literal_value(source.value) if source is not None else None
    return value if call.type == "module" and isinstance(value, str) else None


def cluster_module(call: Resource) -> str | None:
    """The cloud of a call of a module in :data:`CLUSTER_MODULES`; None for anything else.

    A call with `for_each` or `count` makes any number of clusters: which one runs a set is
    not written down, so it is no cluster to pair with.
    """
    source = module_source(call)
    if source is None or {"for_each", "count"} & call.block.attributes.keys():
        return None
    return CLUSTER_MODULES.get(source.rstrip("/"))


def module_input(call: Resource, *names: str) -> Attribute | None:
    """The first of ``names`` a module call sets.

    Inputs renamed across a module's major versions are looked up by every name: a call
    passes only the names its version declares (Terraform refuses any other), so whichever
    is present is the one in force.
    """
    for name in names:
        if name in call.block.attributes:
            return call.block.attributes[name]
    return None


def object_items(estate: Estate, owner: Resource, expr: Expr | None) -> dict[str, Expr] | None:
    """The entries of an object expression (following `local.*`), or None when not static."""
    module = estate.modules.get(owner.file.parent)
    for _ in range(_DEPTH):
        if isinstance(expr, Paren):
            expr = expr.expr
            continue
        if (
            isinstance(expr, Traversal)
            and isinstance(expr.source, Variable)
            and expr.source.name == "local"
            and len(expr.steps) == 1
            and isinstance(expr.steps[0], GetAttr)
            and module is not None
            and expr.steps[0].name in module.locals
        ):
            expr = module.locals[expr.steps[0].name]
            continue
        break
    if not isinstance(expr, ObjectExpr):
        return None
    items: dict[str, Expr] = {}
    for item in expr.items:
        key = object_key(item.key)
        if key is None:
            return None
        items[key] = item.value
    return items


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
class Module:
    """What a module directory's expressions can be evaluated with, statically."""

    #: Variable values: `terraform.tfvars` and `*.auto.tfvars` over defaults; UNKNOWN if neither.
    variables: dict[str, object]
    locals: dict[str, Expr]
    #: The `google` provider's `project` (the project of resources that set none).
    google_project: Expr | None = None
    #: The `aws` provider's `region` and its one `allowed_account_ids` entry.
    aws_region: Expr | None = None
    aws_account: Expr | None = None


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
    modules: dict[Path, Module]
    #: Every `module` block, as a Resource of type `module` (for rules that only look).
    calls: tuple[Resource, ...] = ()
    #: Every `data "type" "name"` block, as a Resource of its type (`aws_iam_policy_document`).
    data: tuple[Resource, ...] = ()
    #: The other places findings name, which become their related locations.
    citations: Citations = field(default_factory=Citations, compare=False, repr=False)

    @property
    def location(self) -> str:
        """The root, as internal-error findings name it."""
        return "."

    def where(self, path: Path, line: int) -> str:
        """`path:line` relative to the base, for messages naming the other place."""
        return self.cite(self.context.relative(path), line)

    def cite(self, path: str, line: int) -> str:
        """`path:line` of a path already relative to the base (a finding's or object's)."""
        return self.citations.cite(path, line)

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

    def finding(
        self, obj: Obj, rule: Rule, field: FieldPath, message: str, *, text: str
    ) -> Finding:
        """A finding at ``field`` of ``obj``, or where an overlay's inline patch writes ``text``.

        Rendered objects are placed back in their base; a field an overlay patch adds has no
        line there, so the finding goes to the line of the overlay's kustomization that holds
        the field's text, when one does.
        """
        line, _ = obj.locate(field)
        try:
            lines = self.context.files.text(self.context.base / obj.source).splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        if obj.rendered_by is None or (line <= len(lines) and text in lines[line - 1]):
            return obj.finding(rule, field, message)
        directory = self.context.base / obj.rendered_by
        for name in KUSTOMIZATIONS:
            path = directory / name
            if path not in self.context.files:
                continue
            try:
                overlay = self.context.files.text(path).splitlines()
            except (OSError, UnicodeDecodeError):
                break
            for number, content in enumerate(overlay, start=1):
                if text in content:
                    return self.context.finding(
                        rule, path, number, content.index(text) + 1, message
                    )
            break
        return obj.finding(rule, field, message)

    def string(self, resource: Resource, expr: Expr | None) -> str | None:
        """The text ``expr`` of ``resource`` always has, or None when it is not static.

        Literals, templates of static parts, `var.*` with a value or default and `local.*` are
        evaluated; anything else (a resource attribute, a function) is unknown.
        """
        module = self.modules.get(resource.file.parent)
        if expr is None or module is None:
            return None
        value = _evaluate(expr, module, 0)
        return value if isinstance(value, str) else None

    def number(self, resource: Resource, expr: Expr | None) -> int | None:
        """The whole number ``expr`` of ``resource`` always has, or None when it is not static.

        Evaluated as :meth:`string` is; a string of digits counts, as Terraform converts it
        where a number is expected.
        """
        module = self.modules.get(resource.file.parent)
        if expr is None or module is None:
            return None
        value = _evaluate(expr, module, 0)
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def attribute(self, resource: Resource, name: str) -> tuple[Attribute | None, str | None]:
        """The attribute ``name`` of ``resource`` and its static text."""
        attribute = resource.block.attributes.get(name)
        return attribute, self.string(resource, attribute.value if attribute else None)

    def google_project(self, resource: Resource) -> str | None:
        """The project a Google resource lives in: its own `project`, else the provider's."""
        attribute = resource.block.attributes.get("project")
        module = self.modules.get(resource.file.parent)
        if attribute is not None:
            return self.string(resource, attribute.value)
        return self.string(resource, module.google_project) if module is not None else None

    def deployments(self) -> Iterator[Deployment]:
        """Every object set whose cluster the repository names, with that cluster."""
        stacks = list(self.kubernetes_stacks())
        for stack, directory in stacks:
            objects = self.rendered_at(directory)
            repository = repository_root(stack.file.parent, self.context.base)
            resources = tuple(r for r in self.resources if r.file.is_relative_to(repository))
            clusters = [
                *(r for r in resources if r.type in CLUSTERS),
                *(c for c in self.calls if c.file.is_relative_to(repository) and cluster_module(c)),
            ]
            if objects is not None and len(clusters) == 1:
                yield Deployment(objects, clusters[0], resources)
        applied = list(self._applied())
        for directory, objects in applied:
            resources = tuple(r for r in self.resources if r.file.parent == directory)
            clusters = self.clusters_in(directory)
            if len(clusters) == 1:
                yield Deployment(objects, clusters[0], resources)
        manifested = [*self._manifested(), *self._applied_files()]
        for directory, objects in manifested:
            resources = tuple(r for r in self.resources if r.file.parent == directory)
            clusters = self.clusters_in(directory)
            if len(clusters) == 1:
                yield Deployment(objects, clusters[0], resources)
        clusters = self.clusters_in(None)
        if (
            not stacks
            and not applied
            and not manifested
            and len(self.sets) == 1
            and len(clusters) == 1
        ):
            yield Deployment(self.sets[0], clusters[0], self.resources)

    def _applied(self) -> Iterator[tuple[Path, ObjectSet]]:
        """Each set a `local-exec` of the Terraform applies (`kubectl apply -k DIR`).

        Yields the module directory and the set; the command's directory is relative to it,
        where Terraform runs a root module's provisioners.
        """
        for resource in self.resources:
            for provisioner in resource.block.blocks("provisioner"):
                if provisioner.label(0) != "local-exec":
                    continue
                _, command = self.attribute_of(resource, provisioner, "command")
                match = _APPLY_K.search(command or "")
                if match is None:
                    continue
                directory = resource.file.parent
                objects = self.rendered_at(directory / match["dir"])
                if objects is not None:
                    yield directory, objects

    def clusters_in(self, directory: Path | None) -> list[Resource]:
        """The clusters one module directory (every one, for None) creates.

        A cluster is a cluster resource, or a call of a community cluster module
        (:func:`cluster_module`), kept as a Resource of type `module`.
        """
        return [
            item
            for item in (*self.resources, *self.calls)
            if (directory is None or item.file.parent == directory)
            and (item.type in CLUSTERS or cluster_module(item) is not None)
        ]

    def cloud(self, cluster: Resource) -> str | None:
        """`gke` or `eks` for a cluster resource or a cluster module's call."""
        return CLUSTERS.get(cluster.type) or cluster_module(cluster)

    def _manifested(self) -> Iterator[tuple[Path, ObjectSet]]:
        """The manifests Terraform applies itself, by module directory, as one set each.

        A `kubectl_manifest` whose `yaml_body` or a `kubernetes_manifest` whose `manifest` is
        `[yamldecode(]file("${path.module}/FILE")[)]` applies the objects of FILE, when FILE
        is one of the root's manifests. A `for_each` over it, or any other path, is not static
        and pairs nothing.
        """
        by_directory: dict[Path, list[Obj]] = {}
        version = self.sets[0].version if self.sets else ""
        for resource in self.resources:
            argument = APPLIED_FILES.get(resource.type)
            attribute = resource.block.attributes.get(argument or "")
            if attribute is None or "for_each" in resource.block.attributes:
                continue
            path = self.file_argument(resource, attribute.value)
            if path is None:
                continue
            objs = [
                obj
                for objects in self.sets
                for obj in objects.objects
                if obj.rendered_by is None and (self.context.base / obj.source).resolve() == path
            ]
            if objs:
                by_directory.setdefault(resource.file.parent, []).extend(objs)
        for directory, objs in by_directory.items():
            yield directory, ObjectSet(tuple(objs), version)

    def _applied_files(self) -> Iterator[tuple[Path, ObjectSet]]:
        """The manifests a `local-exec` applies with `kubectl apply -f PATH`, by module directory.

        PATH is relative to the module directory; a directory applies the manifests in it
        (below it too with `-R`), and only manifests that are not part of a kustomization.
        """
        version = self.sets[0].version if self.sets else ""
        for resource in self.resources:
            for provisioner in resource.block.blocks("provisioner"):
                if provisioner.label(0) != "local-exec":
                    continue
                _, command = self.attribute_of(resource, provisioner, "command")
                objs: list[Obj] = []
                for match in _APPLY_F.finditer(command or ""):
                    target = (resource.file.parent / match["path"]).resolve()
                    flags = f"{match['flags']} {match['rest']}".split()
                    recursive = "-R" in flags or "--recursive" in flags
                    for objects in self.sets:
                        for obj in objects.objects:
                            source = (self.context.base / obj.source).resolve()
                            inside = (
                                source.is_relative_to(target)
                                if recursive
                                else source.parent == target
                            )
                            if obj.rendered_by is None and (source == target or inside):
                                objs.append(obj)
                if objs:
                    yield resource.file.parent, ObjectSet(tuple(objs), version)

    def file_argument(self, resource: Resource, expr: Expr) -> Path | None:
        """The file ``[yamldecode(]file("${path.module}/...")[)]`` reads, when static."""
        if isinstance(expr, Call) and expr.name == "yamldecode" and len(expr.args) == 1:
            expr = expr.args[0]
        if not (isinstance(expr, Call) and expr.name == "file" and len(expr.args) == 1):
            return None
        argument = expr.args[0]
        parts = argument.parts if isinstance(argument, Template) else (argument,)
        text = []
        for part in parts:
            if (
                isinstance(part, Traversal)
                and isinstance(part.source, Variable)
                and part.source.name == "path"
                and [getattr(step, "name", None) for step in part.steps] == ["module"]
            ):
                text.append(".")
                continue
            value = self.string(resource, part)
            if value is None:
                return None
            text.append(value)
        written = "".join(text)
        if not written or written.startswith("/"):
            return None
        return (resource.file.parent / written).resolve()

    def attribute_of(
        self, resource: Resource, block: Block, name: str
    ) -> tuple[Attribute | None, str | None]:
        """The attribute ``name`` of a nested ``block`` of ``resource`` and its static text."""
        attribute = block.attributes.get(name)
        return attribute, self.string(resource, attribute.value if attribute else None)


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


def _substr(text: object, offset: object, length: object) -> object:
    if not isinstance(text, str) or not isinstance(offset, int) or not isinstance(length, int):
        raise TypeError("substr takes a string and two numbers")
    if offset < 0:
        return UNKNOWN
    return text[offset:] if length == -1 else text[offset : offset + length]


def _replace(text: object, search: object, replacement: object) -> object:
    if not all(isinstance(value, str) for value in (text, search, replacement)):
        raise TypeError("replace takes three strings")
    text, search, replacement = str(text), str(search), str(replacement)
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        # Terraform's patterns are RE2; Python's `re` reads the same simple patterns alike,
        # and `$1`-style references differ, so a replacement naming a group is not evaluated.
        if "$" in replacement or "\\" in replacement:
            return UNKNOWN
        return re.sub(search[1:-1], replacement, text)
    return text.replace(search, replacement)


def _strings(function: Callable[..., str]) -> Callable[..., object]:
    def call(*args: object) -> object:
        if not all(isinstance(arg, str) for arg in args):
            raise TypeError("string arguments only")
        return function(*args)

    return call


#: Terraform's pure string functions the evaluator knows, by name.
_FUNCTIONS: dict[str, Callable[..., object]] = {
    "substr": _substr,
    "replace": _replace,
    "lower": _strings(str.lower),
    "upper": _strings(str.upper),
    "trimsuffix": _strings(str.removesuffix),
    "trimprefix": _strings(str.removeprefix),
    "trimspace": _strings(str.strip),
}

#: How deep `local.*` references are followed; deeper (or a cycle) is unknown.
_DEPTH = 16


def _evaluate(expr: Expr, module: Module, depth: int) -> object:
    """The static value of ``expr`` in ``module``: a string or number, else UNKNOWN.

    Written here rather than taken from a library: python-hcl2 parses but does not evaluate,
    and the only evaluator of HCL is Terraform itself, which needs providers and state.
    """
    if depth > _DEPTH:
        return UNKNOWN
    if isinstance(expr, Literal):
        return expr.value if isinstance(expr.value, (str, int, float)) else UNKNOWN
    if isinstance(expr, Paren):
        return _evaluate(expr.expr, module, depth)
    if isinstance(expr, Template):
        parts = [_evaluate(part, module, depth) for part in expr.parts]
        if any(isinstance(part, bool) or not isinstance(part, (str, int)) for part in parts):
            return UNKNOWN
        return "".join(str(part) for part in parts)
    if isinstance(expr, Call) and expr.name in _FUNCTIONS:
        args = [_evaluate(arg, module, depth) for arg in expr.args]
        if any(arg is UNKNOWN or isinstance(arg, bool) for arg in args):
            return UNKNOWN
        try:
            return _FUNCTIONS[expr.name](*args)
        except (TypeError, ValueError, re.error):
            return UNKNOWN
    if (
        isinstance(expr, Traversal)
        and isinstance(expr.source, Variable)
        and len(expr.steps) == 1
        and isinstance(expr.steps[0], GetAttr)
    ):
        name = expr.steps[0].name
        if expr.source.name == "var":
            return module.variables.get(name, UNKNOWN)
        if expr.source.name == "local" and name in module.locals:
            return _evaluate(module.locals[name], module, depth + 1)
    return UNKNOWN


def _tfvars(context: Context, directory: Path) -> dict[str, object]:
    """Values `terraform.tfvars` and then `*.auto.tfvars` give, in Terraform's order."""
    names = sorted(
        path
        for path in context.files
        if path.parent == directory and path.name.endswith(".auto.tfvars")
    )
    found: dict[str, object] = {}
    for path in [directory / "terraform.tfvars", *names]:
        if path not in context.files:
            continue
        try:
            hcl = parse(context.files.text(path), path.name)
        except (HclSyntaxError, OSError, UnicodeDecodeError):
            continue
        found.update(
            (item.name, literal_value(item.value))
            for item in hcl.body
            if isinstance(item, Attribute)
        )
    return found


def _read(
    context: Context, paths: list[Path]
) -> tuple[tuple[Resource, ...], dict[Path, Module], tuple[Resource, ...], tuple[Resource, ...]]:
    found = []
    calls = []
    data = []
    defaults: dict[Path, dict[str, object]] = {}
    locals_: dict[Path, dict[str, Expr]] = {}
    projects: dict[Path, Expr] = {}
    aws: dict[Path, tuple[Expr | None, Expr | None]] = {}
    for path in paths:
        try:
            hcl = parse(context.files.text(path), path.name)
        except (HclSyntaxError, OSError, UnicodeDecodeError):
            continue  # TF001/TF002 report it
        directory = path.parent
        defaults.setdefault(directory, {})
        for block in hcl.blocks():
            if block.type == "resource" and len(block.labels) >= 2:
                found.append(Resource(block.label(0), block.label(1), path, block))
            elif block.type == "module":
                calls.append(Resource("module", block.label(0), path, block))
            elif block.type == "data" and len(block.labels) >= 2:
                data.append(Resource(block.label(0), block.label(1), path, block))
            elif block.type == "variable":
                default = block.attributes.get("default")
                value = literal_value(default.value) if default is not None else UNKNOWN
                defaults[directory][block.label(0)] = value
            elif block.type == "locals":
                locals_.setdefault(directory, {}).update(
                    (item.name, item.value) for item in block.body if isinstance(item, Attribute)
                )
            elif (
                block.type == "provider"
                and block.label(0) == "google"
                and "alias" not in block.attributes
                and "project" in block.attributes
            ):
                projects[directory] = block.attributes["project"].value
            elif (
                block.type == "provider"
                and block.label(0) == "aws"
                and "alias" not in block.attributes
            ):
                region = block.attributes.get("region")
                accounts = block.attributes.get("allowed_account_ids")
                account = (
                    accounts.value.items[0]
                    if accounts is not None
                    and isinstance(accounts.value, TupleExpr)
                    and len(accounts.value.items) == 1
                    else None
                )
                aws[directory] = (region.value if region is not None else None, account)
    modules = {
        directory: Module(
            {**values, **_tfvars(context, directory)},
            locals_.get(directory, {}),
            projects.get(directory),
            *aws.get(directory, (None, None)),
        )
        for directory, values in defaults.items()
    }
    return tuple(found), modules, tuple(calls), tuple(data)


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
    resources, modules, calls, data = _read(context, terraform)
    return Estate(resources, sets, context, modules, calls, data)
