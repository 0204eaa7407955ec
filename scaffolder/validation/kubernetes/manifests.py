"""The adapter from files to object sets: manifests loaded, kustomizations rendered and mapped.

A set is one rendered kustomization (``kubectl kustomize`` of each kustomization no other one
includes), or the plain manifests of one directory outside kustomizations. Rendered objects are
placed back in the file they came from (matched by `Kind/name`), so findings point at the
source, not at kustomize's output.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.validation.domain import TOOL_TIMEOUT, Context
from scaffolder.validation.files import is_dir
from scaffolder.validation.kubernetes.objects import Obj, ObjectSet, is_object, object_name
from scaffolder.validation.kubernetes.rules.sources import (
    KUSTOMIZE,
    NO_KUBECTL,
    NOT_RENDERED,
    YAML_SYNTAX,
)
from scaffolder.validation.model import Finding
from scaffolder.validation.yamlpos import Document, YamlSyntaxError, load_documents

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def is_kustomization(path: Path) -> bool:
    """True for a kustomization file."""
    return path.name in KUSTOMIZATION_NAMES


_API_VERSION_LINE = re.compile(r"^apiVersion:[ \t]*[\w.-]+(/[\w.-]+)?[ \t]*$", re.MULTILINE)
_KIND_LINE = re.compile(r"^kind:[ \t]*[A-Za-z]\w*[ \t]*$", re.MULTILINE)


def looks_like_manifest(text: str) -> bool:
    """A YAML file that does not parse is a manifest only if it says so, plainly.

    A top-level ``apiVersion`` and ``kind``, both plain values, and no template markers: CI
    pipelines, cloud-init, CloudFormation (``!GetAtt``) and files that are templates
    (``{{ … }}``, ``%{ for }``) are other people's YAML, not broken manifests.
    """
    if "{{" in text or "%{" in text:
        return False
    return bool(_API_VERSION_LINE.search(text) and _KIND_LINE.search(text))


def is_helm_template(path: Path) -> bool:
    """A file under a Helm chart's `templates/`: Go templates, not YAML until Helm renders them."""
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Source:
    path: Path
    document: Document


def _unplaced(path: list[str | int], *, key: bool = False) -> tuple[int, int]:
    """An object kustomize made (a generated Secret) has no source: the kustomization's top."""
    return 1, 1


def object_sets(
    context: Context, version: str, *, meanwhile: Callable[[], None] | None = None
) -> Iterator[ObjectSet | Finding]:
    """Every set of objects under the root, and the findings of loading and rendering them.

    The kustomize renders (kubectl processes, side by side) start first; the manifests are
    loaded, and ``meanwhile`` runs (loading schemas), while they render.
    """
    from concurrent.futures import ThreadPoolExecutor

    files = context.files
    yaml_files = sorted(context.owned)
    kustomizations = [path for path in yaml_files if is_kustomization(path)]
    kustomize_dirs = {path.parent for path in kustomizations}
    parsed = {path: _kustomization_data(context, path) for path in kustomizations}
    referenced = _referenced_dirs(parsed)
    patches = _patch_files(parsed)
    leaves = [path for path in kustomizations if path.parent.resolve() not in referenced]
    kubectl = shutil.which("kubectl") if kustomizations else None
    offline = {leaf: _remote_entry(parsed[leaf]) for leaf in leaves}
    with ThreadPoolExecutor(max_workers=min(8, len(leaves)) or 1) as pool:
        renders = (
            [None if offline[leaf] else pool.submit(_kustomize, kubectl, leaf) for leaf in leaves]
            if kubectl
            else []
        )
        if meanwhile is not None:
            meanwhile()
        sources: dict[str, _Source] = {}
        loose: dict[Path, list[Obj]] = {}
        for path in yaml_files:
            if is_kustomization(path):
                continue
            try:
                documents = files.yaml(path)
            except YamlSyntaxError as error:
                if looks_like_manifest(files.text(path)):
                    yield context.finding(
                        YAML_SYNTAX,
                        path,
                        error.line,
                        error.column,
                        f"invalid YAML: {error.message}",
                    )
                continue
            except (OSError, UnicodeDecodeError) as error:
                reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error
                yield context.finding(YAML_SYNTAX, path, 1, 1, f"cannot read: {reason}")
                continue
            for document in documents:
                if not is_object(document.data):
                    continue
                sources.setdefault(object_name(document.data), _Source(path, document))
                # A patch is a fragment of an object, checked where kustomize applies it.
                if path.parent not in kustomize_dirs and _resolved(path) not in patches:
                    loose.setdefault(path.parent, []).append(
                        Obj(document.data, document.locate, context.relative(path))
                    )
        for directory in sorted(loose):
            yield ObjectSet(tuple(loose[directory]), version)
        if not kustomizations:
            return
        if kubectl is None:
            yield context.finding(
                NO_KUBECTL,
                leaves[0] if leaves else kustomizations[0],
                1,
                1,
                "kubectl not found: kustomizations were not rendered; "
                "their resources were validated one by one",
            )
            yield _one_by_one(context, parsed, sources, version)
            return
        for leaf, render in zip(leaves, renders, strict=True):
            reason = f"needs the remote resource `{offline[leaf]}`" if offline[leaf] else ""
            if render is not None:
                result = render.result()
                if result.returncode == 0:
                    yield _place(context, leaf, result, sources, version)
                    continue
                reason = _offline_reason(context, leaf, result.stderr, parsed[leaf])
                if not reason:
                    yield _failed(context, leaf, result.stderr, parsed)
                    continue
            yield context.finding(
                NOT_RENDERED,
                leaf,
                1,
                1,
                f"not rendered: {reason}; its own resources were validated one by one",
            )
            yield _one_by_one(context, {leaf: parsed[leaf]}, sources, version)


