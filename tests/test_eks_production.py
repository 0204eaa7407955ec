"""The eks template's production path: its answers, the database and how the app reaches it.

What every cloud template shares is tested in ``test_cloud_templates.py`` with default answers;
here the eks answers that change what is rendered (database high availability, admin CIDRs,
admin principals) are rendered in each combination and checked the same way, and the path from
infra's outputs to the app's database connection is run for real.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from scaffolder.generation import generate
from scaffolder.validation import validate
from scaffolder.validation.terraform.hcl import parse
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Call,
    Traversal,
    Variable,
    literal_value,
)

from .conftest import RUNTIMES, run_checkov
from .test_cloud_templates import CLOUDS

#: Answers that change what eks renders, and the checkov skips each combination must carry on
#: top of the template's own (test_cloud_templates.py): a skip appears exactly where its answer
#: asks for it.
VARIANTS: dict[str, tuple[dict[str, str], set[str]]] = {
    "default": ({}, set()),
    "single-zone-public": (
        {
            "database_high_availability": "false",
            "admin_cidrs": "203.0.113.0/24, 198.51.100.7/32",
            "admin_principal_arns": "arn:aws:iam::123456789012:role/admin,"
            "arn:aws:iam::123456789012:user/ops",
        },
        {"CKV_AWS_157", "CKV_AWS_39"},
    ),
}
#: The skips every eks variant carries, each with its reason inline: test_cloud_templates' own.
BASE_SKIPS = CLOUDS["eks"]["skips"]
CASES = [(variant, runtime) for variant in VARIANTS for runtime in RUNTIMES]
Variant = Callable[[str, str], Path]


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Variant:
    cache: dict[tuple[str, str], Path] = {}

    def render(name: str, runtime: str = "python") -> Path:
        if (name, runtime) not in cache:
            out = tmp_path_factory.mktemp(f"eks-{name}-{runtime}")
            answers = {**VARIANTS[name][0], "app_runtime": runtime}
            cache[name, runtime] = generate("eks", out, answers=answers)
        return cache[name, runtime]

    return render


def _tfvars(project: Path) -> dict[str, object]:
    tfvars = parse((project / "infra" / "terraform.tfvars").read_text(), "terraform.tfvars")
    return {a.name: literal_value(a.value) for a in tfvars.body if isinstance(a, Attribute)}


@pytest.mark.parametrize(("name", "runtime"), CASES)
def test_every_variant_validates_clean_renders_and_is_canonical(
    variant: Variant, name: str, runtime: str, terraform: str, kubectl: str
) -> None:
    import kubernetes_validate

    project = variant(name, runtime)
    report = validate([project], cache=False)
    assert report.findings == ()
    fmt = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout
    rendered = subprocess.run(
        [kubectl, "kustomize", str(project / "k8s" / "overlays" / "eks")],
        capture_output=True,
        text=True,
        check=True,
    )
    objects = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    custom = [obj for obj in objects if obj["apiVersion"] == "secrets-store.csi.x-k8s.io/v1"]
    assert [obj["kind"] for obj in custom] == ["SecretProviderClass"]
    for obj in objects:
        if obj not in custom:
            kubernetes_validate.validate(obj, "1.33", strict=True)


@pytest.mark.parametrize("name", VARIANTS)
def test_checkov_has_zero_failures_and_the_skips_the_answers_ask_for(
    variant: Variant, checkov: str, tmp_path: Path, name: str
) -> None:
    both = tmp_path / "both"
    for runtime in RUNTIMES:
        shutil.copytree(
            variant(name, runtime), both / runtime, ignore=shutil.ignore_patterns(".env")
        )
    skipped = set()
    for report in run_checkov(checkov, both, "terraform,kubernetes"):
        assert report["results"]["failed_checks"] == [], [
            (c["check_id"], c["file_path"]) for c in report["results"]["failed_checks"]
        ]
        for check in report["results"]["skipped_checks"]:
            skipped.add(check["check_id"])
            assert len(check["check_result"].get("suppress_comment") or "") > 40, check
    assert skipped == BASE_SKIPS | VARIANTS[name][1]


@pytest.mark.parametrize("name", VARIANTS)
def test_tfvars_follow_the_answers(variant: Variant, name: str) -> None:
    answers = VARIANTS[name][0]
    values = _tfvars(variant(name))
    cidrs = [c.strip() for c in answers.get("admin_cidrs", "").split(",") if c.strip()]
    admins = [a for a in answers.get("admin_principal_arns", "").split(",") if a]
    assert values["database_multi_az"] is (answers.get("database_high_availability") != "false")
    assert values["endpoint_public_access"] is bool(cidrs)
    assert values["public_access_cidrs"] == cidrs
    assert values["admin_principal_arns"] == admins


def test_access_entries_depend_on_no_one_who_applies_and_on_no_later_step(
    variant: Variant,
) -> None:
    """Whoever applies infra/ (a person, Spacelift's role) gets nothing implicitly, and infra/
    names no principal that the management stack, a later step, creates."""
    project = variant("single-zone-public")
    infra = [parse(p.read_text(), p.name) for p in sorted((project / "infra").glob("*.tf"))]
    data_sources = {b.label(0) for hcl in infra for b in hcl.blocks("data")}
    assert not data_sources & {"aws_caller_identity", "aws_iam_session_context"}
    (cluster,) = [
        b for hcl in infra for b in hcl.blocks("resource") if b.label(0) == "aws_eks_cluster"
    ]
    (access,) = cluster.blocks("access_config")
    assert literal_value(
        access.attributes["bootstrap_cluster_creator_admin_permissions"].value
    ) is (False)
    (entries,) = [
        b for hcl in infra for b in hcl.blocks("resource") if b.label(0) == "aws_eks_access_entry"
    ]
    for_each = entries.attributes["for_each"].value
    assert isinstance(for_each, Call) and for_each.name == "toset"
    (argument,) = for_each.args
    assert isinstance(argument, Traversal) and isinstance(argument.source, Variable)
    assert [argument.source.name, *(getattr(s, "name", None) for s in argument.steps)] == [
        "var",
        "admin_principal_arns",
    ]
    management = [
        parse(p.read_text(), p.name) for p in sorted((project / "spacelift").glob("*.tf"))
    ]
    created_roles = {
        b.label(1)
        for hcl in management
        for b in hcl.blocks("resource")
        if b.label(0) == "aws_iam_role"
    }
    assert created_roles == {"infra", "k8s"}
    text = "".join(p.read_text() for p in (project / "infra").iterdir() if p.is_file())
    assert "-spacelift-" not in text


@pytest.mark.parametrize(
    ("answer", "field", "rule"),
    [
        ("database_high_availability=maybe", "database_high_availability", "must be true or false"),
        ("admin_cidrs=0.0.0.0/0", "admin_cidrs", "must be public IPv4 ranges"),
        ("admin_cidrs=10.0.0.0/8", "admin_cidrs", "must be public IPv4 ranges"),
        ("admin_cidrs=203.0.113.1/24", "admin_cidrs", "must be public IPv4 ranges"),
        (
            "admin_principal_arns=arn:aws:sts::123456789012:assumed-role/admin/me",
            "admin_principal_arns",
            "must be IAM role or user ARNs",
        ),
    ],
)
def test_bad_new_answers_name_the_field_exit_2_and_write_nothing(
    run_cli, tmp_path: Path, answer: str, field: str, rule: str
) -> None:
    result = run_cli("new", "eks", "--no-input", "--set", answer, "-o", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert f"`{field}` {rule}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_k8s_stack_hooks_write_the_database_connection_into_the_overlay(
    variant: Variant, tmp_path: Path, kubectl: str
) -> None:
    """The Kubernetes stack's before_init hooks, run as Spacelift runs them (in the project
    root, with infra's outputs as environment variables), turn the overlay's fail-closed
    placeholders into the database's URL, CA bundle and secret, and kustomize wires them
    into the app's pod. Two commands reach the outside world and are replaced: the
    kubeconfig hook (it needs AWS) is not run, and `curl` on PATH serves a certificate for
    the trust-store address the hook asks for, which the test checks."""
    project = shutil.copytree(variant("default"), tmp_path / "project")
    overlay = project / "k8s" / "overlays" / "eks"
    config = yaml.safe_load((project / ".spacelift" / "config.yml").read_text())
    stack = config["stacks"]["my-service-k8s"]
    assert stack["project_root"] == "k8s/overlays/eks"
    hooks = [hook for hook in stack["before_init"] if not hook.startswith("aws eks ")]
    assert len(hooks) == len(stack["before_init"]) - 1
    pem = "-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----\n"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    asked = tmp_path / "asked"
    curl = bin_dir / "curl"
    curl.write_text(
        "#!/bin/sh\n"
        f'for arg in "$@"; do last="$arg"; done; echo "$last" > {asked}\n'
        'while [ "$1" != "--output" ]; do shift; done\n'
        f"printf '%s' '{pem}' > \"$2\"\n"
    )
    curl.chmod(0o755)
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
    url = "postgresql://app@my-service.c0ffee.eu-west-1.rds.amazonaws.com:5432/app?sslmode=verify-full"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "CLUSTER_NAME": "my-service",
        "CLUSTER_REGION": "eu-west-1",
        "ECR_REPOSITORY_URL": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-service",
        "DATABASE_URL": url,
        "DATABASE_SECRET_ARN": arn,
    }
    for hook in hooks:
        result = subprocess.run(
            ["/bin/sh", "-ec", hook], cwd=overlay, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, (hook, result.stderr)
    assert asked.read_text().strip() == (
        "https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem"
    )

    rendered = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=True
    )
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(rendered.stdout)}
    pod = objects[("Deployment", "my-service")]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env_vars = {item["name"]: item for item in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}

    # DATABASE_URL: infra's output plus the CA bundle, which the pod has at that path.
    secret_name = env_vars["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
    secret = objects[("Secret", secret_name)]
    database_url = base64.b64decode(secret["data"]["DATABASE_URL"]).decode()
    assert database_url == f"{url}&sslrootcert=/etc/rds-ca/rds-ca.pem"
    ca_volume = next(n for n, p in mounts.items() if database_url.endswith(f"={p}/rds-ca.pem"))
    ca_map = objects[("ConfigMap", volumes[ca_volume]["configMap"]["name"])]
    assert ca_map["data"]["rds-ca.pem"] == pem

    # DATABASE_PASSWORD_FILE: the password key of the secret infra named, mounted by the CSI
    # driver with the pod's Pod Identity role.
    password_file = Path(env_vars["DATABASE_PASSWORD_FILE"]["value"])
    csi = volumes[next(n for n, p in mounts.items() if p == str(password_file.parent))]["csi"]
    assert csi["driver"] == "secrets-store.csi.k8s.io"
    provider = objects[("SecretProviderClass", csi["volumeAttributes"]["secretProviderClass"])]
    parameters = provider["spec"]["parameters"]
    assert parameters["usePodIdentity"] == "true"
    assert parameters["region"] == "eu-west-1"
    (entry,) = yaml.safe_load(parameters["objects"])
    assert entry["objectName"] == arn
    assert {"path": "password", "objectAlias": password_file.name} in entry["jmesPath"]


@pytest.mark.parametrize(
    ("region", "zones"),
    [
        # Regions whose zones are not a, b, c: the zones each account sees there.
        ("ap-northeast-1", ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]),
        ("us-west-1", ["us-west-1b", "us-west-1c"]),
        ("ca-central-1", ["ca-central-1a", "ca-central-1b", "ca-central-1d"]),
        ("eu-west-1", ["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
    ],
)
def test_default_zones_are_the_regions_real_zones_also_when_prompted(
    tmp_path: Path, region: str, zones: list[str]
) -> None:
    from scaffolder.generation import Question, resolve_answers
    from scaffolder.templates import get_template

    offered: dict[str, object] = {}

    def prompter(question: Question) -> object:
        offered[question.name] = question.default
        value = region if question.name == "region" else question.default
        return question.check(value)

    answers = resolve_answers(get_template("eks"), {}, prompter=prompter)
    assert offered["availability_zones"] == ",".join(zones)
    assert answers["availability_zones"] == ",".join(zones)
    project = generate("eks", tmp_path, answers={"region": region})
    assert _tfvars(project)["availability_zones"] == zones


def test_an_unlisted_region_needs_the_override_and_says_it_is_unchecked(
    run_cli, tmp_path: Path
) -> None:
    refused = run_cli("new", "eks", "--no-input", "--set", "region=xx-new-1", "-o", str(tmp_path))
    assert refused.returncode == 2
    assert "`region` must be an AWS region (" in refused.stderr
    assert "; a region newer than scaffolder's list needs" in refused.stderr
    assert "`region_unchecked=true`" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    answers = {
        "region": "xx-new-1",
        "region_unchecked": "true",
        "availability_zones": "xx-new-1a,xx-new-1b",
    }
    project = generate("eks", tmp_path, answers=answers)
    assert _tfvars(project)["region"] == "xx-new-1"
    assert _tfvars(project)["availability_zones"] == ["xx-new-1a", "xx-new-1b"]
    readme = " ".join((project / "README.md").read_text().split())
    assert "**unchecked**: `xx-new-1` is not in scaffolder's bundled region list" in readme
    assert validate([project], cache=False).findings == ()
    # Zones of another region are refused even then, and the override is no blanket pass.
    for bad, field in (
        ({**answers, "availability_zones": "eu-west-1a,eu-west-1b"}, "availability_zones"),
        ({**answers, "region": "not a region"}, "region"),
    ):
        result = run_cli(
            "new",
            "eks",
            "--no-input",
            *(a for k, v in bad.items() for a in ("--set", f"{k}={v}")),
            "-o",
            str(tmp_path / "bad"),
        )
        assert result.returncode == 2, result.stderr
        assert f"`{field}` must be" in result.stderr
        assert not (tmp_path / "bad").exists()


#: Instance types and their architecture, as EC2 documents the names.
INSTANCE_TYPES = {
    "m7i.large": "x86_64",
    "m7i-flex.large": "x86_64",
    "t3.large": "x86_64",
    "c6a.xlarge": "x86_64",
    "r7iz.2xlarge": "x86_64",
    "m7g.large": "arm64",
    "m7gd.xlarge": "arm64",
    "c7gn.large": "arm64",
    "r8g.medium": "arm64",
    "t4g.medium": "arm64",
    "x2gd.large": "arm64",
    "im4gn.large": "arm64",
    "a1.large": "arm64",
}


def test_the_node_ami_type_follows_the_instance_type_in_python_and_in_hcl(
    variant: Variant, tmp_path: Path, terraform: str
) -> None:
    """infra/nodes.tf's HCL and scaffolder.clouds.ec2_architecture agree on every type, run by
    terraform itself (`terraform console` over the rendered locals, no provider needed)."""
    import re

    from scaffolder.clouds import ec2_architecture

    nodes = (variant("default") / "infra" / "nodes.tf").read_text()
    locals_block = re.search(r"^locals \{\n.*?^\}\n", nodes, re.M | re.S)
    assert locals_block is not None
    (tmp_path / "main.tf").write_text(
        'variable "node_machine_type" {\n  type = string\n}\n\n' + locals_block.group(0)
    )
    ami_types = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}
    for instance_type, architecture in INSTANCE_TYPES.items():
        assert ec2_architecture(instance_type) == architecture, instance_type
        result = subprocess.run(
            [terraform, "console", f"-var=node_machine_type={instance_type}"],
            input="local.node_ami_type\n",
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert result.stdout.strip() == f'"{ami_types[architecture]}"', instance_type


@pytest.mark.parametrize(
    "instance_type", ["p5.48xlarge", "g5.xlarge", "g5g.xlarge", "inf2.xlarge", "trn1.2xlarge"]
)
def test_accelerated_instance_types_are_refused_with_the_reason(
    run_cli, tmp_path: Path, instance_type: str
) -> None:
    result = run_cli(
        "new",
        "eks",
        "--no-input",
        "--set",
        f"node_machine_type={instance_type}",
        "-o",
        str(tmp_path),
    )
    assert result.returncode == 2, result.stderr
    assert "`node_machine_type` is an accelerated instance type" in result.stderr
    assert "need an accelerated AMI type" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("region", "constraint"), [("us-east-1", False), ("eu-west-1", True)])
def test_state_bucket_sets_a_location_constraint_except_in_us_east_1(
    tmp_path: Path, make: str, region: str, constraint: bool
) -> None:
    project = generate("eks", tmp_path, answers={"region": region})
    dry = subprocess.run(
        [make, "--dry-run", "state-bucket"], cwd=project, capture_output=True, text=True, check=True
    )
    (create,) = [line for line in dry.stdout.splitlines() if "s3api create-bucket" in line]
    assert f"--region {region}" in create
    assert ("LocationConstraint" in create) is constraint
    if constraint:
        assert f"LocationConstraint={region}" in create


def test_the_cluster_autoscaler_can_find_and_resize_this_clusters_node_group(
    variant: Variant, kubectl: str
) -> None:
    """The autoscaler the Kubernetes stack deploys discovers the node group by the tags EKS
    gives this cluster's groups, runs as the service account infra gives an AWS role, and that
    role may resize only this cluster's groups."""
    project = variant("default")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(project / "k8s" / "overlays" / "eks")],
        capture_output=True,
        text=True,
        check=True,
    )
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(rendered.stdout)}
    deployment = objects[("Deployment", "cluster-autoscaler")]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    flags = dict(arg.split("=", 1) for arg in container["command"][1:] if "=" in arg)
    assert flags["--cloud-provider"] == "aws"
    assert flags["--node-group-auto-discovery"] == (
        "asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/my-service"
    )
    assert flags["--namespace"] == deployment["metadata"]["namespace"] == "my-service"
    assert container["image"] == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0"
    binding = objects[("ClusterRoleBinding", "my-service-cluster-autoscaler")]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": "my-service"}
    ]
    # Its egress: DNS and HTTPS (the API server, the AWS APIs), past the namespace's deny-all.
    policy = objects[("NetworkPolicy", "cluster-autoscaler")]["spec"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert {"port": 443, "protocol": "TCP"} in [
        p for rule in policy["egress"] for p in rule["ports"]
    ]

    infra = [parse(p.read_text(), p.name) for p in sorted((project / "infra").glob("*.tf"))]
    resources = {(b.label(0), b.label(1)): b for hcl in infra for b in hcl.blocks("resource")}
    association = resources[("aws_eks_pod_identity_association", "cluster_autoscaler")]
    assert (
        literal_value(association.attributes["service_account"].value)
        == (pod["serviceAccountName"])
    )
    tfvars = _tfvars(project)
    assert tfvars["app_namespace"] == deployment["metadata"]["namespace"]
    assert tfvars["name"] == "my-service"
    text = (project / "infra" / "autoscaler.tf").read_text()
    assert '"aws:ResourceTag/eks:cluster-name" = var.name' in text


#: IAM actions that hand out rights: with one unconditioned, an identity makes itself more.
ROLE_GRANTS = (
    "iam:CreateRole",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:PutRolePermissionsBoundary",
)
#: Actions no generated identity needs: IAM users, groups and keys, managed policy versions
#: outside the boundaries, and removing a boundary.
NEVER = (
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:PutGroupPolicy",
    "iam:DeleteRolePermissionsBoundary",
    "sts:AssumeRole",
)
ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def _covers(patterns: list[str], action: str) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _hcl_statements(block: object) -> list[dict[str, object]]:
    """A `jsonencode({...})` policy's statements: Effect, Action as a list, Condition keys."""
    from scaffolder.validation.terraform.syntax import ObjectExpr, TupleExpr, object_key

    def items(expr: object) -> dict[str, object]:
        assert isinstance(expr, ObjectExpr), expr
        return {str(object_key(item.key)): item.value for item in expr.items}

    policy = block.attributes["policy"].value  # type: ignore[attr-defined]
    assert isinstance(policy, Call) and policy.name == "jsonencode"
    statements = items(policy.args[0])["Statement"]
    assert isinstance(statements, TupleExpr)
    found = []
    for statement in statements.items:
        fields = items(statement)
        actions = literal_value(fields["Action"])  # type: ignore[arg-type]
        conditions: dict[str, object] = {}
        if "Condition" in fields:
            for operator in items(fields["Condition"]).values():
                conditions.update(items(operator))
        found.append(
            {
                "Effect": literal_value(fields["Effect"]),  # type: ignore[arg-type]
                "Action": [actions] if isinstance(actions, str) else actions,
                "Condition": conditions,
            }
        )
    return found


def test_no_generated_identity_can_escalate(variant: Variant) -> None:
    """Every identity the project defines (the stacks' roles, the management stack's policy,
    the roles infra/ creates) is checked statement by statement: nothing grants IAM users,
    keys or `*`; creating or widening a role needs the boundary on it; a role can be passed
    only to named services; no AWS-managed administrator policy is attached; every role any
    stack creates carries a permissions boundary."""
    import json

    project = variant("default")
    identities: dict[str, list[dict[str, object]]] = {}
    boundaries = set()
    for directory in ("infra", "spacelift"):
        for path in sorted((project / directory).glob("*.tf")):
            for block in parse(path.read_text(), path.name).blocks("resource"):
                kind, name = block.label(0), block.label(1)
                if kind == "aws_iam_role":
                    assert "permissions_boundary" in block.attributes, (directory, name)
                elif kind == "aws_iam_role_policy":
                    identities[f"{directory}/{name}"] = _hcl_statements(block)
                elif kind == "aws_iam_policy":
                    boundaries.add(name)
                elif kind == "aws_iam_role_policy_attachment":
                    arn = literal_value(block.attributes["policy_arn"].value)
                    assert not any(str(arn).endswith(f"/{p}") for p in ADMIN_POLICIES), arn
    assert boundaries == {"boundary", "stack_boundary"}
    management = json.loads((project / "spacelift" / "management-policy.json").read_text())
    identities["management"] = [
        {
            "Effect": s["Effect"],
            "Action": [s["Action"]] if isinstance(s["Action"], str) else s["Action"],
            "Condition": {k: v for op in s.get("Condition", {}).values() for k, v in op.items()},
        }
        for s in management["Statement"]
    ]
    assert {"infra/app_database_secret", "spacelift/infra_services", "spacelift/infra_iam"} <= set(
        identities
    )
    for identity, statements in identities.items():
        for statement in statements:
            if statement["Effect"] != "Allow":
                continue
            actions = [str(a) for a in statement["Action"]]  # type: ignore[attr-defined]
            conditions = statement["Condition"]
            assert "*" not in actions and "iam:*" not in actions, identity
            for action in NEVER:
                assert not _covers(actions, action), (identity, action)
            if any(_covers(actions, grant) for grant in ROLE_GRANTS):
                assert "iam:PermissionsBoundary" in conditions, (identity, actions)  # type: ignore[operator]
            if _covers(actions, "iam:PassRole"):
                assert "iam:PassedToService" in conditions, (identity, actions)  # type: ignore[operator]
    # The management stack's own role is not among the roles it may change.
    import fnmatch

    changeable = [
        s["Resource"]
        for s in management["Statement"]
        if s["Effect"] == "Allow" and "iam:CreateRole" in s["Action"]
    ]
    assert changeable == ["arn:aws:iam::123456789012:role/my-service-spacelift-*"]
    assert not fnmatch.fnmatchcase(
        "arn:aws:iam::123456789012:role/my-service-management", changeable[0]
    )


def test_the_region_override_works_when_prompted_too() -> None:
    from scaffolder.errors import InvalidAnswer
    from scaffolder.generation import Question, resolve_answers
    from scaffolder.templates import get_template

    def answering(override: str) -> Callable[[Question], object]:
        replies = {
            "region_unchecked": override,
            "region": "xx-new-1",
            "availability_zones": "xx-new-1a,xx-new-1b",
        }

        def prompter(question: Question) -> object:
            # A prompter re-asks on InvalidAnswer; here the refusal itself is what is checked.
            return question.check(replies.get(question.name, question.default))

        return prompter

    answers = resolve_answers(get_template("eks"), {}, prompter=answering("true"))
    assert answers["region"] == "xx-new-1"
    with pytest.raises(InvalidAnswer, match="must be an AWS region"):
        resolve_answers(get_template("eks"), {}, prompter=answering("false"))
