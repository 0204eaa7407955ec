"""Spacelift domain: `.spacelift/config.yml` and the stack wiring in the management Terraform.

The wiring is read from the Terraform that creates the stacks (`spacelift_stack`,
`spacelift_stack_dependency`, `spacelift_stack_dependency_reference`), resolved against the
Terraform of each stack's `project_root` and the hooks of config.yml. `for_each` over a literal
map or a local holding one (with `each.key`/`each.value`) is evaluated, as generated code does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.model import finding_at as _finding


def _rule(rule_id: str, name: str, severity: Severity, summary: str) -> Rule:
    return Rule(rule_id, name, "spacelift", severity, summary)


E, W = Severity.ERROR, Severity.WARNING
CONFIG_SYNTAX = _rule("SL001", "config-syntax", E, "`.spacelift/config.yml` is not a YAML mapping.")
CONFIG_KEY = _rule(
    "SL002", "config-unknown-key", E, "config.yml has a key Spacelift does not know."
)
CONFIG_TYPE = _rule("SL003", "config-type", E, "A config.yml setting has the wrong type.")
PROJECT_ROOT = _rule(
    "SL004",
    "project-root-missing",
    E,
    "A stack's `project_root` (config.yml or spacelift_stack) does not exist.",
)
UNKNOWN_STACK = _rule(
    "SL101", "dependency-unknown-stack", E, "A stack dependency names a stack that is not declared."
)
CYCLE = _rule("SL102", "dependency-cycle", E, "Stack dependencies form a cycle.")
UNKNOWN_OUTPUT = _rule(
    "SL103", "reference-unknown-output", E, "A reference reads an output the parent stack lacks."
)
UNKNOWN_INPUT = _rule(
    "SL104", "reference-unknown-input", E, "A reference sets an input the child stack does not use."
)
NOT_IN_CONFIG = _rule(
    "SL105", "stack-without-config", W, "A stack created here has no entry in config.yml."
)
CONFIG_WITHOUT_STACK = _rule(
    "SL106", "config-without-stack", W, "config.yml configures a stack that is not created here."
)
KUBERNETES_PARENT = _rule(
    "SL107", "kubernetes-stack-parent", E, "A Kubernetes stack is the parent of references."
)
ROOT_MISMATCH = _rule(
    "SL108",
    "project-root-mismatch",
    E,
    "config.yml and the stack's Terraform give a stack different project roots.",
)
RULES = (
    CONFIG_SYNTAX,
    CONFIG_KEY,
    CONFIG_TYPE,
    PROJECT_ROOT,
    UNKNOWN_STACK,
    CYCLE,
    UNKNOWN_OUTPUT,
    UNKNOWN_INPUT,
    NOT_IN_CONFIG,
    CONFIG_WITHOUT_STACK,
    KUBERNETES_PARENT,
    ROOT_MISMATCH,
)

HOOKS = {
    f"{when}_{phase}"
    for when in ("before", "after")
    for phase in ("init", "plan", "apply", "destroy", "perform")
} | {"after_run"}
STACK_KEYS = {
    *HOOKS,
    "environment",
    "project_root",
    "runner_image",
    "terraform_version",
    "terraform_workspace",
}
TOP_KEYS = {"version", "stack_defaults", "stacks", "module_version", "test_defaults", "tests"}
CONFIG_NAMES = ("config.yml", "config.yaml")


def is_config(path: Path) -> bool:
    """A Spacelift runtime configuration file."""
    return path.parent.name == ".spacelift" and path.name in CONFIG_NAMES


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
    findings: list[Finding] = field(default_factory=list)


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def management_directories(
    files: list[Path], contents: dict[Path, bytes] | None = None
) -> list[Path]:
    """Directories whose Terraform declares `spacelift_stack` resources."""
    found = set()
    for path in files:
        if path.suffix == ".tf":
            try:
                data = contents[path] if contents and path in contents else path.read_bytes()
            except OSError:
                continue
            if b'"spacelift_stack"' in data:
                found.add(path.parent)
    return sorted(found)


def read_wiring(directory: Path) -> Wiring:
    """Stacks, dependencies and references declared by the Terraform in ``directory``."""
    from scaffolder.validation.terraform.hcl import HclSyntaxError, parse
    from scaffolder.validation.terraform.syntax import (
        Attribute,
        Block,
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
            hcl = parse(path.read_text(encoding="utf-8"), path.name)
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


@dataclass
class Config:
    """A parsed config.yml, with positions."""

    path: Path
    stacks: dict[str, dict[str, object]]
    defaults: dict[str, object]
    document: object

    def locate(self, *steps: str | int) -> tuple[int, int]:
        """Line and column of the value at ``steps``."""
        return self.document.locate(list(steps))  # type: ignore[attr-defined, no-any-return]

    def hooks(self, slug: str) -> str:
        """Every hook command that runs for stack ``slug``, as one text."""
        commands: list[str] = []
        for settings in (self.defaults, self.stacks.get(slug) or {}):
            for key in HOOKS:
                value = settings.get(key) if isinstance(settings, dict) else None
                if isinstance(value, list):
                    commands.extend(str(item) for item in value)
        return "\n".join(commands)


def _check_config(base: Path, path: Path) -> tuple[list[Finding], Config | None]:
    from scaffolder.validation.yamlpos import YamlSyntaxError, load_documents

    findings: list[Finding] = []
    try:
        documents = load_documents(path.read_text(encoding="utf-8"))
    except YamlSyntaxError as error:
        message = f"invalid YAML: {error.message}"
        return [_finding(base, path, CONFIG_SYNTAX, error.line, error.column, message)], None
    except (OSError, UnicodeDecodeError) as error:
        return [_finding(base, path, CONFIG_SYNTAX, 1, 1, f"cannot read: {error}")], None
    if not documents or not isinstance(documents[0].data, dict):
        return [_finding(base, path, CONFIG_SYNTAX, 1, 1, "config.yml must be a mapping")], None
    document = documents[0]
    data = document.data

    def at(*steps: str | int) -> tuple[int, int]:
        return document.locate(list(steps))

    for key in data:
        if key not in TOP_KEYS:
            findings.append(
                _finding(base, path, CONFIG_KEY, *at(key), f"unknown top-level key `{key}`")
            )
    version = data.get("version")
    if version is not None and not isinstance(version, (str, int)):
        findings.append(
            _finding(base, path, CONFIG_TYPE, *at("version"), "`version` must be a string")
        )
    sections: list[tuple[tuple[str | int, ...], object]] = [
        (("stack_defaults",), data.get("stack_defaults"))
    ]
    stacks = data.get("stacks")
    if stacks is not None and not isinstance(stacks, dict):
        findings.append(
            _finding(
                base, path, CONFIG_TYPE, *at("stacks"), "`stacks` must map stack slugs to settings"
            )
        )
        stacks = {}
    for slug, settings in (stacks or {}).items():
        sections.append((("stacks", slug), settings))
    for steps, settings in sections:
        if settings is None:
            continue
        where = ".".join(str(step) for step in steps)
        if not isinstance(settings, dict):
            findings.append(
                _finding(base, path, CONFIG_TYPE, *at(*steps), f"`{where}` must be a mapping")
            )
            continue
        for key, value in settings.items():
            position = at(*steps, key)
            if key not in STACK_KEYS:
                findings.append(
                    _finding(
                        base, path, CONFIG_KEY, *position, f"unknown stack setting `{where}.{key}`"
                    )
                )
            elif key in HOOKS and not (
                isinstance(value, list) and all(isinstance(item, str) for item in value)
            ):
                findings.append(
                    _finding(
                        base,
                        path,
                        CONFIG_TYPE,
                        *position,
                        f"`{where}.{key}` must be a list of command strings",
                    )
                )
            elif key == "environment" and not (
                isinstance(value, dict)
                and all(isinstance(v, (str, int, float, bool)) for v in value.values())
            ):
                findings.append(
                    _finding(
                        base,
                        path,
                        CONFIG_TYPE,
                        *position,
                        f"`{where}.environment` must map names to values",
                    )
                )
            elif key not in HOOKS and key != "environment" and not isinstance(value, str):
                findings.append(
                    _finding(
                        base, path, CONFIG_TYPE, *position, f"`{where}.{key}` must be a string"
                    )
                )
            elif key == "project_root" and isinstance(value, str):
                root = path.parent.parent / value.strip("/")
                if not root.is_dir():
                    findings.append(
                        _finding(
                            base,
                            path,
                            PROJECT_ROOT,
                            *position,
                            f"`{where}.project_root` `{value}` is not a directory of the "
                            "repository",
                        )
                    )
    config = Config(
        path,
        {str(k): v for k, v in (stacks or {}).items() if isinstance(v, dict)},
        data.get("stack_defaults") if isinstance(data.get("stack_defaults"), dict) else {},
        document,
    )
    return findings, config


Interfaces = dict[Path, "tuple[set[str], set[str]] | None"]


def _interface(directory: Path, known: Interfaces) -> tuple[set[str], set[str]] | None:
    """Outputs and variables of the Terraform in ``directory`` (None when there is none).

    ``known`` holds what the Terraform domain already found; a directory outside the validated
    paths is parsed here once and remembered.
    """
    from scaffolder.validation.terraform.hcl import HclSyntaxError, parse

    key = directory.resolve()
    if key in known:
        return known[key]
    files = sorted(directory.glob("*.tf")) if directory.is_dir() else []
    outputs: set[str] = set()
    variables: set[str] = set()
    result: tuple[set[str], set[str]] | None = (outputs, variables) if files else None
    for path in files:
        try:
            hcl = parse(path.read_text(encoding="utf-8"), path.name)
        except (HclSyntaxError, OSError, UnicodeDecodeError):
            result = None
            break
        outputs.update(block.label(0) for block in hcl.blocks("output"))
        variables.update(block.label(0) for block in hcl.blocks("variable"))
    known[key] = result
    return result


def _repository_root(directory: Path, base: Path) -> Path:
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


def _config_file(repo_root: Path) -> Path | None:
    return next(
        (path for name in CONFIG_NAMES if (path := repo_root / ".spacelift" / name).is_file()),
        None,
    )


def check(
    base: Path,
    files: list[Path],
    *,
    contents: dict[Path, bytes] | None = None,
    interfaces: Interfaces | None = None,
) -> Iterator[Finding]:
    """Check config.yml and the wiring of every management configuration under ``base``.

    ``contents`` and ``interfaces`` are what the Terraform domain already read and found.
    """
    known: Interfaces = interfaces if interfaces is not None else {}
    checked: dict[Path, Config | None] = {}

    def load(path: Path) -> Iterator[Finding]:
        if path not in checked:
            found, checked[path] = _check_config(base, path)
            yield from found

    for path in files:
        if is_config(path):
            yield from load(path)
    for directory in management_directories(files, contents):
        repo_root = _repository_root(directory, base)
        config_path = _config_file(repo_root)
        if config_path is not None:
            yield from load(config_path)
        config = checked.get(config_path) if config_path else None
        yield from check_wiring(base, repo_root, read_wiring(directory), config, directory, known)


def _resolve(wiring: Wiring, address: str | None) -> Stack | None:
    if address is None:
        return None
    if address.startswith("slug:"):
        slug = address[5:]
        return next((s for s in wiring.stacks.values() if s.slug == slug), None)
    return wiring.stacks.get(address)


def check_wiring(
    base: Path,
    repo_root: Path,
    wiring: Wiring,
    config: Config | None,
    management: Path,
    known: Interfaces | None = None,
) -> Iterator[Finding]:
    """SL101-SL108 for one management configuration."""
    interfaces: Interfaces = known if known is not None else {}
    edges: dict[str, set[str]] = {}
    for dependency in wiring.dependencies.values():
        ends = []
        for role, address in (
            ("stack_id", dependency.child),
            ("depends_on_stack_id", dependency.parent),
        ):
            stack = _resolve(wiring, address)
            if (
                stack is None
                and address
                and (address.startswith("slug:") or address.startswith("spacelift_stack."))
            ):
                shown = address.removeprefix("slug:")
                line, column = dependency.positions.get(role, (dependency.line, dependency.column))
                yield _finding(
                    base,
                    dependency.file,
                    UNKNOWN_STACK,
                    line,
                    column,
                    f"`{dependency.address}` {role} names `{shown}`, which no spacelift_stack "
                    "here declares",
                )
            ends.append(stack)
        child, parent = ends
        if child is None or parent is None:
            continue
        edges.setdefault(parent.slug, set()).add(child.slug)
        parent_interface = _interface(repo_root / parent.project_root, interfaces)
        child_interface = _interface(repo_root / child.project_root, interfaces)
        child_hooks = config.hooks(child.slug) if config else None
        for reference in dependency.references:
            output, input_name, path = reference.output, reference.input, reference.file
            if parent.kubernetes:
                yield _finding(
                    base,
                    path,
                    KUBERNETES_PARENT,
                    *reference.output_at,
                    f"`{parent.slug}` is a Kubernetes stack: it has no output `{output}` to "
                    "pass on",
                )
            elif parent_interface is not None and output not in parent_interface[0]:
                yield _finding(
                    base,
                    path,
                    UNKNOWN_OUTPUT,
                    *reference.output_at,
                    f"`{parent.slug}` has no output `{output}` in `{parent.project_root or '.'}`",
                )
            used_by_hook = child_hooks is not None and re.search(
                r"\$\{?" + re.escape(input_name) + r"\b", child_hooks
            )
            if input_name.startswith("TF_VAR_") and not child.kubernetes:
                variable = input_name[len("TF_VAR_") :]
                if (
                    child_interface is not None
                    and variable not in child_interface[1]
                    and not used_by_hook
                ):
                    yield _finding(
                        base,
                        path,
                        UNKNOWN_INPUT,
                        *reference.input_at,
                        f"`{child.slug}` has no variable `{variable}` for input `{input_name}`",
                    )
            elif child_hooks is not None and not used_by_hook:
                yield _finding(
                    base,
                    path,
                    UNKNOWN_INPUT,
                    *reference.input_at,
                    f"input `{input_name}` of `{child.slug}` is used by none of its hooks "
                    "in .spacelift/config.yml",
                )
    yield from _cycles(base, wiring, edges)
    for stack in wiring.stacks.values():
        if not (repo_root / stack.project_root).is_dir():
            line, column = stack.root_at or (stack.line, stack.column)
            yield _finding(
                base,
                stack.file,
                PROJECT_ROOT,
                line,
                column,
                f"stack `{stack.slug}` project_root `{stack.project_root}` is not a directory "
                "of the repository",
            )
    if config is None:
        return
    management_root = management.resolve().relative_to(repo_root.resolve()).as_posix()
    declared = {stack.slug: stack for stack in wiring.stacks.values()}
    for slug, stack in declared.items():
        settings = config.stacks.get(slug)
        configured = settings.get("project_root") if settings else None
        if isinstance(configured, str) and configured.strip("/") != stack.project_root:
            yield _finding(
                base,
                config.path,
                ROOT_MISMATCH,
                *config.locate("stacks", slug, "project_root"),
                f"`{slug}` has project_root `{configured}` here but `{stack.project_root}` in "
                f"{stack.file.relative_to(base).as_posix()}",
            )
        if slug not in config.stacks:
            yield _finding(
                base,
                stack.file,
                NOT_IN_CONFIG,
                stack.line,
                stack.column,
                f"stack `{slug}` has no entry under `stacks` in .spacelift/config.yml",
            )
    for slug, settings in config.stacks.items():
        root = str(settings.get("project_root", "")).strip("/")
        if slug not in declared and root != management_root:
            yield _finding(
                base,
                config.path,
                CONFIG_WITHOUT_STACK,
                *config.locate("stacks", slug),
                f"config.yml configures `{slug}`, which no spacelift_stack here creates",
            )


def _cycles(base: Path, wiring: Wiring, edges: dict[str, set[str]]) -> Iterator[Finding]:
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, trail: list[str]) -> Iterator[list[str]]:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                yield [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
            elif nxt not in state:
                yield from visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start in state:
            continue
        for cycle in visit(start, [start]):
            if frozenset(cycle) in reported:
                continue
            reported.add(frozenset(cycle))
            stack = next(s for s in wiring.stacks.values() if s.slug == cycle[0])
            yield _finding(
                base,
                stack.file,
                CYCLE,
                stack.line,
                stack.column,
                "stack dependencies form a cycle: " + " → ".join(f"`{s}`" for s in cycle),
            )


@dataclass(frozen=True, slots=True)
class Graph:
    """The stack graph: stacks, and who feeds whom with which outputs."""

    stacks: tuple[tuple[str, str, str], ...]
    edges: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "stacks": [
                {"slug": slug, "project_root": root, "kind": kind}
                for slug, root, kind in self.stacks
            ],
            "dependencies": [
                {
                    "parent": parent,
                    "child": child,
                    "references": [{"output": out, "input": inp} for out, inp in refs],
                }
                for parent, child, refs in self.edges
            ],
        }


def build_graph(root: Path) -> Graph:
    """The Spacelift stack graph declared by the management Terraform under ``root``."""
    from scaffolder.validation import discover

    files = [path for path in discover(root) if path.suffix == ".tf"]
    stacks: dict[str, tuple[str, str, str]] = {}
    edges = []
    for directory in management_directories(files):
        wiring = read_wiring(directory)
        for stack in wiring.stacks.values():
            kind = "kubernetes" if stack.kubernetes else "terraform"
            stacks[stack.slug] = (stack.slug, stack.project_root or ".", kind)
        for dependency in wiring.dependencies.values():
            child = _resolve(wiring, dependency.child)
            parent = _resolve(wiring, dependency.parent)
            if child and parent:
                refs = tuple(sorted((ref.output, ref.input) for ref in dependency.references))
                edges.append((parent.slug, child.slug, refs))
    return Graph(tuple(sorted(stacks.values())), tuple(sorted(edges)))


def _node(slug: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", slug)


def render_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: parents on the left, references on the edges."""
    lines = ["flowchart LR"]
    for slug, root, kind in graph.stacks:
        lines.append(f'    {_node(slug)}["{slug}<br/>{kind}: {root}"]')
    for parent, child, refs in graph.edges:
        label = "<br/>".join(f"{out} → {inp}" for out, inp in refs)
        arrow = f'-->|"{label}"|' if label else "-->"
        lines.append(f"    {_node(parent)} {arrow} {_node(child)}")
    return "\n".join(lines) + "\n"


def render_dot(graph: Graph) -> str:
    """A Graphviz digraph."""
    lines = ["digraph stacks {", "  rankdir=LR;", "  node [shape=box];"]
    for slug, root, kind in graph.stacks:
        lines.append(f'  "{slug}" [label="{slug}\\n{kind}: {root}"];')
    for parent, child, refs in graph.edges:
        label = "\\n".join(f"{out} → {inp}" for out, inp in refs)
        lines.append(f'  "{parent}" -> "{child}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