def _one_by_one(
    context: Context,
    parsed: dict[Path, dict[str, Any]],
    sources: dict[str, _Source],
    version: str,
) -> ObjectSet:
    """The manifests the kustomizations ``parsed`` list as resources, each as it is in its file."""
    listed = {
        _resolved(path.parent / entry)
        for path, data in parsed.items()
        for entry in _entries(data, "resources")
    }
    return ObjectSet(
        tuple(
            Obj(source.document.data, source.document.locate, context.relative(source.path))
            for source in sources.values()
            if source.path.resolve() in listed
        ),
        version,
    )


def _remote_entry(data: dict[str, Any]) -> str:
    """The first resource, base, component or patch a kustomization fetches over the network."""
    for entry in _named_paths(data):
        if _is_remote(entry):
            return entry
    return ""


def _is_remote(entry: str) -> bool:
    return "://" in entry or entry.startswith(("git@", "github.com/", "gitlab.com/"))


#: kubectl's words for a file it did not find: `evalsymlink failure on '/x/params.env'`.
_MISSING = re.compile(r"(?:evalsymlink failure on|lstat) '?(?P<path>/[^' :]+)'?")
_NEEDS = (
    (
        "external plugins disabled",
        "needs a KRM function or exec plugin (kustomize runs them "
        "only with --enable-alpha-plugins)",
    ),
    ("--enable-helm", "needs Helm (`helmCharts`; kustomize runs it only with --enable-helm)"),
    ("Could not resolve host", "needs a remote resource"),
    ("no such host", "needs a remote resource"),
)


def _offline_reason(
    context: Context, kustomization: Path, stderr: str, data: dict[str, Any]
) -> str:
    """Why a failed render is not the repository's fault, or "" when it is.

    A remote base or a KRM function cannot be had offline; a local file that git ignores
    (``postgres.env``, created by ``make secrets``) is never in a fresh clone; a Component's
    patches need the resources of the kustomization that includes it.
    """
    if data.get("kind") == "Component":
        # microservices-demo: optional components, included once a user enables them.
        return "a Component patches what the kustomization including it renders, and none here does"
    for needle, reason in _NEEDS:
        if needle in stderr:
            return reason
    match = _MISSING.search(stderr)
    if match is None or "no such file or directory" not in stderr:
        return ""
    missing = Path(match["path"])
    example = next(
        (
            sibling
            for sibling in (missing.with_name(missing.name + suffix) for suffix in _EXAMPLES)
            if sibling.is_file()
        ),
        None,
    )
    ignored = _git_ignored(missing)
    if example is None and not ignored:
        return ""
    try:
        shown = missing.relative_to(context.base.resolve()).as_posix()
    except ValueError:
        shown = missing.name
    why = "is git-ignored, so not in the repository" if ignored else "is created locally"
    hint = f" (made from `{example.name}`)" if example is not None else ""
    return f"`{shown}` {why}{hint}"


_EXAMPLES = (".example", ".sample", ".template", ".dist")


