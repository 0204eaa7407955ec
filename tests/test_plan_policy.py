"""The generated plan policy, evaluated by real Rego engines against realistic plans.

Each fixture in ``tests/fixtures/plans/`` is a plan in the `terraform show -json` shape. It is
handed to the policy the way Spacelift does (``input.terraform.resource_changes`` with
``address``, ``type``, ``change.actions``, ``before`` and ``after``; docs.spacelift.io,
concepts/policy/terraform-plan-policy#data-input), with Spacelift's sanitization applied:
*smart* (what the infra stack enables: only values Terraform marks sensitive are hashed) or
*default* (every string hashed). Every row asserts the exact set of denials and warnings.

OPA is what Spacelift runs: `opa-golib-python-bindings` embeds OPA 1.x with strict built-in
errors (a built-in given the wrong type fails the evaluation instead of leaving a rule
undefined), and Spacelift's `sanitized()` helper is registered as a built-in. regorus runs the
same table as a second implementation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, require_module

PLANS = REPO / "tests" / "fixtures" / "plans"
ALLOW_DATA_LOSS = "plan-policy:allow-data-loss"


def sanitized(value: str) -> str:
    """Spacelift's sanitization: the last 8 hex digits of the value's SHA-256."""
    return hashlib.sha256(value.encode()).hexdigest()[-8:]


def _hash_strings(value: Any) -> Any:
    if isinstance(value, str):
        return sanitized(value)
    if isinstance(value, list):
        return [_hash_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: _hash_strings(item) for key, item in value.items()}
    return value


def _hash_sensitive(value: Any, marks: Any) -> Any:
    """Hash what Terraform's ``*_sensitive`` marks say is sensitive (smart sanitization)."""
    if marks is True:
        return _hash_strings(value)
    if isinstance(value, dict) and isinstance(marks, dict):
        return {key: _hash_sensitive(item, marks.get(key)) for key, item in value.items()}
    if isinstance(value, list) and isinstance(marks, list):
        return [
            _hash_sensitive(item, marks[i] if i < len(marks) else None)
            for i, item in enumerate(value)
        ]
    return value


def spacelift_input(plan: dict[str, Any], sanitization: str, labels: tuple[str, ...] = ()) -> Any:
    """The plan policy input Spacelift builds from ``plan`` for a stack with ``labels``."""
    changes = []
    for resource in plan["resource_changes"]:
        change = resource["change"]
        before, after = change["before"], change["after"]
        if sanitization == "default":
            before, after = _hash_strings(before), _hash_strings(after)
        else:
            before = _hash_sensitive(before, change.get("before_sensitive"))
            after = _hash_sensitive(after, change.get("after_sensitive"))
        changes.append(
            {
                "address": resource["address"],
                "type": resource["type"],
                "name": resource["name"],
                "provider_name": resource["provider_name"],
                "change": {"actions": change["actions"], "before": before, "after": after},
            }
        )
    return {
        "spacelift": {"stack": {"labels": list(labels), "name": "my-service-infra"}},
        "terraform": {"resource_changes": changes, "terraform_version": plan["terraform_version"]},
    }


def test_sanitized_is_the_hash_spacelift_documents() -> None:
    # docs.spacelift.io/vendors/terraform/resource-sanitization: the default-sanitized values of
    # its aws_db_instance example.
    assert [sanitized(v) for v in ("exampledb", "mysql", "5.7", "db.t3.micro")] == [
        "59832d41",
        "eae35047",
        "fc40d152",
        "4f8189cd",
    ]


# --- the table ------------------------------------------------------------------------------

ANYWHERE = "allows ingress from anywhere"
INLINE = "has an inline ingress rule open to anywhere"
ENDPOINT = "has a public API endpoint open to anywhere"
PUBLIC = "makes a bucket public"

# fixture -> (denials with smart sanitization, denials with default sanitization); what only
# smart sanitization lets the policy see is the difference.
OPEN: dict[str, tuple[set[str], set[str]]] = {}


def _open(fixture: str, smart: set[str], missed_by_default: set[str] = frozenset()) -> None:
    OPEN[fixture] = (smart, smart - missed_by_default)


