"""Kubernetes domain: manifests and kustomizations, strict schemas and best practices.

The whole set of manifests under a root is one unit: kustomize renders need every file of a
kustomization directory, and the relation rules need every object of a set.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families
from scaffolder.validation.kubernetes.manifests import (
    ignore_files,
    is_helm_template,
    is_kustomization,
    kustomize_inputs,
    object_sets,
)
from scaffolder.validation.kubernetes.objects import ObjectSet
from scaffolder.validation.kubernetes.rules import FAMILIES, SET_FAMILIES, suppression
from scaffolder.validation.kubernetes.schemas import prepare, resolve_version
from scaffolder.validation.model import Finding


def check(context: Context, version: str) -> Result:
    """Every Kubernetes rule over every object set under the root."""
    found = list(object_sets(context, version, meanwhile=lambda: prepare(version)))
    sets = [item for item in found if isinstance(item, ObjectSet)]
    loading = [item for item in found if isinstance(item, Finding)]
    checked = run_families(SET_FAMILIES, sets, prefix="K8S").findings
    return Result((*loading, *_once(checked), *suppression.check(context)))


_RENDERED_BY = re.compile(r" \(rendered by (?P<render>[^()]+)\)$")


def _once(findings: Sequence[Finding]) -> list[Finding]:
    """A problem of a base that every overlay renders is one finding, naming every render."""
    renders: dict[Finding, list[str]] = {}
    for finding in findings:
        match = _RENDERED_BY.search(finding.message)
        if match is None:
            renders.setdefault(finding, [])
            continue
        bare = replace(finding, message=finding.message[: match.start()])
        renders.setdefault(bare, []).append(match["render"])
    return [
        replace(finding, message=f"{finding.message} (rendered by {', '.join(sorted(set(by)))})")
        if by
        else finding
        for finding, by in renders.items()
    ]


class KubernetesDomain(BaseDomain):
    """Kubernetes manifests and kustomizations."""

    name = "kubernetes"
    prefix = "K8S"
    families = FAMILIES

    def claim(self, path: Path) -> Claim:
        """Kustomizations by name; any other YAML unless a domain owns it by name."""
        if is_kustomization(path):
            return Claim.OWNS
        if path.suffix in {".yaml", ".yml"} and not is_helm_template(path):
            return Claim.FALLBACK
        return Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """One unit: every manifest, and every file kustomize may read beside a kustomization.

        Raises:
            UserError: The requested Kubernetes version has no schemas.
        """
        version = resolve_version(context.options.kubernetes_version)
        if not context.owned:
            return []
        kustomizations = sorted(path for path in context.owned if is_kustomization(path))
        kustomize_dirs = {path.parent for path in kustomizations}
        inputs = {
            *context.owned,
            *(p for p in context.files if p.parent in kustomize_dirs),
            *kustomize_inputs(context, kustomizations),
            *ignore_files(kustomizations),
        }
        kubectl = shutil.which("kubectl")
        return [
            Unit(
                name="manifests",
                run=lambda: check(context, version),
                inputs=tuple(sorted(inputs)),
                # kubectl's messages name absolute paths, and whether it is there decides
                # whether kustomizations are rendered at all.
                facts=(version, str(kubectl is not None), str(context.base.resolve())),
                tree=True,
            )
        ]
