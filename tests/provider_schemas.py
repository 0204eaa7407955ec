"""Terraform provider schemas read offline from prebuilt CDK provider packages on PyPI.

The CDK for Terraform (``cdktf-cdktf-provider-*``) and CDK Terrain (``cdktn-provider-*``)
packages are generated from ``terraform providers schema -json`` of one provider release, and
say which (``terraformGeneratorMetadata.providerVersion``). No JSON schema ships inside them:
each wheel holds a jsii tarball whose ``lib/<resource>/index.js`` has the resource type
(``tfResourceType``) and ``synthesizeHclAttributes``, one entry per argument and nested block
with its Terraform name and ``isBlock``; nested blocks are ``<struct>ToHclTerraform`` functions
of the same shape. Computed-only attributes are absent there, as they are from what a
configuration may set. No library reads these bindings back into a schema (the generator only
goes the other way), hence the few regular expressions below, written against that generated
shape; a shape they do not match yields no schema, which fails the test, never passes it.

Used by ``tests/test_provider_schemas.py``; the packages are in the ``test`` extra. A provider
with no package (spacelift) is read from facts taken from its own documentation (``FACTS``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.validation.terraform.hcl import parse
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    HclFile,
    ObjectExpr,
    Traversal,
    Variable,
    object_key,
    string_value,
)

#: The newest package built from a release each constraint in the templates allows, per source.
#: A source missing here has no prebuilt package (spacelift-io/spacelift: neither cdktf nor
#: cdktn ever published one): it is read from :data:`FACTS`, or reported as unchecked.
PACKAGES = {
    "hashicorp/aws": "cdktn-provider-aws",
    "hashicorp/google": "cdktn-provider-google",
    "hashicorp/google-beta": "cdktn-provider-google-beta",
}
#: Packages built from the lowest release a constraint allows, where one exists and can be
#: installed beside the newest (a different distribution name): aws 6.0.0. google 7.0.0 has
#: none (the oldest 7.x build is cdktn-provider-google 19.0.0, from 7.31.0, whose pins clash).
LOWEST_PACKAGES = {
    "hashicorp/aws": "cdktf-cdktf-provider-aws",
}

#: Meta-arguments and meta-blocks Terraform accepts in every resource and data block.
META_ARGUMENTS = {
    "resource": frozenset({"count", "for_each", "depends_on", "provider"}),
    "data": frozenset({"count", "for_each", "depends_on", "provider"}),
    "provider": frozenset({"alias"}),
}
META_BLOCKS = {
    "resource": frozenset({"lifecycle", "provisioner", "connection"}),
    "data": frozenset({"lifecycle"}),
    "provider": frozenset(),
}

_KIND = re.compile(r"extends cdkt[fn]\.Terraform(Resource|DataSource|Provider) \{")
_TYPE = re.compile(r'tfResourceType = "([^"]+)"')
_VERSION = re.compile(r"providerName: '([^']+)',\s*providerVersion: '([^']+)'")
_TOP = re.compile(r"synthesizeHclAttributes\(\) \{\s*const attrs = \{(.*?)\n {8}\};", re.S)
_STRUCT = re.compile(
    r"^function (\w+)ToHclTerraform\(struct\) \{.*?const attrs = \{(.*?)\n {4}\};", re.S | re.M
)
_ENTRY = re.compile(r"^ +(\w+): \{\n +value: (.*?),\n +isBlock: (true|false),", re.S | re.M)
_AS_BLOCKS = re.compile(r"listMapperHcl\((?:\w+\.)?\w+ToHclTerraform, false\)")
_NESTED = re.compile(r"(?<!cdktf\.)(?<!cdktn\.)\b([a-z]\w*?)ToHclTerraform\b")


@dataclass(frozen=True, slots=True)
class BlockSchema:
    """What a block may contain: argument names and nested blocks by name."""

    attributes: frozenset[str]
    blocks: dict[str, BlockSchema] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProviderSchema:
    """The part of one provider release's schema that was asked for."""

    source: str
    version: str
    package: str
    provider: BlockSchema
    resources: dict[str, BlockSchema]
    data_sources: dict[str, BlockSchema]

    def block(self, kind: str, type_name: str) -> BlockSchema | None:
        """The schema of a ``resource``, ``data`` or ``provider`` block, if the release has it."""
        if kind == "provider":
            return self.provider
        return (self.resources if kind == "resource" else self.data_sources).get(type_name)


