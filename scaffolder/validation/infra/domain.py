"""Infra ↔ Kubernetes: the cluster the Terraform builds provides what the manifests assume.

Every finding names both places: it sits at one, and its message names the other as
`file:line`. The domain owns no file: it reads the Terraform and the manifests other domains
own.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from scaffolder.validation.domain import BaseDomain, Claim, Context, Result, Unit, run_families
from scaffolder.validation.infra.estate import estate
from scaffolder.validation.infra.rules import FAMILIES
from scaffolder.validation.kubernetes.manifests import (
    ignore_files,
    is_helm_template,
    is_kustomization,
    kustomize_inputs,
)
from scaffolder.validation.kubernetes.schemas import resolve_version


def check(context: Context, version: str) -> Result:
    """Every infra rule over the root."""
    return run_families(FAMILIES, [estate(context, version)], prefix="INFRA")


class InfraDomain(BaseDomain):
    """Terraform that builds a cluster against the manifests that run on it."""

    name = "infra"
    prefix = "INFRA"
    families = FAMILIES

    def claim(self, path: Path) -> Claim:
        """Reads Terraform files, their variable values and YAML manifests."""
        if path.suffix in {".tf", ".tfvars"} or (
            path.suffix in {".yaml", ".yml"} and not is_helm_template(path)
        ):
            return Claim.READS
        return Claim.NONE

    def plan(self, context: Context) -> Sequence[Unit]:
        """One unit, when the root has both Terraform and YAML."""
        version = resolve_version(context.options.kubernetes_version)
        suffixes = {path.suffix for path in context.claimed}
        if ".tf" not in suffixes or not suffixes & {".yaml", ".yml"}:
            return []
        kubectl = shutil.which("kubectl")
        # Renders read more than the YAML this domain claims (patch files, generators' env
        # files, bases outside the root): they are inputs as they are the Kubernetes domain's.
        kustomizations = sorted(path for path in context.claimed if is_kustomization(path))
        directories = {path.parent for path in kustomizations}
        inputs = {
            *context.claimed,
            *(path for path in context.files if path.parent in directories),
            *kustomize_inputs(context, kustomizations),
            *ignore_files(kustomizations),
        }
        return [
            Unit(
                name="infra",
                run=lambda: check(context, version),
                inputs=tuple(sorted(inputs)),
                # As for the Kubernetes domain: whether kubectl is there decides whether
                # overlays are rendered, and the Spacelift repository root is found on disk.
                facts=(version, str(kubectl is not None), str(context.base.resolve())),
                tree=True,
            )
        ]
