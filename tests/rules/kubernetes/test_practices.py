"""Kubernetes best-practice rules: a clean baseline, then one mutation per rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scaffolder.validation import validate
from scaffolder.validation.kubernetes.rules import namespaces, relations, reliability, security

from ...conftest import build_tree

RULES = [*reliability.RULES, *security.RULES, *namespaces.RULES, *relations.RULES]

IDS = [rule.id for rule in RULES]

GOOD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      initContainers:
        - name: migrate
          image: web:1.2.0
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {memory: 64Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
      containers:
        - name: web
          image: registry.example.com/web:1.2.0
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: web
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 4
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          automountServiceAccountToken: false
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
          containers:
            - name: report
              image: web:1.2.0
              resources:
                requests: {cpu: 50m, memory: 64Mi}
                limits: {memory: 64Mi}
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
"""

# rule -> (old text, new text, line, column, message fragment)
MUTATIONS = {
    "K8S101": (
        "          readinessProbe:\n            httpGet: {path: /readyz, port: 8080}\n",
        "",
        29,
        11,
        "container `web` has no readinessProbe",
    ),
    "K8S102": (
        "            limits: {memory: 256Mi}\n",
        "",
        35,
        11,
        "container `web` has no limits.memory",
    ),
    "K8S103": (
        "image: registry.example.com/web:1.2.0",
        "image: registry.example.com/web:latest",
        30,
        18,
        "image `registry.example.com/web:latest` is untagged or `latest`",
    ),
    "K8S104": (
        "            readOnlyRootFilesystem: true\n            capabilities:",
        "            readOnlyRootFilesystem: true\n            privileged: true\n            capabilities:",
        41,
        25,
        "container `web` runs privileged",
    ),
    "K8S105": (
        "          image: web:1.2.0\n          resources:\n            requests: {cpu: 50m, memory: 64Mi}\n            limits: {memory: 64Mi}\n          securityContext:\n            allowPrivilegeEscalation: false\n",
        "          image: web:1.2.0\n          resources:\n            requests: {cpu: 50m, memory: 64Mi}\n            limits: {memory: 64Mi}\n          securityContext:\n",
        25,
        11,
        "container `migrate` does not set `allowPrivilegeEscalation: false`",
    ),
    "K8S106": (
        "            readOnlyRootFilesystem: true\n      containers:",
        "            readOnlyRootFilesystem: true\n            runAsUser: 0\n      containers:",
        25,
        11,
        "container `migrate` may run as root",
    ),
    "K8S107": (
        "            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:",
        "            allowPrivilegeEscalation: false\n            capabilities:",
        38,
        11,
        "container `web` has a writable root filesystem",
    ),
    "K8S108": (
        "              drop: [ALL]",
        "              drop: [ALL]\n              add: [NET_ADMIN]",
        43,
        15,
        "container `web` adds capabilities NET_ADMIN",
    ),
    "K8S109": (
        "      automountServiceAccountToken: false\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n      initContainers:",
        "      automountServiceAccountToken: false\n      hostPID: true\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n      initContainers:",
        16,
        16,
        "`Deployment/web` sets `hostPID: true`",
    ),
    "K8S110": (
        "  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels:",
        "  name: web\n  namespace: default\nspec:\n  selector:\n    matchLabels:",
        5,
        14,
        "`Deployment/web` is in the `default` namespace",
    ),
    "K8S111": (
        "      automountServiceAccountToken: false\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n      initContainers:",
        "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n      initContainers:",
        14,
        5,
        "`Deployment/web` mounts a service account token",
    ),
    "K8S112": (
        "  minAvailable: 1\n  selector:\n    matchLabels:\n      app: web",
        "  minAvailable: 1\n  selector:\n    matchLabels:\n      app: api",
        4,
        9,
        "no PodDisruptionBudget covers `Deployment/web`",
    ),
    "K8S113": (
        "  podSelector: {}",
        "  podSelector:\n    matchLabels:\n      app: db",
        4,
        9,
        "no NetworkPolicy covers `Deployment/web`",
    ),
    "K8S114": (
        "  selector:\n    app: web\n  ports:",
        "  selector:\n    app: wbe\n  ports:",
        70,
        3,
        "`Service/web` selects app=wbe, which no workload",
    ),
    "K8S115": (
        "    kind: Deployment\n    name: web\n",
        "    kind: Deployment\n    name: webb\n",
        85,
        11,
        "scales `Deployment/webb`, which is not in this set",
    ),
    "K8S116": (
        "kind: HorizontalPodAutoscaler\nmetadata:\n  name: web",
        "kind: Service\nmetadata:\n  name: web",
        79,
        9,
        "`Service/web` is defined twice",
    ),
}