_open("gke-harmless", set())
_open("eks-harmless", set())
_open(
    "gcp-firewall-open",
    {
        f"google_compute_firewall.ssh {ANYWHERE}",
        f"google_compute_firewall.https6 {ANYWHERE}",
        f"google_compute_firewall.implicit {ANYWHERE}",
        f"google_compute_firewall.spelled {ANYWHERE}",
    },
    # `0::/0` is matched by its suffix, which a hash does not have.
    missed_by_default={f"google_compute_firewall.spelled {ANYWHERE}"},
)
_open(
    "gcp-firewall-policy-open",
    {
        f"google_compute_network_firewall_policy_rule.allow_app {ANYWHERE}",
        f"google_compute_region_network_firewall_policy_rule.allow_v6 {ANYWHERE}",
        f"google_compute_firewall_policy_rule.org {ANYWHERE}",
    },
)
_open(
    "aws-security-group-rule-open",
    {f"aws_security_group_rule.https {ANYWHERE}", f"aws_security_group_rule.https6 {ANYWHERE}"},
)
_open(
    "aws-vpc-security-group-ingress-rule-open",
    {
        f"aws_vpc_security_group_ingress_rule.https {ANYWHERE}",
        f"aws_vpc_security_group_ingress_rule.https6 {ANYWHERE}",
    },
)
_open(
    "aws-security-group-inline-open",
    {
        f"aws_security_group.web {INLINE}",
        f"aws_security_group.web6 {INLINE}",
        f"aws_default_security_group.this {INLINE}",
    },
)
_open(
    "cluster-endpoints-open",
    {
        f"aws_eks_cluster.open {ENDPOINT}",
        f"aws_eks_cluster.default_cidrs {ENDPOINT}",
        f"google_container_cluster.no_networks {ENDPOINT}",
        f"google_container_cluster.world {ENDPOINT}",
    },
)
_open(
    "public-buckets",
    {
        f"google_storage_bucket_iam_member.public {PUBLIC}",
        f"google_storage_bucket_iam_binding.readers {PUBLIC}",
        f"google_storage_bucket_acl.assets {PUBLIC}",
        f"google_storage_bucket_access_control.public {PUBLIC}",
        f"aws_s3_bucket_acl.assets {PUBLIC}",
        "aws_s3_bucket_public_access_block.assets turns off block_public_policy",
        "aws_s3_bucket_policy.assets allows anyone to access the bucket",
        "aws_s3_bucket_policy.single_statement allows anyone to access the bucket",
        f"google_storage_bucket_acl.legacy {PUBLIC}",
    },
    # A bucket policy is a JSON document and an ACL entry `READER:allUsers` is matched by its
    # suffix: hashed, neither can be read.
    missed_by_default={
        "aws_s3_bucket_policy.assets allows anyone to access the bucket",
        "aws_s3_bucket_policy.single_statement allows anyone to access the bucket",
        f"google_storage_bucket_acl.legacy {PUBLIC}",
    },
)
# Values from sensitive variables are hashed even with smart sanitization; exact matches
# still see them.
_open(
    "sensitive-values",
    {
        f"google_compute_firewall.from_variable {ANYWHERE}",
        f"aws_vpc_security_group_ingress_rule.from_variable {ANYWHERE}",
    },
)

CLUSTER_WARNINGS = {
    "aws_eks_cluster.this will be replaced: every workload on it stops",
    "google_container_cluster.this will be deleted: every workload on it stops",
}
STATE_BUCKET = {"gke": "google_storage_bucket.state", "eks": "aws_s3_bucket.state"}


def _data_loss(cloud: str, mood: str) -> set[str]:
    """The data-losing changes of deletes.json, as denials (`would be`) or warnings."""
    verb = "would be" if mood == "deny" else "will be"
    return {
        f"aws_db_instance.app {verb} replaced: its data is lost",
        f"aws_kms_key.this {verb} deleted: everything it encrypted is lost",
        f"{STATE_BUCKET[cloud]} {verb} deleted: the state of every stack is lost",
    }


Case = tuple[str, str, str, tuple[str, ...], set[str], set[str]]


