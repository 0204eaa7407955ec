"""The validator: discover files under each path, run every domain, filter and suppress.

The package is `validation` (not `validate`) so that `scaffolder.validate` stays the function.
Domains live in their own modules (``dockerfile``, ``compose``, ``kubernetes``) and each lists its
rules; this module only wires them together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scaffolder.errors import UserError
from scaffolder.validation.model import Finding, Report, Rule, Severity
from scaffolder.validation.registry import Registry, default_registry

__all__ = ["Finding", "Report", "Rule", "Severity", "validate"]

SKIP_DIRS = {"node_modules", "__pycache__", ".terraform", ".git", ".venv", "venv"}
_SUPPRESS = re.compile(
    r"#\s*scaffolder:ignore\s+(?P<rules>[A-Z0-9_,\s]+?)(?:\s+(?P<reason>\S.*))?$"
)


def discover(root: Path) -> list[Path]:
    """Every file under ``root``, skipping hidden directories, dependencies and caches."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found.extend(Path(directory) / name for name in sorted(files))
    return found


def _suppressed(root: Path, finding: Finding, cache: dict[str, list[str]]) -> bool:
    """True when the line above the finding says ``# scaffolder:ignore RULE reason``."""
    if finding.path not in cache:
        try:
            cache[finding.path] = (root / finding.path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            cache[finding.path] = []
    lines = cache[finding.path]
    index = finding.line - 2
    if not 0 <= index < len(lines):
        return False
    match = _SUPPRESS.search(lines[index])
    if match is None:
        return False
    rules = {rule.strip() for rule in re.split(r"[,\s]+", match["rules"]) if rule.strip()}
    return finding.rule in rules


def unexplained(root: Path, files: Iterable[Path], rule: Rule) -> Iterator[Finding]:
    """A warning for each ``# scaffolder:ignore RULE`` comment in ``files`` that gives no reason."""
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, start=1):
            match = _SUPPRESS.search(line)
            if match and not match["reason"]:
                named = ", ".join(r for r in re.split(r"[,\s]+", match["rules"]) if r)
                yield Finding(
                    path.relative_to(root).as_posix(),
                    number,
                    match.start() + 1,
                    rule.id,
                    rule.severity,
                    f"`scaffolder:ignore {named}` gives no reason; say why after the rule id",
                )


def _validate_root(
    root: Path, base: Path, *, jobs: int | None, cache: bool, kubernetes_version: str
) -> tuple[list[Finding], int]:
    from scaffolder.validation import compose, dockerfile, kubernetes, spacelift, terraform
    from scaffolder.validation.cache import ResultCache

    files = discover(root)
    terraform_files = [path for path in files if terraform.is_terraform(path)]
    if root.is_file() and terraform_files:
        # A module is the unit of Terraform: a single file is checked with its siblings.
        terraform_files = sorted(p for p in root.parent.iterdir() if terraform.is_terraform(p))
    # Terraform parses in worker processes; it runs before the threads below start, since
    # forking a process that has threads running is unsafe.
    contents: dict[Path, bytes] = {}
    interfaces: dict[Path, tuple[set[str], set[str]] | None] = {}
    findings = list(
        terraform.check(
            base,
            terraform_files,
            jobs=jobs,
            cache=ResultCache("terraform", enabled=cache),
            contents=contents,
            interfaces=interfaces,
        )
    )
    dockerfiles = [path for path in files if dockerfile.is_dockerfile(path)]
    compose_files = [path for path in files if compose.is_compose_file(path)]
    spacelift_configs = [path for path in files if spacelift.is_config(path)]
    manifests = [
        path
        for path in files
        if (
            path.suffix in {".yaml", ".yml"}
            and path not in compose_files
            and path not in spacelift_configs
            and not kubernetes.is_helm_template(path)
        )
        or kubernetes.is_kustomization(path)
    ]
    # Hidden directories are skipped, but .spacelift/config.yml is part of the wiring.
    if root.is_dir():
        spacelift_configs += [
            path
            for name in spacelift.CONFIG_NAMES
            if (path := root / ".spacelift" / name).is_file()
        ]
    findings += _cached_spacelift(
        base, [*terraform_files, *spacelift_configs], cache, contents, interfaces
    )
    checked = (
        len(terraform_files)
        + len(dockerfiles)
        + len(compose_files)
        + len(manifests)
        + len(spacelift_configs)
    )
    if not (dockerfiles or compose_files or manifests):
        return findings, checked
    # Kustomize renders, hadolint and the cross-file rules see the whole set, so the set is the
    # unit of caching: every file's name (existence matters: env files, build contexts), the
    # content of every file these domains read, the tool version, rules, Kubernetes version and
    # which external tools are present.
    domain_files = sorted({*dockerfiles, *compose_files, *manifests})
    read = {
        *domain_files,
        *(
            p
            for p in files
            if p.parent in {m.parent for m in manifests if kubernetes.is_kustomization(m)}
        ),
        *(p for p in files if p.name in {".hadolint.yaml", ".scaffolder.json"}),
    }
    found = ResultCache("files", enabled=cache).findings(
        _set_key(base, files, sorted(read), kubernetes_version),
        lambda: _run_file_domains(base, dockerfiles, compose_files, manifests, kubernetes_version),
    )
    return [*findings, *found], checked