def _directories(kind: str, type_name: str) -> tuple[str, ...]:
    """The generator's directories a type may live in: ``aws_eks_cluster`` -> ``eks-cluster``.

    The prefix is dropped only when it is the provider's own name; google-beta keeps it
    (``google_project_service_identity`` -> ``google-project-service-identity``), so both
    spellings are candidates and the file's own ``tfResourceType`` decides.
    """
    if kind == "provider":
        return ("provider",)
    dashed = type_name.replace("_", "-")
    if kind == "data":
        return (f"data-{dashed}",)
    return (dashed.split("-", 1)[-1], dashed)


def _entries(body: str) -> Iterator[tuple[str, str, bool]]:
    for match in _ENTRY.finditer(body):
        yield match.group(1), match.group(2), match.group(3) == "true"


def _schema(body: str, structs: dict[str, str], seen: frozenset[str] = frozenset()) -> BlockSchema:
    attributes: set[str] = set()
    blocks: dict[str, BlockSchema] = {}
    for name, value, is_block in _entries(body):
        # A list of objects the provider declares as an attribute but that may be written as
        # blocks too (Terraform's "attributes as blocks", e.g. aws_security_group.ingress):
        # the bindings mark it a block mapped as a non-block list; both forms are valid.
        if not is_block or _AS_BLOCKS.search(value):
            attributes.add(name)
        if not is_block:
            continue
        nested = [ref for ref in _NESTED.findall(value) if ref in structs and ref not in seen]
        blocks[name] = (
            _schema(structs[nested[0]], structs, seen | {nested[0]})
            if nested
            else BlockSchema(frozenset())
        )
    return BlockSchema(frozenset(attributes), blocks)


def _tarball(package: str) -> tuple[Path, str]:
    distribution = importlib.metadata.distribution(package)
    for file in distribution.files or ():
        if file.name.endswith(".jsii.tgz"):
            return Path(str(distribution.locate_file(file))), distribution.version
    raise LookupError(f"{package} {distribution.version} has no jsii tarball")


@functools.lru_cache(maxsize=16)
def load(source: str, package: str, wanted: frozenset[tuple[str, str]]) -> ProviderSchema:
    """Read the ``(kind, type)`` pairs in ``wanted`` (and the provider block) from ``package``.

    Raises:
        LookupError: The package is not installed or is not a provider binding.
    """
    tarball, package_version = _tarball(package)
    directories = {
        directory: (kind, name)
        for kind, name in sorted(wanted)
        for directory in _directories(kind, name)
    }
    directories["provider"] = ("provider", source.rsplit("/", 1)[-1])
    index: dict[str, str] = {}
    structs: dict[str, dict[str, str]] = {}
    # One streaming pass: the members are in no useful order and seeking a gzip stream
    # would decompress it again for every file.
    with tarfile.open(tarball, "r|gz") as archive:
        for member in archive:
            parts = member.name.split("/")
            if len(parts) < 4 or parts[1] != "lib" or parts[2] not in directories:
                continue
            if not member.name.endswith(".js"):
                continue
            handle = archive.extractfile(member)
            text = handle.read().decode() if handle else ""
            functions = structs.setdefault(parts[2], {})
            functions.update((m.group(1), m.group(2)) for m in _STRUCT.finditer(text))
            if parts[3] == "index.js":
                index[parts[2]] = text
    found: dict[str, dict[str, BlockSchema]] = {"resource": {}, "data": {}, "provider": {}}
    version = ""
    for directory, (kind, name) in directories.items():
        text = index.get(directory, "")
        kind_match, type_match, top = _KIND.search(text), _TYPE.search(text), _TOP.search(text)
        declared = {"Resource": "resource", "DataSource": "data", "Provider": "provider"}
        if not (kind_match and type_match and top):
            continue
        if declared[kind_match.group(1)] != kind or type_match.group(1) != name:
            continue
        found[kind][name] = _schema(top.group(1), structs[directory])
        if kind == "provider":
            meta = _VERSION.search(text)
            if meta is None or meta.group(1) != name:
                raise LookupError(f"{package} is not built for {source}")
            version = meta.group(2)
    provider = found["provider"].get(directories["provider"][1])
    if provider is None or not version:
        raise LookupError(f"{package} {package_version}: no provider block for {source}")
    return ProviderSchema(
        source=source,
        version=version,
        package=f"{package} {package_version}",
        provider=provider,
        resources=found["resource"],
        data_sources=found["data"],
    )


