"""The adapter from the management Terraform to Spacelift wiring: stacks, dependencies, references.

The wiring is read from the resources that create stacks (`spacelift_stack`,
`spacelift_stack_dependency`, `spacelift_stack_dependency_reference`). `for_each` over a literal
map or a local holding one (with `each.key`/`each.value`) is evaluated, as generated code does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scaffolder.validation.files import FileSet


@dataclass
class Stack:
    """A `spacelift_stack` as the management Terraform declares it."""

    address: str
    slug: str
    project_root: str
    kubernetes: bool
    file: Path
    line: int
    column: int
    root_at: tuple[int, int] | None = None
    #: How Spacelift sanitizes the values plan policies see: "default" (every string hashed),
    #: "smart" (only sensitive values), "none" (`feature:disable_resource_sanitization`), or
    #: "" for stacks whose plans are not Terraform's (Kubernetes, Pulumi, …).
    sanitization: str = "default"
    #: Where the setting is (the attribute, else the stack block).
    sanitization_at: tuple[int, int] = (0, 0)
    #: The `repository` attribute when it is a literal name; None for an expression or none.
    repository: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """A `spacelift_policy` whose body is a file of the repository."""

    address: str
    type: str
    #: The policy file `body = file(...)` names, when it is one.
    body: Path | None
    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """`spacelift_policy_attachment`: ``policy`` runs for ``stack`` (addresses)."""

    policy: str | None
    stack: str | None


@dataclass(frozen=True, slots=True)
class Reference:
    """`spacelift_stack_dependency_reference`: ``output`` of the parent becomes ``input``."""

    output: str
    input: str
    file: Path
    output_at: tuple[int, int]
    input_at: tuple[int, int]


@dataclass
class Dependency:
    """`spacelift_stack_dependency`: ``child`` runs after ``parent``."""

    address: str
    child: str | None
    parent: str | None
    file: Path
    line: int
    column: int
    references: list[Reference] = field(default_factory=list)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Wiring:
    """Stacks, dependencies and references of one management configuration."""

    stacks: dict[str, Stack] = field(default_factory=dict)
    dependencies: dict[str, Dependency] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def declares_stacks(files: FileSet, path: Path) -> bool:
    """True when the Terraform file ``path`` declares a `spacelift_stack`."""
    try:
        return path.suffix == ".tf" and b'"spacelift_stack"' in files.read(path)
    except OSError:
        return False


def management_directories(files: FileSet, paths: Iterable[Path]) -> list[Path]:
    """Directories whose Terraform declares `spacelift_stack` resources."""
    return sorted({path.parent for path in paths if declares_stacks(files, path)})


def read_wiring(files: FileSet, directory: Path) -> Wiring:
    """Stacks, dependencies and references declared by the Terraform in ``directory``.

    The management Terraform is parsed here, from the bytes the run already read: the
    Terraform domain's workers keep only module interfaces, not the blocks wiring needs.
    """
    from scaffolder.validation.terraform.hcl import HclSyntaxError, parse
    from scaffolder.validation.terraform.syntax import (
        Attribute,
        Block,
        Call,
        Literal,
        Template,
        Traversal,
        Variable,
        literal_value,
        string_value,
    )

    wiring = Wiring()
    locals_: dict[str, object] = {}
    blocks: list[tuple[Path, Block]] = []
    for path in sorted(directory.glob("*.tf")):
        try:
            hcl = parse(files.text(path), path.name)
        except (HclSyntaxError, OSError, UnicodeDecodeError):
            continue  # TF001/TF002 report it
        for block in hcl.blocks():
            blocks.append((path, block))
            if block.type == "locals":
                for item in block.body:
                    if isinstance(item, Attribute):
                        locals_[item.name] = literal_value(item.value)

    def address_of(expr: object) -> str | None:
        """`spacelift_stack.x.id` -> `x`; a literal slug -> `slug:<slug>`."""
        if isinstance(expr, Traversal) and isinstance(expr.source, Variable):
            names = [getattr(step, "name", None) for step in expr.steps]
            if names and names[0]:
                return f"{expr.source.name}.{names[0]}"
        text = string_value(expr)  # type: ignore[arg-type]
        return f"slug:{text}" if text else None

    def each_entries(block: Block) -> list[tuple[str, str]]:
        """``(each.key, each.value)`` pairs of a literal for_each, or one empty pair."""
        for_each = block.attributes.get("for_each")
        if for_each is None:
            return [("", "")]
        value = literal_value(for_each.value)
        source = for_each.value
        if (
            isinstance(source, Traversal)
            and isinstance(source.source, Variable)
            and source.source.name == "local"
            and source.steps
        ):
            value = locals_.get(str(getattr(source.steps[0], "name", "")))
        if isinstance(value, dict):
            return [(str(k), str(v)) for k, v in value.items()]
        if isinstance(value, list):
            return [(str(v), str(v)) for v in value]
        return []

    def value_of(expr: object) -> object:
        """A literal, or the literal a `local.<name>` holds."""
        if (
            isinstance(expr, Traversal)
            and isinstance(expr.source, Variable)
            and expr.source.name == "local"
            and len(expr.steps) == 1
        ):
            return locals_.get(str(getattr(expr.steps[0], "name", "")))
        return literal_value(expr)  # type: ignore[arg-type]

    def sanitization(block: Block) -> tuple[str, tuple[int, int]]:
        """How the stack's plan values are sanitized, and where that is decided."""
        attrs = block.attributes
        labels = value_of(attrs["labels"].value) if "labels" in attrs else []
        if isinstance(labels, list) and "feature:disable_resource_sanitization" in labels:
            return "none", (attrs["labels"].line, attrs["labels"].column)
        for vendor in ("kubernetes", "pulumi", "cloudformation", "ansible"):
            if any(True for _ in block.blocks(vendor)):
                return "", (block.line, block.column)
        # Native OpenTofu stacks default to smart sanitization, Terragrunt and Terraform not
        # (terraform-provider-spacelift, docs/resources/stack.md).
        for vendor, default in (("opentofu", True), ("terragrunt", False)):
            for nested in block.blocks(vendor):
                setting = nested.attributes.get("use_smart_sanitization")
                if setting is None:
                    return ("smart" if default else "default"), (nested.line, nested.column)
                smart = literal_value(setting.value) is True
                return ("smart" if smart else "default"), (setting.line, setting.column)
        setting = attrs.get("terraform_smart_sanitization")
        if setting is None:
            return "default", (block.line, block.column)
        smart = literal_value(setting.value) is True
        return ("smart" if smart else "default"), (setting.line, setting.column)

    def body_file(directory: Path, expr: object) -> Path | None:
        """The file `file("${path.module}/x.rego")` or `file("x.rego")` reads."""
        if not isinstance(expr, Call) or expr.name != "file" or len(expr.args) != 1:
            return None
        arg = expr.args[0]
        if isinstance(arg, Literal) and isinstance(arg.value, str):
            return directory / arg.value
        if isinstance(arg, Template) and len(arg.parts) == 2:
            head, tail = arg.parts
            if (
                isinstance(head, Traversal)
                and isinstance(head.source, Variable)
                and head.source.name == "path"
                and [getattr(step, "name", None) for step in head.steps] == ["module"]
                and isinstance(tail, Literal)
                and isinstance(tail.value, str)
            ):
                return directory / tail.value.lstrip("/")
        return None

    def text_of(expr: object, key: str, value: str) -> str | None:
        if (
            isinstance(expr, Traversal)
            and isinstance(expr.source, Variable)
            and expr.source.name == "each"
            and expr.steps
        ):
            step = getattr(expr.steps[0], "name", "")
            return key if step == "key" else value if step == "value" else None
        return string_value(expr)  # type: ignore[arg-type]

    for path, block in blocks:
        if block.type != "resource" or len(block.labels) < 2:
            continue
        kind, name = block.label(0), block.label(1)
        attrs = block.attributes
        if kind == "spacelift_stack":
            slug = string_value(attrs["slug"].value) if "slug" in attrs else None
            display = string_value(attrs["name"].value) if "name" in attrs else None
            root = string_value(attrs["project_root"].value) if "project_root" in attrs else ""
            sanitized, sanitized_at = sanitization(block)
            wiring.stacks[f"spacelift_stack.{name}"] = Stack(
                address=f"spacelift_stack.{name}",
                slug=slug or _slugify(display or name),
                project_root=(root or "").strip("/"),
                kubernetes=any(True for _ in block.blocks("kubernetes")),
                file=path,
                line=block.line,
                column=block.column,
                root_at=(
                    (attrs["project_root"].value.line, attrs["project_root"].value.column)
                    if "project_root" in attrs
                    else None
                ),
                sanitization=sanitized,
                sanitization_at=sanitized_at,
                repository=string_value(attrs["repository"].value)
                if "repository" in attrs
                else None,
            )
        elif kind == "spacelift_policy":
            type_ = string_value(attrs["type"].value) if "type" in attrs else None
            body = body_file(directory, attrs["body"].value) if "body" in attrs else None
            wiring.policies[f"{kind}.{name}"] = Policy(
                f"{kind}.{name}", type_ or "", body, path, block.line
            )
        elif kind == "spacelift_policy_attachment":
            wiring.attachments.append(
                Attachment(
                    address_of(attrs["policy_id"].value) if "policy_id" in attrs else None,
                    address_of(attrs["stack_id"].value) if "stack_id" in attrs else None,
                )
            )
        elif kind == "spacelift_stack_dependency":
            child = address_of(attrs["stack_id"].value) if "stack_id" in attrs else None
            parent = (
                address_of(attrs["depends_on_stack_id"].value)
                if "depends_on_stack_id" in attrs
                else None
            )
            wiring.dependencies[f"{kind}.{name}"] = Dependency(
                f"{kind}.{name}",
                child,
                parent,
                path,
                block.line,
                block.column,
                positions={
                    key: (attrs[key].value.line, attrs[key].value.column)
                    for key in ("stack_id", "depends_on_stack_id")
                    if key in attrs
                },
            )
    for path, block in blocks:
        if block.type != "resource" or block.label(0) != "spacelift_stack_dependency_reference":
            continue
        attrs = block.attributes
        if "stack_dependency_id" not in attrs:
            continue
        dependency = address_of(attrs["stack_dependency_id"].value)
        target = wiring.dependencies.get(dependency or "")
        if target is None:
            continue
        if "output_name" not in attrs or "input_name" not in attrs:
            continue
        out_attr, in_attr = attrs["output_name"], attrs["input_name"]
        for key, value in each_entries(block):
            output = text_of(out_attr.value, key, value)
            input_ = text_of(in_attr.value, key, value)
            if output and input_:
                target.references.append(
                    Reference(
                        output,
                        input_,
                        path,
                        (out_attr.line, out_attr.column),
                        (in_attr.line, in_attr.column),
                    )
                )
    return wiring


def resolve(wiring: Wiring, address: str | None) -> Stack | None:
    """The stack an address (`spacelift_stack.x` or `slug:<slug>`) names, when declared."""
    if address is None:
        return None
    if address.startswith("slug:"):
        slug = address[5:]
        return next((s for s in wiring.stacks.values() if s.slug == slug), None)
    return wiring.stacks.get(address)


def repository_root(directory: Path, base: Path) -> Path:
    """The nearest directory from ``directory`` up to ``base`` with a `.spacelift/` folder.

    Without one, the management Terraform is taken to sit one level below the repository root
    (`<repo>/spacelift/`), as project roots are relative to the repository root.
    """
    for candidate in [directory, *directory.parents]:
        if (candidate / ".spacelift").is_dir():
            return candidate
        if candidate == base:
            break
    return directory.parent if directory != base else base