def _findings(tmp_path: Path, text: str) -> list[tuple[str, int, int, str]]:
    build_tree(tmp_path, {"app.yaml": text})
    report = validate([tmp_path], select=IDS, cache=False, jobs=1)
    return [(f.rule, f.line, f.column, f.message) for f in report.findings]


def test_the_baseline_is_clean(tmp_path: Path) -> None:
    assert list(yaml.safe_load_all(GOOD))
    assert _findings(tmp_path, GOOD) == []


@pytest.mark.parametrize("rule", IDS)
def test_each_rule_fires_at_the_field(tmp_path: Path, rule: str) -> None:
    old, new, line, column, message = MUTATIONS[rule]
    assert GOOD.count(old) == 1, rule
    found = [f for f in _findings(tmp_path, GOOD.replace(old, new)) if f[0] == rule]
    assert len(found) == 1, found
    assert found[0][1:3] == (line, column), found
    assert message in found[0][3]


def test_generated_manifests_follow_every_practice(tmp_path: Path) -> None:
    from scaffolder.generation import generate
    from scaffolder.templates import list_templates

    for template in (t.name for t in list_templates()):
        project = generate(template, tmp_path / template, answers={})
        assert validate([project / "k8s"], select=IDS, cache=False).findings == ()


def test_realistic_manifests_give_no_findings_and_helm_templates_are_skipped() -> None:
    from ...conftest import REPO

    fixture = REPO / "tests" / "fixtures" / "kubernetes" / "realistic"
    report = validate([fixture], cache=False)
    assert report.findings == ()
    # workloads.yaml, values.yaml and Chart.yaml are read; the Helm template is not.
    assert report.files == 3


def test_kubernetes_version_selects_the_schemas(tmp_path: Path, run_cli) -> None:
    build_tree(
        tmp_path,
        {
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\nspec:\n  ports:\n    - port: eighty\n"
        },
    )
    old = run_cli(
        "validate", str(tmp_path), "--kubernetes-version", "1.29", "--no-cache", "--format", "json"
    )
    assert old.returncode == 1
    assert '"rule": "K8S001"' in old.stdout
    bad = run_cli("validate", str(tmp_path), "--kubernetes-version", "9.1")
    assert bad.returncode == 2
    assert "unsupported Kubernetes version `9.1`" in bad.stderr


def test_every_schema_error_of_an_object_is_reported(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: b\nspec:\n  portz: []\n  ports:\n    - port: eighty\n"
        },
    )
    report = validate([tmp_path], select=["K8S001"], cache=False)
    assert [(f.line, f.column) for f in report.findings] == [(7, 3), (9, 13)]
    assert "'portz' was unexpected" in report.findings[0].message


def test_a_replication_controller_is_a_workload(tmp_path: Path) -> None:
    # Regression from kubernetes/examples: a Service selecting an RC's pods "selected nothing",
    # and RCs got none of the workload checks.
    files = {
        "rc.yaml": "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: r\n  namespace: n\n"
        "spec:\n  replicas: 1\n  selector:\n    app: r\n  template:\n    metadata:\n      labels:\n"
        "        app: r\n    spec:\n      containers:\n        - name: c\n          image: c:1\n",
        "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: n\n"
        "spec:\n  selector:\n    app: r\n  ports:\n    - port: 80\n",
    }
    rules = {f.rule for f in validate([build_tree(tmp_path, files)], cache=False).findings}
    assert "K8S114" not in rules
    assert {"K8S101", "K8S106"} <= rules