def _cases() -> Iterator[Case]:
    for cloud in ("gke", "eks"):
        for fixture, (smart, default) in OPEN.items():
            yield cloud, fixture, "smart", (), smart, set()
            yield cloud, fixture, "default", (), default, set()
        for sanitization in ("smart", "default"):
            yield cloud, "deletes", sanitization, (), _data_loss(cloud, "deny"), CLUSTER_WARNINGS
            yield (
                cloud,
                "deletes",
                sanitization,
                (ALLOW_DATA_LOSS,),
                set(),
                CLUSTER_WARNINGS | _data_loss(cloud, "warn"),
            )


CASES = list(_cases())


def test_every_fixture_is_in_the_table() -> None:
    assert {case[1] for case in CASES} == {path.stem for path in PLANS.glob("*.json")}


# --- engines --------------------------------------------------------------------------------

Evaluate = Callable[[str, Any], dict[str, set[str]]]


def _policy(generated: Callable[[str, str], Path], cloud: str) -> str:
    return (generated(cloud, "python") / "spacelift" / "policies" / "plan.rego").read_text()


@pytest.fixture(scope="module")
def opa(generated: Callable[[str, str], Path]) -> Callable[[str], Any]:
    bindings = require_module("opa_bindings")
    engines: dict[str, Any] = {}

    def engine(cloud: str) -> Any:
        if cloud not in engines:
            engine = bindings.OpaEngine()
            engine.register_function("sanitized", sanitized)
            engine.add_policy("plan.rego", _policy(generated, cloud))
            engines[cloud] = engine
        return engines[cloud]

    return engine


@pytest.fixture(scope="module")
def regorus_engine(generated: Callable[[str, str], Path]) -> Callable[[str], Any]:
    regorus = require_module("regorus")
    engines: dict[str, Any] = {}

    def engine(cloud: str) -> Any:
        if cloud not in engines:
            engine = regorus.Engine()
            engine.add_extension("sanitized", 1, sanitized)
            engine.add_policy("plan.rego", _policy(generated, cloud))
            engines[cloud] = engine
        return engines[cloud]

    return engine


def _decide_opa(engine: Any, data: Any) -> dict[str, set[str]]:
    result = engine.eval_document("spacelift", data)
    return {"deny": set(result["deny"]), "warn": set(result["warn"])}


def _decide_regorus(engine: Any, data: Any) -> dict[str, set[str]]:
    engine.set_input_json(json.dumps(data))
    return {
        name: set(json.loads(engine.eval_rule_as_json(f"data.spacelift.{name}")))
        for name in ("deny", "warn")
    }


def _row_id(case: Case) -> str:
    cloud, fixture, sanitization, labels, _, _ = case
    return f"{cloud}-{fixture}-{sanitization}" + ("-allow-data-loss" if labels else "")


@pytest.mark.parametrize("case", CASES, ids=[_row_id(c) for c in CASES])
def test_opa_decides_exactly(opa: Callable[[str], Any], case: Case) -> None:
    cloud, fixture, sanitization, labels, deny, warn = case
    plan = json.loads((PLANS / f"{fixture}.json").read_text())
    decided = _decide_opa(opa(cloud), spacelift_input(plan, sanitization, labels))
    assert decided == {"deny": deny, "warn": warn}


@pytest.mark.parametrize("case", CASES, ids=[_row_id(c) for c in CASES])
def test_regorus_decides_exactly(regorus_engine: Callable[[str], Any], case: Case) -> None:
    cloud, fixture, sanitization, labels, deny, warn = case
    plan = json.loads((PLANS / f"{fixture}.json").read_text())
    decided = _decide_regorus(regorus_engine(cloud), spacelift_input(plan, sanitization, labels))
    assert decided == {"deny": deny, "warn": warn}


def test_the_table_evaluates_every_line_of_the_policy(opa: Callable[[str], Any]) -> None:
    """OPA's coverage over the whole table: no rule of the policy goes untested."""
    engine = opa("eks")
    not_covered: set[int] | None = None
    for cloud, fixture, sanitization, labels, _, _ in CASES:
        if cloud != "eks":
            continue
        plan = json.loads((PLANS / f"{fixture}.json").read_text())
        engine.eval_document(
            "spacelift", spacelift_input(plan, sanitization, labels), coverage=True
        )
        report = engine.last_coverage["files"]["plan.rego"]
        lines = {
            line
            for span in report.get("not_covered") or []
            for line in range(span["start"]["row"], span["end"]["row"] + 1)
        }
        not_covered = lines if not_covered is None else not_covered & lines
    assert not_covered == set()


