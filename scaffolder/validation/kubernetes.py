"""Kubernetes domain: strict schema validation of manifests and rendered kustomizations."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.model import finding_at as _finding
from scaffolder.validation.yamlpos import Document, YamlSyntaxError, load_documents

SCHEMA = Rule(
    id="K8S001",
    name="schema",
    domain="kubernetes",
    severity=Severity.ERROR,
    summary="A Kubernetes object breaks its schema (kubernetes-validate, strict mode).",
)
KUSTOMIZE = Rule(
    id="K8S002",
    name="kustomize-build",
    domain="kubernetes",
    severity=Severity.ERROR,
    summary="`kubectl kustomize` cannot render a kustomization.",
)
NO_SCHEMA = Rule(
    id="K8S003",
    name="no-schema",
    domain="kubernetes",
    severity=Severity.INFO,
    summary="No schema is known for an object's kind (a custom resource): it was not validated.",
)
NO_KUBECTL = Rule(
    id="K8S004",
    name="kubectl-unavailable",
    domain="kubernetes",
    severity=Severity.INFO,
    summary="kubectl was not found: kustomizations were validated file by file, not rendered.",
)
YAML_SYNTAX = Rule(
    id="K8S005",
    name="yaml-syntax",
    domain="kubernetes",
    severity=Severity.ERROR,
    summary="A manifest is not valid YAML.",
)
SUPPRESSION_REASON = Rule(
    id="K8S006",
    name="suppression-without-reason",
    domain="kubernetes",
    severity=Severity.WARNING,
    summary="A `scaffolder:ignore` comment gives no reason.",
)
RULES = (SCHEMA, KUSTOMIZE, NO_SCHEMA, NO_KUBECTL, YAML_SYNTAX, SUPPRESSION_REASON)

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: Kubernetes version whose schemas are used; a current release.
DEFAULT_VERSION = "1.33"


@dataclass(frozen=True, slots=True)
class _Source:
    path: Path
    document: Document


def is_kustomization(path: Path) -> bool:
    """True for a kustomization file."""
    return path.name in KUSTOMIZATION_NAMES


def is_helm_template(path: Path) -> bool:
    """A file under a Helm chart's `templates/`: Go templates, not YAML until Helm renders them."""
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False


def _is_object(data: Any) -> bool:
    return isinstance(data, dict) and "apiVersion" in data and "kind" in data