# Terraform's version constraints (`>= 6.0, < 7.0`, `~> 1.37`): pip's specifiers have no
# `~>`, and its `~=` differs on a bare major, so the few operators are written out here.
_CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+)*)\s*$")


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-", 1)[0].split("."))


def satisfies(version: str, constraint: str) -> bool:
    """Whether release ``version`` meets Terraform version ``constraint``.

    Raises:
        ValueError: ``constraint`` is not Terraform constraint syntax.
    """
    have = _numbers(version)
    for clause in constraint.split(","):
        match = _CONSTRAINT.match(clause)
        if match is None:
            raise ValueError(f"not a version constraint: `{clause.strip()}`")
        operator, wanted = match.group(1) or "=", _numbers(match.group(2))
        padded = wanted + (0,) * (len(have) - len(wanted))
        current = have + (0,) * (len(padded) - len(have))
        if operator == "~>":
            # `~> 1.37` allows 1.37 up to, not including, 2.0; `~> 1.37.2` up to 1.38.
            prefix = wanted[:-1] if len(wanted) > 1 else wanted
            ok = current >= padded and current[: len(prefix)] == prefix
        else:
            ok = {
                "=": current == padded,
                "!=": current != padded,
                ">=": current >= padded,
                "<=": current <= padded,
                ">": current > padded,
                "<": current < padded,
            }[operator]
        if not ok:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Problem:
    """One place where a configuration uses what the provider release does not have."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Root:
    """One Terraform root module: its files and ``required_providers`` by local name."""

    directory: Path
    files: tuple[HclFile, ...]
    providers: dict[str, tuple[str, str]]

    def top_blocks(self, kinds: Iterable[str]) -> Iterator[tuple[HclFile, Block]]:
        """Top-level blocks of the given kinds, with the file each is in."""
        wanted = set(kinds)
        for file in self.files:
            for block in file.blocks():
                if block.type in wanted:
                    yield file, block

    def source(self, block: Block) -> str:
        """The provider source a ``resource``, ``data`` or ``provider`` block belongs to."""
        if block.type == "provider":
            local = block.label(0)
        else:
            local = block.label(0).split("_", 1)[0]
            chosen = block.attributes.get("provider")
            if chosen is not None:
                value = chosen.value
                root = value.source if isinstance(value, Traversal) else value
                if isinstance(root, Variable):
                    local = root.name
        # Terraform's implied source for a provider not in required_providers.
        return self.providers.get(local, (f"hashicorp/{local}", ""))[0]


def read_root(directory: Path) -> Root:
    """Parse every ``*.tf`` file of ``directory`` with scaffolder's HCL view."""
    files = tuple(
        parse(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(directory.glob("*.tf"))
    )
    providers: dict[str, tuple[str, str]] = {}
    for file in files:
        for terraform in file.blocks("terraform"):
            for required in terraform.blocks("required_providers"):
                for name, attribute in required.attributes.items():
                    providers[name] = _requirement(attribute)
    return Root(directory, files, providers)


def _requirement(attribute: Attribute) -> tuple[str, str]:
    fields: dict[str, str] = {}
    if isinstance(attribute.value, ObjectExpr):
        for item in attribute.value.items:
            key = object_key(item.key)
            text = string_value(item.value)
            if key is not None and text is not None:
                fields[key] = text
    return fields.get("source", f"hashicorp/{attribute.name}"), fields.get("version", "")


def wanted_types(roots: Iterable[Root]) -> dict[str, frozenset[tuple[str, str]]]:
    """Every ``(kind, type)`` the roots use, by provider source."""
    found: dict[str, set[tuple[str, str]]] = {}
    for root in roots:
        for _, block in root.top_blocks(("resource", "data")):
            found.setdefault(root.source(block), set()).add((block.type, block.label(0)))
    return {source: frozenset(types) for source, types in found.items()}


def check_root(root: Root, schemas: dict[str, ProviderSchema]) -> tuple[list[Problem], set[str]]:
    """Problems against ``schemas`` (by source), and the sources that had no schema to check."""
    problems: list[Problem] = []
    unchecked: set[str] = set()
    for file, block in root.top_blocks(("resource", "data", "provider")):
        source = root.source(block)
        schema = schemas.get(source)
        if schema is None:
            unchecked.add(source)
            continue
        type_name = block.label(0)
        where = f"{root.directory.name}/{file.path}"
        expected = schema.block(block.type, type_name)
        release = f"{source} {schema.version}"
        if expected is None:
            kind = "data source" if block.type == "data" else "resource type"
            problems.append(Problem(where, block.line, f"{release} has no {kind} `{type_name}`"))
            continue
        label = type_name if block.type == "provider" else f"{type_name}.{block.label(1)}"
        problems.extend(_check_body(block, expected, where, label, release, top=block.type))
    return problems, unchecked


def _check_body(
    block: Block, schema: BlockSchema, where: str, path: str, release: str, *, top: str = ""
) -> Iterator[Problem]:
    meta_arguments = META_ARGUMENTS.get(top, frozenset())
    meta_blocks = META_BLOCKS.get(top, frozenset())
    for item in block.body:
        if isinstance(item, Attribute):
            if item.name in schema.attributes or item.name in meta_arguments:
                continue
            if item.name in schema.blocks:
                message = f"`{path}.{item.name}` is a block in {release}, not an argument"
            else:
                message = f"{release} has no argument `{item.name}` in `{path}`"
            yield Problem(where, item.line, message)
            continue
        if item.type in meta_blocks:
            continue
        name = item.label(0) if item.type == "dynamic" else item.type
        nested = schema.blocks.get(name)
        if nested is None:
            if name in schema.attributes:
                message = f"`{path}.{name}` is an argument in {release}, not a block"
            else:
                message = f"{release} has no block `{name}` in `{path}`"
            yield Problem(where, item.line, message)
            continue
        if item.type == "dynamic":
            for content in item.blocks("content"):
                yield from _check_body(content, nested, where, f"{path}.{name}", release)
        else:
            yield from _check_body(item, nested, where, f"{path}.{name}", release)


# Providers without a package: facts from their own documentation ---------------------------

#: Facts files, by source: argument and block names per release, read from the provider's
#: tfplugindocs pages (generated from its schema) by :func:`facts_from_docs`; each file says
#: which repository and tags. Regenerate with
#: ``python -m tests.provider_schemas <source> <git dir> <tag> ... > <file>``.
FACTS = {
    "spacelift-io/spacelift": Path(__file__).parent
    / "fixtures"
    / "provider-facts"
    / "spacelift.json",
}
# Older tfplugindocs pages write names in bold, newer ones as code.
_DOC_ENTRY = re.compile(r"^- (?:`(\w+)`|\*\*(\w+)\*\*) \(([^)]*)\)")
_DOC_NESTED = re.compile(r"^### Nested Schema for `([\w.]+)`")
_DOC_MODES = {"### Required": True, "### Optional": True, "### Read-Only": False}


def facts_from_docs(markdown: str) -> dict[str, Any]:
    """The settable arguments and blocks of one tfplugindocs page, as nested dicts.

    ``{"attributes": [...], "blocks": {name: {...}}}``; read-only attributes are left out, as
    a configuration cannot set them.
    """
    found: dict[tuple[str, ...], tuple[set[str], set[str]]] = {(): (set(), set())}
    path: tuple[str, ...] = ()
    settable = False
    in_schema = False
    for line in markdown.splitlines():
        if line.startswith("## "):
            in_schema = line.strip() == "## Schema"
            continue
        if not in_schema:
            continue
        nested = _DOC_NESTED.match(line)
        if nested:
            path, settable = tuple(nested.group(1).split(".")), False
            found.setdefault(path, (set(), set()))
            continue
        label = line.strip().rstrip(":")
        if line.startswith("### ") and line.strip() in _DOC_MODES:
            settable = _DOC_MODES[line.strip()]
            continue
        if label in {"Required", "Optional", "Read-Only"} and line.strip().endswith(":"):
            settable = label != "Read-Only"
            continue
        entry = _DOC_ENTRY.match(line)
        if entry and settable:
            attributes, blocks = found.setdefault(path, (set(), set()))
            name = entry.group(1) or entry.group(2)
            (blocks if "Block" in entry.group(3) else attributes).add(name)

    def build(at: tuple[str, ...]) -> dict[str, Any]:
        attributes, blocks = found.get(at, (set(), set()))
        return {
            "attributes": sorted(attributes),
            "blocks": {name: build((*at, name)) for name in sorted(blocks)},
        }

    return build(())


def _block_from_facts(data: dict[str, Any]) -> BlockSchema:
    return BlockSchema(
        frozenset(data["attributes"]),
        {name: _block_from_facts(nested) for name, nested in data["blocks"].items()},
    )


def load_facts(source: str, release: str) -> ProviderSchema:
    """One release of a provider from its facts file (see :data:`FACTS`)."""
    data = json.loads(FACTS[source].read_text(encoding="utf-8"))
    facts = data["releases"][release]
    return ProviderSchema(
        source=source,
        version=release,
        package=f"facts from {data['repository']} v{release} docs/",
        provider=_block_from_facts(facts["provider"]),
        resources={k: _block_from_facts(v) for k, v in facts["resource"].items()},
        data_sources={k: _block_from_facts(v) for k, v in facts["data"].items()},
    )


def releases(source: str) -> list[str]:
    """The releases a facts file describes, oldest first."""
    data = json.loads(FACTS[source].read_text(encoding="utf-8"))
    return sorted(data["releases"], key=_numbers)


def _facts_from_repository(source: str, git_dir: str, tags: list[str]) -> dict[str, Any]:
    def show(tag: str, path: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", git_dir, "show", f"{tag}:{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def pages(tag: str, folder: str) -> list[str]:
        listing = subprocess.run(
            ["git", "--git-dir", git_dir, "ls-tree", "--name-only", f"{tag}:docs/{folder}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return sorted(name for name in listing.split() if name.endswith(".md"))

    prefix = source.rsplit("/", 1)[-1]
    result: dict[str, Any] = {
        "repository": f"github.com/{source.split('/')[0]}/terraform-provider-{prefix}",
        "releases": {},
    }
    for tag in tags:
        release: dict[str, Any] = {"provider": facts_from_docs(show(tag, "docs/index.md"))}
        for kind, folder in (("resource", "resources"), ("data", "data-sources")):
            release[kind] = {
                f"{prefix}_{page[:-3]}": facts_from_docs(show(tag, f"docs/{folder}/{page}"))
                for page in pages(tag, folder)
            }
        result["releases"][tag.removeprefix("v")] = release
    return result


if __name__ == "__main__":
    print(
        json.dumps(
            _facts_from_repository(sys.argv[1], sys.argv[2], sys.argv[3:]), indent=1, sort_keys=True
        )
    )