def ignore_files(kustomizations: list[Path]) -> set[Path]:
    """The .gitignore files that decide whether a file a kustomization reads is git-ignored."""
    found: set[Path] = set()
    for directory in {path.parent.absolute() for path in kustomizations}:
        for parent in [directory, *directory.parents]:
            if (parent / ".gitignore").is_file():
                found.add(parent / ".gitignore")
            if (parent / ".git").exists():
                break
    return found


def _git_ignored(path: Path) -> bool:
    """True when git ignores ``path`` (it is in a work tree and a .gitignore names it)."""
    directory = next((parent for parent in path.parents if parent.is_dir()), None)
    git = shutil.which("git")
    if directory is None or git is None:
        return False
    try:
        result = subprocess.run(
            [git, "check-ignore", "--quiet", "--no-index", str(path)],
            cwd=directory,
            capture_output=True,
            check=False,
            timeout=TOOL_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _failed(
    context: Context, kustomization: Path, stderr: str, parsed: dict[Path, dict[str, Any]]
) -> Finding:
    """K8S002 for a render that failed: at the entry naming a missing file, when one does.

    A base's missing resource fails every overlay that includes the base; placed at the base's
    entry, it is one finding, where the fix is.
    """
    match = _MISSING.search(stderr)
    if match is not None and "no such file or directory" in stderr:
        listed = _listing(context, Path(match["path"]), parsed)
        if listed is not None:
            owner, steps, entry = listed
            line, column = context.files.yaml(owner)[0].locate(steps)
            return context.finding(
                KUSTOMIZE,
                owner,
                line,
                column,
                f"`{'.'.join(map(str, steps))}` names `{entry}`, which does not exist, so "
                "`kubectl kustomize` cannot render this kustomization or any that includes it",
            )
    # kubectl names files by absolute path; findings name them relative to the base.
    error = kubectl_error(stderr).replace(str(context.base.resolve()) + "/", "")
    return context.finding(KUSTOMIZE, kustomization, 1, 1, f"`kubectl kustomize` failed: {error}")


def _listing(
    context: Context, missing: Path, parsed: dict[Path, dict[str, Any]]
) -> tuple[Path, list[str | int], str] | None:
    """The kustomization, field path and entry that name ``missing``, if one of ours does."""
    for owner, data in sorted(parsed.items()):
        if owner.parent.resolve() != missing.parent:
            continue
        for key in (*_PATH_LISTS, "patches", "patchesJson6902"):
            value = data.get(key)
            for index, entry in enumerate(value if isinstance(value, list) else []):
                name = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(name, str) and _resolved(owner.parent / name) == missing:
                    steps: list[str | int] = (
                        [key, index] if isinstance(entry, str) else [key, index, "path"]
                    )
                    try:
                        context.files.yaml(owner)
                    except (YamlSyntaxError, OSError, UnicodeDecodeError):
                        return None
                    return owner, steps, name
    return None


def _kustomization_data(context: Context, path: Path) -> dict[str, Any]:
    try:
        documents = context.files.yaml(path)
    except (YamlSyntaxError, OSError, UnicodeDecodeError):
        return {}
    data = documents[0].data if documents else {}
    return data if isinstance(data, dict) else {}


def _entries(data: dict[str, Any], *keys: str) -> list[str]:
    """The string entries of the kustomization lists ``keys``."""
    found: list[str] = []
    for key in keys:
        value = data.get(key)
        if isinstance(value, list):
            found.extend(entry for entry in value if isinstance(entry, str))
    return found


#: Kustomization fields that name files or directories kustomize reads.
_PATH_LISTS = (
    "resources",
    "components",
    "bases",
    "crds",
    "patchesStrategicMerge",
    "configurations",
    "transformers",
    "generators",
    "validators",
)


def kustomize_inputs(context: Context, kustomizations: list[Path]) -> set[Path]:
    """Every file ``kubectl kustomize`` may read for these kustomizations, inside the root or not.

    Followed through the fields that name files (resources, bases and components, patches,
    generators' files and env files, replacements), into referenced directories and their own
    kustomizations; a path that does not exist is listed too, so creating it changes the key.
    """
    found: set[Path] = set()
    pending = list(kustomizations)
    visited: set[Path] = set()
    while pending and len(visited) < 10_000:
        kustomization = pending.pop()
        if kustomization in visited:
            continue
        visited.add(kustomization)
        found.add(kustomization)
        directory = kustomization.parent
        for path in _named_paths(_kustomization_data(context, kustomization)):
            target = directory / path
            if is_dir(target):
                try:
                    children = sorted(target.iterdir())
                except OSError:
                    continue
                found.update(child for child in children if child.is_file())
                pending.extend(child for child in children if is_kustomization(child))
            elif "://" not in path and not path.startswith("git@"):
                found.add(target)
    return found


def _named_paths(data: dict[str, Any]) -> list[str]:
    names = _entries(data, *_PATH_LISTS)
    for key in ("patches", "patchesJson6902", "replacements"):
        value = data.get(key)
        for entry in value if isinstance(value, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                names.append(entry["path"])
    for key in ("configMapGenerator", "secretGenerator"):
        value = data.get(key)
        for generator in value if isinstance(value, list) else []:
            if not isinstance(generator, dict):
                continue
            names.extend(_entries(generator, "envs"))
            if isinstance(generator.get("env"), str):
                names.append(generator["env"])
            # `files` entries may be `key=path`.
            names.extend(entry.split("=", 1)[-1] for entry in _entries(generator, "files"))
    return names


def _resolved(path: Path) -> Path | None:
    """``path`` resolved, or None when no such path can exist (too long, a NUL byte)."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _patch_files(parsed: dict[Path, dict[str, Any]]) -> set[Path | None]:
    """Every file a kustomization names as a patch, resolved."""
    found: set[Path | None] = set()
    for path, data in parsed.items():
        names = _entries(data, "patchesStrategicMerge")
        for key in ("patches", "patchesJson6902"):
            value = data.get(key)
            for entry in value if isinstance(value, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    names.append(entry["path"])
                elif isinstance(entry, str):
                    names.append(entry)
        found.update(_resolved(path.parent / name) for name in names if not _is_remote(name))
    return found


def _referenced_dirs(parsed: dict[Path, dict[str, Any]]) -> set[Path]:
    referenced: set[Path] = set()
    for path, data in parsed.items():
        for entry in _entries(data, "resources", "components"):
            target = _resolved(path.parent / entry)
            if target is not None and is_dir(target):
                referenced.add(target)
    return referenced


# kubectl logs through klog: `E1201 11:21:55.289123   30165 run.go:72] "command failed" err="…"`.
_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [^\]]+\] (?:"[^"]*" )?(?:err="(?P<err>.*)"$)?')


def kubectl_error(stderr: str) -> str:
    """The error kubectl reports, without klog's timestamp, process id and source line."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return "failed"
    block = _klog_block(lines)
    if block:
        return block
    last = lines[-1]
    match = _KLOG.match(last)
    if match is None:
        return last
    if match["err"] is not None:
        return match["err"].replace('\\"', '"')
    return last[match.end() :].strip() or "failed"


def _klog_block(lines: list[str]) -> str:
    """The error of klog's multi-line form, ``err=<`` then indented lines then `` >``."""
    for index, line in enumerate(lines):
        if _KLOG.match(line) and line.rstrip().endswith("err=<"):
            body = []
            for rest in lines[index + 1 :]:
                if rest.strip() == ">":
                    break
                body.append(rest.strip())
            return " ".join(part for part in body if part).strip(": ") or ""
    return ""


def _kustomize(kubectl: str, kustomization: Path) -> subprocess.CompletedProcess[str]:
    command = [kubectl, "kustomize", str(kustomization.parent)]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=TOOL_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            command, -1, "", f"timed out after {TOOL_TIMEOUT:.0f} s; not rendered"
        )


def _place(
    context: Context,
    kustomization: Path,
    result: subprocess.CompletedProcess[str],
    sources: dict[str, _Source],
    version: str,
) -> ObjectSet | Finding:
    """The objects kustomize rendered, each placed back in the file it came from."""
    try:
        rendered = load_documents(result.stdout)
    except YamlSyntaxError as error:
        return context.finding(
            KUSTOMIZE, kustomization, 1, 1, f"rendered output is not YAML: {error.message}"
        )
    rendered_by = context.relative(kustomization.parent)
    objects = []
    for document in rendered:
        if not is_object(document.data):
            continue
        source = sources.get(object_name(document.data))
        if source is None:
            objects.append(Obj(document.data, _unplaced, context.relative(kustomization)))
        else:
            # The field may be added by an overlay, in which case the deepest existing field
            # of the source is the best place there is.
            objects.append(
                Obj(
                    document.data,
                    source.document.locate,
                    context.relative(source.path),
                    rendered_by,
                )
            )
    return ObjectSet(tuple(objects), version)
