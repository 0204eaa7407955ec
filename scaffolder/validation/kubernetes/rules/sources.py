"""Manifests that cannot be read or rendered: invalid YAML, kustomize failures, no kubectl.

Reported by the domain while it loads files and renders kustomizations
(``kubernetes/manifests.py``), where the error and its position are known.
"""

from __future__ import annotations

from scaffolder.validation.model import Rule, Severity

KUSTOMIZE = Rule(
    "K8S002",
    "kustomize-build",
    Severity.ERROR,
    "`kubectl kustomize` cannot render a kustomization.",
)
NO_KUBECTL = Rule(
    "K8S004",
    "kubectl-unavailable",
    Severity.INFO,
    "kubectl was not found: kustomizations were validated file by file, not rendered.",
)
YAML_SYNTAX = Rule(
    "K8S005", "yaml-syntax", Severity.ERROR, "A manifest cannot be read, or is not valid YAML."
)
NOT_RENDERED = Rule(
    "K8S007",
    "kustomize-not-rendered",
    Severity.INFO,
    "A kustomization needs what an offline check cannot have (a remote base, a KRM function, "
    "Helm, a git-ignored local file): its own resources were validated file by file.",
)
RULES = (KUSTOMIZE, NO_KUBECTL, YAML_SYNTAX, NOT_RENDERED)