def _name(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{metadata.get('name', '?') if isinstance(metadata, dict) else '?'}"


def check(
    root: Path, yaml_files: list[Path], *, version: str = DEFAULT_VERSION
) -> Iterator[Finding]:
    """Validate manifests under ``root``; kustomizations are rendered with ``kubectl kustomize``."""
    kustomizations = [path for path in yaml_files if is_kustomization(path)]
    kustomize_dirs = {path.parent for path in kustomizations}
    sources: dict[str, _Source] = {}
    loose: list[tuple[Path, Document]] = []
    for path in yaml_files:
        if is_kustomization(path):
            continue
        try:
            documents = load_documents(path.read_text(encoding="utf-8"))
        except YamlSyntaxError as error:
            yield _finding(
                root, path, YAML_SYNTAX, error.line, error.column, f"invalid YAML: {error.message}"
            )
            continue
        except UnicodeDecodeError:
            continue
        for document in documents:
            if not _is_object(document.data):
                continue
            sources.setdefault(_name(document.data), _Source(path, document))
            if path.parent not in kustomize_dirs:
                loose.append((path, document))
    for path, document in loose:
        yield from _validate(root, path, document, version)
    by_directory: dict[Path, list[tuple[Path, Document]]] = {}
    for path, document in loose:
        by_directory.setdefault(path.parent, []).append((path, document))
    for group in by_directory.values():
        yield from _practices(root, group)
    if not kustomizations:
        return
    kubectl = shutil.which("kubectl")
    parsed = {path: _kustomization_data(path) for path in kustomizations}
    referenced = _referenced_dirs(parsed)
    leaves = [path for path in kustomizations if path.parent.resolve() not in referenced]
    if kubectl is None:
        yield _finding(
            root,
            leaves[0] if leaves else kustomizations[0],
            NO_KUBECTL,
            1,
            1,
            "kubectl not found: kustomizations were not rendered; "
            "their resources were validated one by one",
        )
        listed = {
            (path.parent / entry).resolve()
            for path, data in parsed.items()
            for entry in data.get("resources") or []
            if isinstance(entry, str)
        }
        unrendered = [
            (source.path, source.document)
            for source in sources.values()
            if source.path.parent in kustomize_dirs and source.path.resolve() in listed
        ]
        for path, document in unrendered:
            yield from _validate(root, path, document, version)
        yield from _practices(root, unrendered)
        return
    # Each render is a kubectl process: they run side by side.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(8, len(leaves)) or 1) as pool:
        rendered = pool.map(
            lambda leaf: list(_render_and_validate(root, leaf, kubectl, sources, version)), leaves
        )
        for findings in rendered:
            yield from findings


def _kustomization_data(path: Path) -> dict[str, Any]:
    try:
        documents = load_documents(path.read_text(encoding="utf-8"))
    except (YamlSyntaxError, UnicodeDecodeError):
        return {}
    data = documents[0].data if documents else {}
    return data if isinstance(data, dict) else {}


def _referenced_dirs(parsed: dict[Path, dict[str, Any]]) -> set[Path]:
    referenced: set[Path] = set()
    for path, data in parsed.items():
        for entry in [*(data.get("resources") or []), *(data.get("components") or [])]:
            if isinstance(entry, str):
                target = (path.parent / entry).resolve()
                if target.is_dir():
                    referenced.add(target)
    return referenced


def _render_and_validate(
    root: Path,
    kustomization: Path,
    kubectl: str,
    sources: dict[str, _Source],
    version: str,
) -> Iterator[Finding]:
    result = subprocess.run(
        [kubectl, "kustomize", str(kustomization.parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"
        yield _finding(
            root, kustomization, KUSTOMIZE, 1, 1, f"`kubectl kustomize` failed: {message}"
        )
        return
    try:
        rendered = load_documents(result.stdout)
    except YamlSyntaxError as error:
        yield _finding(
            root, kustomization, KUSTOMIZE, 1, 1, f"rendered output is not YAML: {error.message}"
        )
        return
    rendered_by = kustomization.parent.relative_to(root).as_posix()
    placed = []
    for document in rendered:
        if _is_object(document.data):
            source = sources.get(_name(document.data))
            placed.append(
                (source.path, source.document) if source else (kustomization, _Unplaced(document))
            )
    yield from _practices(root, placed, rendered=[d for d in rendered if _is_object(d.data)])
    for document in rendered:
        if not _is_object(document.data):
            continue
        source = sources.get(_name(document.data))
        for finding in _validate(root, kustomization, document, version):
            if source is None:
                yield finding
                continue
            # Point at the object's own file; the field may be added by an overlay, in which case
            # the deepest existing field of the source is the best place we have.
            line, column = source.document.locate(_field_path(finding))
            yield Finding(
                source.path.relative_to(root).as_posix(),
                line,
                column,
                finding.rule,
                finding.severity,
                f"{finding.message} (rendered by {rendered_by})",
            )


class _Unplaced:
    """An object kustomize made (a generated Secret): findings go to the kustomization."""

    def __init__(self, document: Document) -> None:
        self.data = document.data

    def locate(self, path: list[str | int]) -> tuple[int, int]:
        return 1, 1


def _practices(
    root: Path,
    placed: list[tuple[Path, Any]],
    rendered: list[Document] | None = None,
) -> Iterator[Finding]:
    """Best-practice rules over one set; ``rendered`` holds the data when kustomize made it."""
    from scaffolder.validation.k8s_practices import Obj, check_set

    objects = []
    for index, (path, source) in enumerate(placed):
        data = rendered[index].data if rendered is not None else source.data
        objects.append(Obj(data, source.locate, path.relative_to(root).as_posix()))
    for hit in check_set(objects):
        line, column = hit.obj.locate(hit.field)
        yield Finding(hit.obj.source, line, column, hit.rule.id, hit.rule.severity, hit.message)


def _field_path(finding: Finding) -> list[str | int]:
    marker = " at `"
    if marker not in finding.message:
        return []
    dotted = finding.message.split(marker, 1)[1].split("`", 1)[0]
    return [int(part) if part.isdigit() else part for part in dotted.split(".") if part]


@functools.lru_cache(maxsize=256)
def _validator(kind: str, api_version: str, version: str) -> Any:
    """kubernetes-validate's strict schema for one kind, as a jsonschema validator.

    Built the way ``kubernetes_validate.validate`` builds it, so that every error can be listed
    (the library raises the first one only), and cached: one schema serves every object of its
    kind. Raises the library's ``SchemaNotFoundError`` for kinds without a schema.
    """
    import jsonschema  # type: ignore[import-untyped]
    from kubernetes_validate.utils import (
        SchemaNotFoundError,
        all_versions,
        major_minor,
        schema_contents,
    )
    from referencing import Registry, Resource

    schema_version = [v for v in all_versions() if major_minor(v) <= major_minor(version)][-1]
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    directory = f"kubernetes-json-schema/v{schema_version}-local-strict"
    try:
        schema = schema_contents(f"{directory}/{kind.lower()}-{group}.json", version)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=version, kind=kind, api_version=api_version) from None
    definitions = schema_contents(f"{directory}/_definitions.json", version)
    registry: Any = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(definitions) @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


_UNEXPECTED = re.compile(r"\('([^']+)' (?:was|were) unexpected\)")


def _validate(root: Path, path: Path, document: Document, version: str) -> Iterator[Finding]:
    from kubernetes_validate.utils import SchemaNotFoundError

    obj = document.data
    try:
        validator = _validator(str(obj["kind"]), str(obj["apiVersion"]), version)
    except SchemaNotFoundError:
        yield _finding(
            root,
            path,
            NO_SCHEMA,
            document.line,
            1,
            f"`{_name(obj)}`: no schema for `{obj['apiVersion']}` `{obj['kind']}` "
            f"in Kubernetes {version}; not validated",
        )
        return
    for error in sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.path]):
        field = [*error.path]
        unexpected = _UNEXPECTED.search(error.message)
        # An unknown key is reported on its parent; point at the key itself.
        place = [*field, unexpected.group(1)] if unexpected else field
        line, column = document.locate(place)
        where = ".".join(str(part) for part in place)
        location = f" at `{where}`" if where else ""
        yield _finding(
            root, path, SCHEMA, line, column, f"`{_name(obj)}`{location}: {error.message}"
        )
