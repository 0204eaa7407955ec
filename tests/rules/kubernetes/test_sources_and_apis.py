"""Regressions from public repositories: what is a manifest, what kustomize can render offline,
retired API versions, and where findings land."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scaffolder.validation import validate

from ...conftest import build_tree

HPA = (
    "apiVersion: {api}\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: n\n"
    "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n"
    "  maxReplicas: 2\n"
)
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: n\nspec:\n"
    "  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n"
    "      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: c\n"
    "          image: c:1.0\n{extra}"
)


def _found(
    root: Path, *rules: str, version: str | None = None
) -> list[tuple[str, str, int, int, str]]:
    report = validate([root], select=list(rules), cache=False, jobs=1, kubernetes_version=version)
    return [(f.rule, f.path, f.line, f.column, f.message) for f in report.findings]


def test_a_removed_api_version_names_its_release_and_replacement(tmp_path: Path) -> None:
    build_tree(tmp_path, {"hpa.yaml": HPA.format(api="autoscaling/v2beta2")})
    assert _found(tmp_path, "K8S008", "K8S003", "K8S009") == [
        (
            "K8S008",
            "hpa.yaml",
            1,
            13,
            "`HorizontalPodAutoscaler/web`: `autoscaling/v2beta2` `HorizontalPodAutoscaler` was "
            "removed in Kubernetes 1.26; use `autoscaling/v2` (checked against 1.33)",
        )
    ]


def test_a_deprecated_api_version_is_a_warning_until_it_is_removed(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "flow.yaml": "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\n"
            "metadata:\n  name: x\nspec:\n  priorityLevelConfiguration:\n    name: global-default\n"
        },
    )
    found = _found(tmp_path, "K8S008", "K8S009", version="1.29")
    assert [(rule, line, column) for rule, _, line, column, _ in found] == [("K8S009", 1, 13)]
    assert "deprecated since Kubernetes 1.29 and removed in 1.32" in found[0][4]
    assert [rule for rule, *_ in _found(tmp_path, "K8S008", "K8S009")] == ["K8S008"]


def test_current_api_versions_are_quiet(tmp_path: Path) -> None:
    build_tree(tmp_path, {"hpa.yaml": HPA.format(api="autoscaling/v2")})
    assert _found(tmp_path, "K8S008", "K8S009", "K8S003") == []


def test_an_unknown_key_is_placed_on_the_key(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n"
            "  ports:\n    - port: 80\n  prots: 80\n"
        },
    )
    (finding,) = _found(tmp_path, "K8S001")
    assert finding[2:4] == (8, 3)
    assert "'prots' was unexpected" in finding[4]


def test_envsubst_placeholders_are_not_type_errors(tmp_path: Path) -> None:
    # kubernetes-engine-samples: `${REPLICAS:-1}` is substituted before the file is applied.
    build_tree(
        tmp_path,
        {
            "deploy.yaml": DEPLOYMENT.format(
                name="web", extra="          ports:\n            - containerPort: ${PORT:-9002}\n"
            ).replace("spec:\n  selector", "spec:\n  replicas: ${REPLICAS}\n  selector", 1)
        },
    )
    assert _found(tmp_path, "K8S001") == []
    (tmp_path / "deploy.yaml").write_text(
        (tmp_path / "deploy.yaml").read_text().replace("${REPLICAS}", "two")
    )
    assert [rule for rule, *_ in _found(tmp_path, "K8S001")] == ["K8S001"]


def _git(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


OVERLAY = (
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
    "  - deploy.yaml\n"
)


@pytest.mark.parametrize(
    ("extra", "files", "reason"),
    [
        (
            "  - https://example.com/manifests.yaml\n",
            {},
            "not rendered: needs the remote resource `https://example.com/manifests.yaml`",
        ),
        (
            "configMapGenerator:\n  - name: db\n    envs: [db.env]\n",
            {"k/db.env.example": "A=1\n", ".gitignore": "k/db.env\n"},
            "not rendered: `k/db.env` is git-ignored, so not in the repository "
            "(made from `db.env.example`)",
        ),
        (
            "generators:\n  - gen.yaml\n",
            {
                "k/gen.yaml": "apiVersion: example.com/v1\nkind: Nginx\nmetadata:\n  name: n\n"
                "  annotations:\n    config.kubernetes.io/function: |\n      exec:\n"
                "        path: ./plugin\n"
            },
            "not rendered: needs a KRM function or exec plugin",
        ),
    ],
    ids=["remote", "git-ignored", "krm-function"],
)
def test_what_cannot_render_offline_is_info_and_its_resources_are_still_checked(
    tmp_path: Path, kubectl: str, extra: str, files: dict[str, str], reason: str
) -> None:
    bad = DEPLOYMENT.format(name="web", extra="").replace(
        "image: c:1.0", "image: c:1.0\n          portz: 1"
    )
    build_tree(tmp_path, {"k/kustomization.yaml": OVERLAY + extra, "k/deploy.yaml": bad, **files})
    _git(tmp_path)
    found = _found(tmp_path, "K8S002", "K8S007", "K8S001")
    assert [(rule, path, line) for rule, path, line, _, _ in found] == [
        ("K8S001", "k/deploy.yaml", 16),
        ("K8S007", "k/kustomization.yaml", 1),
    ], found
    assert found[1][4].startswith(reason), found[1][4]
    assert found[1][4].endswith("; its own resources were validated one by one")


def test_a_missing_file_that_is_not_ignored_is_an_error(tmp_path: Path, kubectl: str) -> None:
    build_tree(
        tmp_path,
        {
            "k/kustomization.yaml": OVERLAY
            + "configMapGenerator:\n  - name: db\n    envs: [db.env]\n",
            "k/deploy.yaml": DEPLOYMENT.format(name="web", extra=""),
        },
    )
    _git(tmp_path)
    ((rule, path, _, _, message),) = _found(tmp_path, "K8S002", "K8S007")
    assert (rule, path) == ("K8S002", "k/kustomization.yaml")
    assert "db.env" in message and str(tmp_path) not in message
    assert "no such file or directory" in message


def test_a_patch_file_is_not_validated_as_a_manifest(tmp_path: Path, kubectl: str) -> None:
    # argocd-example-apps: a strategic-merge patch is a fragment (no selector, no containers).
    build_tree(
        tmp_path,
        {
            "app/kustomization.yaml": OVERLAY + "patches:\n  - path: patches/replicas.yaml\n",
            "app/deploy.yaml": DEPLOYMENT.format(name="web", extra=""),
            "app/patches/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            "  name: web\n  namespace: n\nspec:\n  replicas: 3\n",
        },
    )
    assert _found(tmp_path, "K8S001", "K8S002") == []


def test_a_base_error_is_reported_once_naming_every_overlay(tmp_path: Path, kubectl: str) -> None:
    bad = DEPLOYMENT.format(name="web", extra="").replace(
        "image: c:1.0", "image: c:1.0\n          portz: 1"
    )
    overlay = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        "  - ../../base\n"
    )
    build_tree(
        tmp_path,
        {
            "base/kustomization.yaml": OVERLAY,
            "base/deploy.yaml": bad,
            "overlays/dev/kustomization.yaml": overlay,
            "overlays/prod/kustomization.yaml": overlay,
        },
    )
    ((rule, path, line, _, message),) = _found(tmp_path, "K8S001")
    assert (rule, path, line) == ("K8S001", "base/deploy.yaml", 16)
    assert message.endswith("(rendered by overlays/dev, overlays/prod)")


def test_practice_rules_near_misses_from_public_repositories(tmp_path: Path) -> None:
    privileged = DEPLOYMENT.format(
        name="agent",
        extra="          securityContext:\n            privileged: true\n",
    )
    bind = DEPLOYMENT.format(
        name="proxy",
        extra="          securityContext:\n            capabilities:\n"
        "              drop: [all]\n              add: [NET_BIND_SERVICE]\n",
    )
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\n  namespace: n\nspec:\n"
        "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "        - name: pi\n          image: perl:5.34\n"
    )
    build_tree(
        tmp_path,
        {
            "app/privileged.yaml": privileged,
            "app/bind.yaml": bind,
            # Alternatives in one directory (kubernetes/examples: `-v2` files) are not duplicates.
            "app/web.yaml": DEPLOYMENT.format(name="web", extra=""),
            "app/web-v2.yaml": DEPLOYMENT.format(name="web", extra=""),
            "app/job.yaml": job,
            # The HPA's Deployment lives in the parent directory.
            "app/autoscaling/hpa.yaml": HPA.format(api="autoscaling/v2"),
        },
    )
    found = _found(tmp_path, "K8S104", "K8S105", "K8S108", "K8S115", "K8S116", "K8S106")
    fired = {(rule, path) for rule, path, *_ in found}
    assert ("K8S104", "app/privileged.yaml") in fired
    # The API rejects allowPrivilegeEscalation: false beside privileged: true.
    assert ("K8S105", "app/privileged.yaml") not in fired
    assert ("K8S105", "app/bind.yaml") in fired
    assert not {rule for rule, _ in fired} & {"K8S108", "K8S115", "K8S116"}, fired
    # A generateName object is named by its prefix, not as an unnamed `Job/?`.
    assert any(message.startswith("`Job/pi-*` container `pi`") for *_, message in found), found


def test_duplicates_in_one_file_and_missing_targets_among_others_still_fire(tmp_path: Path) -> None:
    web = DEPLOYMENT.format(name="web", extra="")
    build_tree(
        tmp_path,
        {
            "app/all.yaml": web + "---\n" + web,
            "app/hpa.yaml": HPA.format(api="autoscaling/v2").replace(
                "name: web\n  maxReplicas", "name: wbe\n  maxReplicas"
            ),
        },
    )
    assert [(rule, path) for rule, path, *_ in _found(tmp_path, "K8S115", "K8S116")] == [
        ("K8S116", "app/all.yaml"),
        ("K8S115", "app/hpa.yaml"),
    ]


def test_kubectls_multi_line_error_is_the_message_not_an_empty_text() -> None:
    from scaffolder.validation.kubernetes.manifests import kubectl_error

    # kubectl 1.3x, kustomize of a remote resource offline (`failed:  >` before).
    stderr = (
        'E1201 13:06:32.871007   27105 run.go:72] "command failed" err=<\n'
        "\taccumulating resources: accumulation err='accumulating resources from "
        "'https://example.com/a.yaml': no such host'\n"
        "\t: exit status 128\n"
        " >\n"
    )
    assert kubectl_error(stderr) == (
        "accumulating resources: accumulation err='accumulating resources from "
        "'https://example.com/a.yaml': no such host' : exit status 128"
    )


def test_a_krm_resource_list_is_not_an_object(tmp_path: Path) -> None:
    # kustomize's kyaml test data: a function's input and output, not a manifest.
    build_tree(
        tmp_path,
        {
            "expected.yaml": "apiVersion:\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
        },
    )
    assert _found(tmp_path, "K8S001") == []
    (tmp_path / "expected.yaml").write_text("apiVersion:\nkind: ConfigMap\n")
    assert [rule for rule, *_ in _found(tmp_path, "K8S001")] == ["K8S001"]


def test_a_bases_missing_resource_is_one_finding_at_its_entry(tmp_path: Path, kubectl: str) -> None:
    overlay = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        "  - ../../base\n"
    )
    build_tree(
        tmp_path,
        {
            "base/kustomization.yaml": OVERLAY + "  - missing.yaml\n",
            "base/deploy.yaml": DEPLOYMENT.format(name="web", extra=""),
            "overlays/dev/kustomization.yaml": overlay,
            "overlays/prod/kustomization.yaml": overlay,
        },
    )
    assert _found(tmp_path, "K8S002") == [
        (
            "K8S002",
            "base/kustomization.yaml",
            5,
            5,
            "`resources.1` names `missing.yaml`, which does not exist, so `kubectl kustomize` "
            "cannot render this kustomization or any that includes it",
        )
    ]


def test_a_component_no_kustomization_includes_is_not_an_error(
    tmp_path: Path, kubectl: str
) -> None:
    # microservices-demo: optional components, patching what the including kustomization has.
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frontend\n  namespace: n\n"
        "spec:\n  replicas: 2\n"
    )
    build_tree(
        tmp_path,
        {
            "components/ha/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
            "kind: Component\npatches:\n  - path: patch.yaml\n",
            "components/ha/patch.yaml": patch,
        },
    )
    found = _found(tmp_path, "K8S002", "K8S007", "K8S001")
    assert [(rule, path) for rule, path, *_ in found] == [
        ("K8S007", "components/ha/kustomization.yaml")
    ]
    assert "a Component patches what the kustomization including it renders" in found[0][4]
    # Included, it is rendered with the resources it patches.
    build_tree(
        tmp_path,
        {
            "app/kustomization.yaml": OVERLAY + "components:\n  - ../components/ha\n",
            "app/deploy.yaml": DEPLOYMENT.format(name="frontend", extra=""),
        },
    )
    assert _found(tmp_path, "K8S002", "K8S007", "K8S001") == []