# --- strict mode ----------------------------------------------------------------------------


def _vars(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "var" and isinstance(node.get("value"), str):
            yield node["value"]
        for value in node.values():
            yield from _vars(value)
    elif isinstance(node, list):
        for item in node:
            yield from _vars(item)


def _assigned(node: Any) -> Iterator[str]:
    """Variables on the left of `:=` anywhere in ``node``."""
    if isinstance(node, dict):
        terms = node.get("terms")
        if (
            isinstance(terms, list)
            and len(terms) == 3
            and terms[0] == {"type": "ref", "value": [{"type": "var", "value": "assign"}]}
            and terms[1].get("type") == "var"
        ):
            yield terms[1]["value"]
        for value in node.values():
            yield from _assigned(value)
    elif isinstance(node, list):
        for item in node:
            yield from _assigned(item)


def strict_problems(module: dict[str, Any]) -> list[str]:
    """What OPA's strict compile adds to 1.x's defaults, over OPA's own parse tree.

    OPA 1.x already refuses duplicate imports, shadowed `input`/`data` and deprecated
    built-ins in every compile; strict mode adds unused imports and unused local assignments
    and function arguments (openpolicyagent.org/docs/strict). The bindings do not expose
    ast.Compiler.WithStrict, so those two checks run here.
    """
    problems = []
    used = [name for rule in module.get("rules", []) for name in _vars(rule)]
    for imported in module.get("imports", []):
        path = imported["path"]["value"]
        name = imported.get("alias") or path[-1]["value"]
        if name not in ("v1",) and name not in used:
            problems.append(f"unused import {name}")
    for rule in module.get("rules", []):
        head = rule["head"]
        counts: dict[str, int] = {}
        for name in _vars(rule):
            counts[name] = counts.get(name, 0) + 1
        for arg in head.get("args") or []:
            for name in _vars(arg):
                if counts[name] == 1 and not name.startswith("$"):
                    problems.append(f"{head['name']}: unused argument {name}")
        for name in _assigned(rule.get("body")):
            if counts[name] == 1:
                problems.append(f"{head['name']}: unused assignment {name}")
    return problems


@pytest.fixture(scope="module")
def parse_module(opa: Callable[[str], Any]) -> Callable[[str], dict[str, Any]]:
    def parse(source: str) -> dict[str, Any]:
        (binding,) = opa("eks").eval_query(
            "module := rego.parse_module(input.path, input.source)",
            {"path": "policy.rego", "source": source},
        )
        module: dict[str, Any] = binding["module"]
        return module

    return parse


def test_strict_checks_find_what_strict_mode_refuses(
    parse_module: Callable[[str], dict[str, Any]],
) -> None:
    module = parse_module(
        "package p\nimport data.unused\nf(a, b) := a\nr if {\n  x := 1\n  input.y == 2\n}\n"
    )
    assert strict_problems(module) == [
        "unused import unused",
        "f: unused argument b",
        "r: unused assignment x",
    ]


@pytest.mark.parametrize("cloud", ["gke", "eks"])
def test_policy_passes_strict_mode(
    generated: Callable[[str, str], Path],
    opa: Callable[[str], Any],
    parse_module: Callable[[str], dict[str, Any]],
    cloud: str,
) -> None:
    # Compiled already by the fixture (OPA 1.x's default checks, `sanitized` as a built-in).
    assert opa(cloud).eval_document("spacelift.deny", {"terraform": {"resource_changes": []}}) == []
    assert strict_problems(parse_module(_policy(generated, cloud))) == []


def test_builtin_errors_fail_the_evaluation() -> None:
    """The engine runs with strict built-in errors, so a null list would have failed a row."""
    bindings = require_module("opa_bindings")
    engine = bindings.OpaEngine()
    engine.add_policy("p.rego", "package p\nr := array.concat([1], input.x)\n")
    with pytest.raises(bindings.OpaError, match=r"array\.concat: operand 2 must be array"):
        engine.eval_document("p.r", {"x": None})