def _cached_spacelift(
    base: Path,
    files: list[Path],
    cache: bool,
    contents: dict[Path, bytes],
    interfaces: dict[Path, tuple[set[str], set[str]] | None],
) -> list[Finding]:
    """The Spacelift wiring check, cached per repository.

    The key holds the content of config.yml and of every file that declares `spacelift_stack`,
    and the name and content digest of every other Terraform file (the parents' and children's
    interfaces), using the bytes the Terraform domain already read; the check itself reuses the
    outputs and variables the Terraform domain found (``interfaces``).
    """
    from scaffolder import __version__
    from scaffolder.validation import spacelift
    from scaffolder.validation.cache import ResultCache, digest

    parts: list[bytes | str] = [__version__, *(rule.id for rule in spacelift.RULES)]
    management = False
    for path in sorted(files):
        relative = path.relative_to(base).as_posix()
        try:
            data = contents[path] if path in contents else path.read_bytes()
        except OSError:
            parts.append(f"unreadable:{relative}")
            continue
        if spacelift.is_config(path) or b'"spacelift_stack"' in data:
            management = management or not spacelift.is_config(path)
            parts += [relative, data]
        else:
            # The content was read once for Terraform; its digest stands for the file here.
            parts.append(f"{relative}:{digest(data)}")
    if not management and not any(spacelift.is_config(path) for path in files):
        return []
    return ResultCache("spacelift", enabled=cache).findings(
        digest(*parts),
        lambda: list(spacelift.check(base, files, contents=contents, interfaces=interfaces)),
    )


def _set_key(base: Path, files: list[Path], read: list[Path], kubernetes_version: str) -> str:
    import shutil

    from scaffolder import __version__
    from scaffolder.validation.cache import digest
    from scaffolder.validation.dockerfile import hadolint_binary

    parts: list[bytes | str] = [
        __version__,
        kubernetes_version,
        str(hadolint_binary() is not None),
        str(shutil.which("kubectl") is not None),
        *(rule.id for rule in default_registry()),
        *(p.relative_to(base).as_posix() for p in files),
    ]
    for path in read:
        try:
            parts += [path.relative_to(base).as_posix(), path.read_bytes()]
        except OSError:
            parts.append(f"unreadable:{path}")
    return digest(*parts)


def _run_file_domains(
    base: Path,
    dockerfiles: list[Path],
    compose_files: list[Path],
    manifests: list[Path],
    kubernetes_version: str,
) -> list[Finding]:
    from concurrent.futures import ThreadPoolExecutor

    from scaffolder.validation import compose, dockerfile, dockerfile_rules, kubernetes, parity

    findings: list[Finding] = []
    # The domains are independent and mostly wait on subprocesses (hadolint, kubectl), so they
    # run side by side.
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(list, dockerfile.check(base, dockerfiles)),
            pool.submit(list, dockerfile_rules.check(base, dockerfiles)),
            pool.submit(list, compose.check(base, compose_files)),
            pool.submit(list, kubernetes.check(base, manifests, version=kubernetes_version)),
        ]
        findings += parity.check(base, compose_files, manifests)
        findings += unexplained(base, dockerfiles, dockerfile.SUPPRESSION_REASON)
        findings += unexplained(base, compose_files, compose.SUPPRESSION_REASON)
        findings += unexplained(base, manifests, kubernetes.SUPPRESSION_REASON)
        findings += [finding for future in futures for finding in future.result()]
    return findings


def _kubernetes_version(requested: str | None) -> str:
    """``requested`` as a supported `1.NN`, or the default; UserError when unsupported."""
    from scaffolder.validation.kubernetes import DEFAULT_VERSION

    if requested is None:
        return DEFAULT_VERSION
    from kubernetes_validate.utils import all_versions, major_minor

    wanted = requested.removeprefix("v")
    supported = sorted(
        {major_minor(v) for v in all_versions()}, key=lambda v: [int(p) for p in v.split(".")]
    )
    if not re.fullmatch(r"1\.\d+(\.\d+)?", wanted) or major_minor(wanted) not in supported:
        raise UserError(
            f"unsupported Kubernetes version `{requested}`; schemas exist for "
            f"{supported[0]} to {supported[-1]}"
        )
    return str(major_minor(wanted))


def validate(
    paths: Sequence[Path | str],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    jobs: int | None = None,
    cache: bool = True,
    kubernetes_version: str | None = None,
    registry: Registry | None = None,
) -> Report:
    """Validate every file under ``paths``; finding paths are relative to the path they came from.

    Args:
        paths: Files or directories (default: the current directory).
        select: Only these rule ids (default: every rule that is on by default).
        ignore: Not these rule ids.
        jobs: Worker processes for parsing (default: the number of CPUs; 1 runs in-process).
        cache: Reuse results of unchanged files from the user cache directory.
        kubernetes_version: Kubernetes minor whose schemas manifests are checked against
            (default: a current release).
        registry: The rules to know about (tests pass their own).

    Raises:
        UserError: A path does not exist, a rule id is unknown, or ``jobs`` is below 1.
    """
    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    kubernetes_version = _kubernetes_version(kubernetes_version)
    registry = registry or default_registry()
    active = registry.active(select, ignore)
    findings: list[Finding] = []
    files = 0
    for raw in paths or ["."]:
        root = Path(raw)
        if not root.exists():
            raise UserError(f"path `{raw}` does not exist")
        base = root.parent if root.is_file() else root
        root_findings, root_files = _validate_root(
            root, base, jobs=jobs, cache=cache, kubernetes_version=kubernetes_version
        )
        files += root_files
        lines: dict[str, list[str]] = {}
        findings.extend(
            finding
            for finding in root_findings
            if finding.rule in active and not _suppressed(base, finding, lines)
        )
    return Report(findings=tuple(sorted(set(findings))), files=files, rules=tuple(registry))
