"""A generated project's README steps as data: what each step creates and needs, in order.

The steps are the commands of the README's ``sh`` blocks, in order, plus the commands a step
points to in another file (a ``kubectl`` line in a comment of a file the step names in
backticks, as "the command is in that file"), plus, at the step that names the Spacelift
management root, that root and the stacks it declares in dependency order. ``make`` targets
are expanded by ``make -n``. What a step creates and needs comes from the Terraform (scaffolder's
HCL view) and the manifests (``kubectl kustomize``), never from a list of the templates' steps:

- a Terraform root creates the names its resources declare (IAM roles, GCP service accounts,
  GKE workload pools) and needs every ARN, service account e-mail and workload pool its
  strings, variables and ``terraform.tfvars`` name; inside one root, a resource that names what
  another resource of the root creates must reference it, or Terraform may create it first;
- a Kubernetes apply creates its objects and needs the namespace of each, the Secrets its pods
  read, and the cloud identities its service accounts are annotated with;
- ``kubectl create secret`` creates a Secret and needs its namespace;
- ``gcloud storage buckets create`` and ``aws s3api create-bucket`` create a bucket, which
  ``terraform init -backend-config=bucket=...`` needs.

Kubernetes objects belong to the cluster kubectl points at: the local one until a step fetches
cloud credentials (``get-credentials``, ``update-kubeconfig``); the Spacelift Kubernetes stack
always deploys to the cloud cluster.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scaffolder.validation.terraform.hcl import parse
from scaffolder.validation.terraform.module import Reference, build_module
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Expr,
    GetAttr,
    HclFile,
    Literal,
    ObjectExpr,
    Template,
    Traversal,
    TupleExpr,
    Variable,
    object_key,
)


@dataclass(frozen=True, slots=True, order=True)
class Thing:
    """Something one step makes exist and another may need: ``kind``, where, and its name."""

    kind: str
    name: str
    scope: str = ""

    def __str__(self) -> str:
        where = f" in the {self.scope} cluster" if self.scope else ""
        return f"{self.kind} `{self.name}`{where}"


@dataclass(slots=True)
class Step:
    """One action of the README, with what it creates and what it needs (and from where)."""

    section: str
    command: str
    creates: set[Thing] = field(default_factory=set)
    needs: dict[Thing, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.section}: `{self.command}`"


#: Names a string may carry, and the kind of thing each names.
_NEEDS = [
    (re.compile(r"arn:[\w*-]+:iam::[\d*]+:role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)"), "IAM role"),
    (
        re.compile(r"\b([a-z][a-z0-9-]{4,28}[a-z0-9])@[\w*.-]+\.iam\.gserviceaccount\.com"),
        "GCP service account",
    ),
    (re.compile(r"serviceAccount:([\w*.-]+\.svc\.id\.goog)\["), "GKE workload pool"),
]
#: What a resource type creates: the kind and the argument path holding its name.
_CREATES = {
    "aws_iam_role": ("IAM role", ("name",)),
    "google_service_account": ("GCP service account", ("account_id",)),
    "google_container_cluster": (
        "GKE workload pool",
        ("workload_identity_config", "workload_pool"),
    ),
}
#: Arguments whose principal must exist when the resource is created: GCP IAM refuses a member
#: whose identity pool does not exist yet ("Identity Pool does not exist"), EKS an access entry
#: for a role that does not exist ("principalArn is invalid"). Elsewhere a name may come first:
#: Spacelift checks `spacelift_aws_integration.role_arn` only when the integration is attached.
_CHECKED_AT_CREATION = frozenset({"member", "members", "principal_arn"})
_UNKNOWN = "*"


def _heading(line: str) -> str | None:
    match = re.match(r"^#{2,3} (.+)$", line)
    return match.group(1).strip() if match else None


def _commands(text: str) -> Iterator[str]:
    """Shell lines of a block or comment, continuations joined, comments dropped."""
    pending = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = " ".join((pending + line).split())
        pending = ""
        if line:
            yield line


def _comment_commands(path: Path) -> Iterator[str]:
    """``kubectl`` commands written in ``#`` comments of ``path``."""
    lines = [
        line.split("#", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith("#")
    ]
    for command in _commands("\n".join(lines)):
        if command.startswith("kubectl "):
            yield command


class Project:
    """A generated project: its roots, manifests and make targets, read on demand."""

    def __init__(self, root: Path, make: str, kubectl: str) -> None:
        self.root = root
        self.make = make
        self.kubectl = kubectl
        self._roots: dict[str, tuple[HclFile, ...]] = {}

    def tf(self, directory: str) -> tuple[HclFile, ...]:
        if directory not in self._roots:
            base = self.root / directory
            self._roots[directory] = tuple(
                parse(path.read_text(encoding="utf-8"), path.name)
                for path in sorted(base.glob("*.tf"))
            )
        return self._roots[directory]

    def expand(self, command: str) -> list[str]:
        """``make X`` as the commands it runs (``make -n``); anything else as it is."""
        words = shlex.split(command)
        if not words or words[0] != "make":
            return [command]
        result = subprocess.run(
            [self.make, "-n", "--no-print-directory", *words[1:]],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return [line for line in _commands(result.stdout)]

    def kustomize(self, directory: str) -> list[dict[str, object]]:
        result = subprocess.run(
            [self.kubectl, "kustomize", str(self.root / directory)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return [doc for doc in yaml.safe_load_all(result.stdout) if isinstance(doc, dict)]

    def management_root(self) -> str | None:
        """The Terraform root that declares Spacelift stacks, if any."""
        for path in sorted(self.root.rglob("*.tf")):
            if 'resource "spacelift_stack"' in path.read_text(encoding="utf-8"):
                return path.parent.relative_to(self.root).as_posix()
        return None


def readme_steps(project: Project) -> list[Step]:
    """Every step of the README in order, each with what it creates and needs."""
    text = (project.root / "README.md").read_text(encoding="utf-8")
    management = project.management_root()
    section = ""
    cluster = "local"
    steps: list[Step] = []
    fence: str | None = None  # the language of the fenced block being read, if any
    block: list[str] = []
    management_done = False
    for line in text.splitlines():
        if line.startswith("```"):
            if fence is None:
                fence, block = line[3:].strip(), []
                continue
            if fence in {"sh", "bash", "shell"}:
                for command in _commands("\n".join(block)):
                    for expanded in project.expand(command):
                        cluster = _interpret(project, steps, section, command, expanded, cluster)
            fence = None
            continue
        if fence is not None:
            block.append(line)
            continue
        heading = _heading(line)
        if heading is not None:
            section = heading
            continue
        # Table rows describe the layout; a step names a file or root in its prose.
        for named in re.findall(r"`([^`\s]+)`", "" if line.startswith("|") else line):
            path = project.root / named
            if management and named.rstrip("/") == management and not management_done:
                management_done = True
                steps.extend(_spacelift(project, section, management))
            elif path.is_file() and path.name != "README.md":
                for command in _comment_commands(path):
                    cluster = _interpret(
                        project, steps, section, f"{named}: {command}", command, cluster
                    )
    return steps


def _interpret(
    project: Project, steps: list[Step], section: str, shown: str, command: str, cluster: str
) -> str:
    """Add the step ``command`` is, if it creates or needs anything; return kubectl's cluster."""
    words = shlex.split(command)
    if not words:
        return cluster
    tool = Path(words[0]).name
    if ("get-credentials" in words) or ("update-kubeconfig" in words):
        return "cloud"
    if tool in {"terraform", "tofu"} and "init" in words:
        step = Step(section, shown)
        for word in words:
            if word.startswith("-backend-config=bucket="):
                step.needs[Thing("state bucket", word.split("=", 2)[2])] = "-backend-config"
        if step.needs:
            steps.append(step)
    elif tool == "gcloud" and words[1:4] == ["storage", "buckets", "create"]:
        step = Step(section, shown)
        step.creates.add(Thing("state bucket", words[4].removeprefix("gs://")))
        steps.append(step)
    elif tool == "aws" and words[1:3] == ["s3api", "create-bucket"]:
        step = Step(section, shown)
        bucket = _option(words, ("--bucket",))
        step.creates.update([Thing("state bucket", bucket)] if bucket else [])
        steps.append(step)
    elif tool in {"terraform", "tofu"} and "apply" in words:
        chdir = next((w.split("=", 1)[1] for w in words if w.startswith("-chdir=")), ".")
        steps.append(terraform_step(project, section, shown, chdir))
    elif tool == "kubectl" and "apply" in words:
        target = _option(words, ("-k", "--kustomize"))
        if target is not None:
            steps.append(kubernetes_step(project, section, shown, target, cluster))
    elif tool == "kubectl" and "create" in words and "namespace" in words:
        step = Step(section, shown)
        step.creates.add(Thing("Namespace", words[words.index("namespace") + 1], cluster))
        steps.append(step)
    elif tool == "kubectl" and "create" in words and "secret" in words:
        namespace = _option(words, ("-n", "--namespace")) or "default"
        index = words.index("secret")
        step = Step(section, shown)
        name = words[index + 2]
        step.creates.add(Thing("Secret", f"{namespace}/{name}", cluster))
        step.needs[Thing("Namespace", namespace, cluster)] = "--namespace"
        steps.append(step)
    return cluster


def _option(words: list[str], names: tuple[str, ...]) -> str | None:
    for index, word in enumerate(words):
        for name in names:
            if word == name and index + 1 < len(words):
                return words[index + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


# Terraform ------------------------------------------------------------------------------------


class _Values:
    """Variables (``terraform.tfvars`` over defaults) and locals of one root, as strings."""

    def __init__(self, files: tuple[HclFile, ...], tfvars: HclFile | None) -> None:
        self.variables: dict[str, Expr] = {}
        self.locals: dict[str, Expr] = {}
        for file in files:
            for block in file.blocks("variable"):
                default = block.attributes.get("default")
                if default is not None:
                    self.variables[block.label(0)] = default.value
            for block in file.blocks("locals"):
                self.locals.update((a.name, a.value) for a in block.attributes.values())
        if tfvars is not None:
            self.variables.update(
                (a.name, a.value) for a in tfvars.body if isinstance(a, Attribute)
            )

    def strings(self, expr: Expr, depth: int = 0) -> list[str]:
        """The strings ``expr`` can be, with ``*`` for what cannot be known offline."""
        if depth > 20:
            return [_UNKNOWN]
        if isinstance(expr, Literal):
            if isinstance(expr.value, bool) or expr.value is None:
                return []
            return [str(expr.value)]
        if isinstance(expr, TupleExpr):
            return [s for item in expr.items for s in self.strings(item, depth + 1)]
        if isinstance(expr, Template):
            results = [""]
            for part in expr.parts:
                values = (
                    self.strings(part, depth + 1)
                    if not isinstance(part, Literal)
                    else [str(part.value)]
                )
                values = values or [_UNKNOWN]
                results = [r + v for r in results for v in values][:64]
            return results
        if isinstance(expr, Traversal) and isinstance(expr.source, Variable):
            names = [s.name for s in expr.steps if isinstance(s, GetAttr)]
            table = {"var": self.variables, "local": self.locals}.get(expr.source.name)
            if table is None or not names or names[0] not in table:
                return [_UNKNOWN]
            value: Expr | None = table[names[0]]
            for name in names[1:]:
                items = value.items if isinstance(value, ObjectExpr) else ()
                value = next((i.value for i in items if object_key(i.key) == name), None)
            return self.strings(value, depth + 1) if value is not None else [_UNKNOWN]
        if isinstance(expr, Call) and expr.name in _FUNCTIONS:
            args = [self.strings(arg, depth + 1) or [_UNKNOWN] for arg in expr.args]
            if all(len(arg) == 1 and _UNKNOWN not in arg[0] for arg in args):
                try:
                    return [_FUNCTIONS[expr.name](*(arg[0] for arg in args))]
                except (TypeError, ValueError, re.error):
                    return [_UNKNOWN]
        return [_UNKNOWN]


def _replace(text: str, search: str, replacement: str) -> str:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return re.sub(search[1:-1], replacement.replace("$", "\\"), text)
    return text.replace(search, replacement)


#: The string functions the templates build names with (Terraform semantics, RE2 ~ re here).
_FUNCTIONS: dict[str, Callable[..., str]] = {
    "substr": lambda text, offset, length: (
        text[int(offset) : int(offset) + int(length)] if int(length) >= 0 else text[int(offset) :]
    ),
    "replace": _replace,
    "lower": str.lower,
    "upper": str.upper,
}


def _needs_in(strings: list[str]) -> Iterator[Thing]:
    for text in strings:
        for pattern, kind in _NEEDS:
            for match in pattern.finditer(text):
                if _UNKNOWN not in match.group(1):
                    yield Thing(kind, match.group(1))


def _path_value(block: Block, path: tuple[str, ...]) -> Expr | None:
    for name in path[:-1]:
        nested = next(block.blocks(name), None)
        if nested is None:
            return None
        block = nested
    attribute = block.attributes.get(path[-1])
    return attribute.value if attribute else None


def terraform_step(project: Project, section: str, shown: str, directory: str) -> Step:
    """What applying the root ``directory`` creates and needs; in-root order checked too."""
    files = project.tf(directory)
    tfvars_path = project.root / directory / "terraform.tfvars"
    tfvars = (
        parse(tfvars_path.read_text(encoding="utf-8"), tfvars_path.name)
        if tfvars_path.exists()
        else None
    )
    values = _Values(files, tfvars)
    step = Step(section, shown)
    creators: dict[Thing, str] = {}
    for file in files:
        for block in file.blocks("resource"):
            made = _CREATES.get(block.label(0))
            if made is None:
                continue
            expr = _path_value(block, made[1])
            for name in values.strings(expr) if expr is not None else []:
                if _UNKNOWN not in name:
                    thing = Thing(made[0], name)
                    step.creates.add(thing)
                    creators[thing] = f"{block.label(0)}.{block.label(1)}"
    module = build_module(directory, files, frozenset())
    depends = _dependencies(module.references)
    for file in files:
        for block in file.blocks():
            if block.type not in {"resource", "data", "module", "output"}:
                continue
            address = _address(block)
            for attribute in _attributes(block):
                for thing in _needs_in(values.strings(attribute.value)):
                    creator = creators.get(thing)
                    if creator is None:
                        step.needs.setdefault(thing, f"{directory}/{file.path}:{attribute.line}")
                    elif (
                        attribute.name in _CHECKED_AT_CREATION
                        and creator != address
                        and creator not in _closure(address, depends)
                    ):
                        step.needs[Thing(thing.kind, thing.name, "unordered")] = (
                            f"{directory}/{file.path}:{attribute.line} `{address}` names what "
                            f"`{creator}` creates without referencing it"
                        )
    for item in tfvars.body if tfvars is not None else ():
        if isinstance(item, Attribute):
            for thing in _needs_in(values.strings(item.value)):
                if thing not in creators:
                    step.needs.setdefault(thing, f"{directory}/terraform.tfvars:{item.line}")
    return step


def _attributes(block: Block) -> Iterator[Attribute]:
    for item in block.body:
        if isinstance(item, Attribute):
            yield item
        else:
            yield from _attributes(item)


def _address(block: Block) -> str:
    if block.type == "resource":
        return f"{block.label(0)}.{block.label(1)}"
    return f"{block.type}.{'.'.join(label.value for label in block.labels)}"


def _dependencies(references: list[Reference]) -> dict[str, set[str]]:
    """The addresses each block of a root refers to (resources, data sources, modules)."""
    found: dict[str, set[str]] = {}
    for reference in references:
        names = reference.names
        if reference.block is None or len(names) < 2 or not names[1]:
            continue
        if names[0] == "data" and len(names) > 2 and names[2]:
            target = f"data.{names[1]}.{names[2]}"
        elif names[0] == "module":
            target = f"module.{names[1]}"
        elif "_" in str(names[0]):
            target = f"{names[0]}.{names[1]}"
        else:
            continue
        found.setdefault(_address(reference.block), set()).add(target)
    return found


def _closure(address: str, depends: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [address]
    while stack:
        for target in depends.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


# Kubernetes -----------------------------------------------------------------------------------


def kubernetes_step(
    project: Project, section: str, shown: str, directory: str, cluster: str
) -> Step:
    """What ``kubectl apply -k directory`` creates and needs in ``cluster``."""
    step = Step(section, shown)
    objects = project.kustomize(directory)
    for obj in objects:
        kind = str(obj.get("kind", ""))
        meta = obj.get("metadata") or {}
        assert isinstance(meta, dict)
        name = str(meta.get("name", ""))
        namespace = meta.get("namespace")
        if kind == "Namespace":
            step.creates.add(Thing("Namespace", name, cluster))
            continue
        if namespace:
            step.needs.setdefault(Thing("Namespace", str(namespace), cluster), f"{kind} {name}")
            qualified = f"{namespace}/{name}"
        else:
            qualified = name
        step.creates.add(Thing(kind, qualified, cluster))
        annotations = meta.get("annotations") or {}
        if isinstance(annotations, dict):
            for thing in _needs_in([str(v) for v in annotations.values()]):
                step.needs.setdefault(thing, f"{kind} {name} annotation")
        for secret in _secrets(obj):
            step.needs.setdefault(
                Thing("Secret", f"{namespace}/{secret}", cluster), f"{kind} {name}"
            )
    for thing in list(step.needs):
        if thing in step.creates:
            del step.needs[thing]
    return step


def _secrets(obj: object) -> Iterator[str]:
    """Secrets a manifest's pods read (not optional ones)."""
    if isinstance(obj, dict):
        for key in ("secretKeyRef", "secretRef"):
            ref = obj.get(key)
            if isinstance(ref, dict) and not ref.get("optional") and ref.get("name"):
                yield str(ref["name"])
        secret = obj.get("secret")
        if isinstance(secret, dict) and secret.get("secretName") and not secret.get("optional"):
            yield str(secret["secretName"])
        for value in obj.values():
            yield from _secrets(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _secrets(value)


# Spacelift ------------------------------------------------------------------------------------


def _spacelift(project: Project, section: str, management: str) -> list[Step]:
    """The management root, then the stacks it declares, in their dependency order."""
    steps = [terraform_step(project, section, f"Spacelift applies {management}/", management)]
    files = project.tf(management)
    values = _Values(files, None)
    stacks: dict[str, tuple[str, bool]] = {}
    after: dict[str, set[str]] = {}
    for file in files:
        for block in file.blocks("resource"):
            if block.label(0) == "spacelift_stack":
                root = block.attributes.get("project_root")
                roots = values.strings(root.value) if root else ["."]
                stacks[block.label(1)] = (
                    roots[0],
                    next(block.blocks("kubernetes"), None) is not None,
                )
            elif block.label(0) == "spacelift_stack_dependency":
                refs = {a.name: a.value for a in block.attributes.values()}
                names = [
                    _stack_ref(refs.get("stack_id")),
                    _stack_ref(refs.get("depends_on_stack_id")),
                ]
                if names[0] and names[1]:
                    after.setdefault(names[0], set()).add(names[1])
    done: list[str] = []
    while len(done) < len(stacks):
        ready = sorted(n for n in stacks if n not in done and after.get(n, set()) <= set(done))
        if not ready:
            break
        done.append(ready[0])
    for name in done:
        directory, kubernetes = stacks[name]
        shown = f"Spacelift stack `{name}` applies {directory}"
        steps.append(
            kubernetes_step(project, section, shown, directory, "cloud")
            if kubernetes
            else terraform_step(project, section, shown, directory)
        )
    return steps


def _stack_ref(expr: Expr | None) -> str | None:
    if isinstance(expr, Traversal) and isinstance(expr.source, Variable):
        names = [s.name for s in expr.steps if isinstance(s, GetAttr)]
        if expr.source.name == "spacelift_stack" and names:
            return names[0]
    return None


# Order ----------------------------------------------------------------------------------------


def order_problems(steps: list[Step]) -> list[str]:
    """Each need met only by a later step, or (Kubernetes) by none; and unordered in-root uses."""
    problems: list[str] = []
    for index, step in enumerate(steps):
        for thing, where in sorted(step.needs.items()):
            if thing.scope == "unordered":
                problems.append(f"{step}: {where}")
                continue
            if any(thing in earlier.creates for earlier in steps[:index]):
                continue
            later = next((s for s in steps[index + 1 :] if thing in s.creates), None)
            if later is not None:
                problems.append(f"{step} needs {thing} ({where}), which only {later} creates")
            elif thing.kind in {"Namespace", "Secret"}:
                problems.append(f"{step} needs {thing} ({where}), which no step creates")
    return problems
