"""IRSA: the IAM role a ServiceAccount names trusts that very ServiceAccount.

A ServiceAccount annotated `eks.amazonaws.com/role-arn: arn:aws:iam::<account>:role/<name>`
gets the role's credentials only when the role's trust policy allows
`sts:AssumeRoleWithWebIdentity` from a federated (OIDC) principal with a `<issuer>:sub`
condition admitting `system:serviceaccount:<namespace>:<name>`, and an `<issuer>:aud` condition,
where there is one, admitting `sts.amazonaws.com`. Otherwise every AWS call of the pod fails
with AccessDenied at run time.

The role is found by the ARN's role name among the `aws_iam_role`s (static `name`) and the
`terraform-aws-modules/iam` `iam-role-for-service-accounts-eks` module calls (static
`role_name`, trust from `oidc_providers`' `namespace_service_accounts`) of the repository the
cluster belongs to; an ARN of another account than the `aws` provider's one
`allowed_account_ids` entry is another account's role. The trust policy is read from a
`jsonencode({...})`, a JSON string or heredoc, or a `data "aws_iam_policy_document"` of the
role's module. The issuer itself is never compared: it is the cluster's OIDC URL, known only
after apply; but a condition key with a `*` of its own never matches, as IAM reads keys
literally.

Anything not static (a role name, a condition value, a `dynamic "statement"`, merged source
documents, a condition test other than StringEquals/StringLike, a Deny on web identity) leaves
the pair unjudged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffolder.validation.infra.estate import Deployment, Estate, Resource
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, get
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import (
    Call,
    Expr,
    GetAttr,
    Literal,
    ObjectExpr,
    Paren,
    Template,
    Traversal,
    TupleExpr,
    Variable,
    object_key,
)

IRSA_TRUST = Rule(
    "INFRA007",
    "irsa-trust-mismatch",
    Severity.ERROR,
    "An IRSA ServiceAccount's IAM role does not trust it for sts:AssumeRoleWithWebIdentity.",
)
RULES = (IRSA_TRUST,)

ROLE_ARN = "eks.amazonaws.com/role-arn"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
AUDIENCE = "sts.amazonaws.com"
#: The terraform-aws-modules submodule that makes an IRSA role from `oidc_providers`.
IRSA_MODULE = "iam-role-for-service-accounts-eks"
_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:[\w+=,.@/-]*/)?(?P<name>[\w+=,.@-]+)$"
)

#: Stands for the part of a string that is not static (the OIDC issuer in a condition key).
HOLE = "\ue000"

#: A place a message names: the file and the line.
Place = tuple[Path, int]


class _Text(str):
    """A string of a policy and the line it is written on (0 when unknown)."""

    line = 0


def _text(value: str, line: int) -> _Text:
    text = _Text(value)
    text.line = line
    return text


@dataclass(frozen=True, slots=True)
class Condition:
    """One `test` on one condition key, true when any of ``values`` matches."""

    test: str
    key: str
    values: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A trust policy statement, as far as web identity cares."""

    allow: bool
    actions: tuple[str, ...]
    federated: bool
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Role:
    """An IAM role the Terraform creates, and its trust (None when not static)."""

    address: str
    place: Place
    trust: tuple[Statement, ...] | None
    policy: Place


def string(estate: Estate, resource: Resource, expr: Expr) -> _Text:
    """The text of ``expr``, with :data:`HOLE` for each part that is not static."""
    static = estate.string(resource, expr)
    if static is None and isinstance(expr, Template):
        parts = [estate.string(resource, part) for part in expr.parts]
        static = "".join(HOLE if part is None else part for part in parts)
    return _text(HOLE if static is None else static, expr.line)


def value(estate: Estate, resource: Resource, expr: Expr) -> object:
    """``expr`` as the JSON value Terraform would encode, strings with holes where not static."""
    if isinstance(expr, Call) and expr.name == "jsonencode" and len(expr.args) == 1:
        return value(estate, resource, expr.args[0])
    if isinstance(expr, Paren):
        return value(estate, resource, expr.expr)
    if isinstance(expr, TupleExpr):
        return [value(estate, resource, item) for item in expr.items]
    if isinstance(expr, ObjectExpr):
        found: dict[str, object] = {}
        for item in expr.items:
            key = object_key(item.key)
            inner = item.key.expr if isinstance(item.key, Paren) else item.key
            found[key if key is not None else string(estate, resource, inner)] = value(
                estate, resource, item.value
            )
        return found
    if isinstance(expr, Literal) and not isinstance(expr.value, str):
        return expr.value
    return string(estate, resource, expr)


def _strings(item: object) -> tuple[str, ...] | None:
    items = [item] if isinstance(item, str) else item
    if not isinstance(items, list) or not all(isinstance(one, str) for one in items):
        return None
    return tuple(one for one in items if isinstance(one, str))  # keeps each one's line


def _line(item: object, default: int) -> int:
    return getattr(item, "line", 0) or default


def _from_json(policy: object, line: int) -> tuple[Statement, ...] | None:
    """The statements of an IAM policy document in its JSON form."""
    if not isinstance(policy, dict):
        return None
    items = policy.get("Statement")
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list):
        return None
    found = []
    for item in items:
        if not isinstance(item, dict) or {"NotAction", "NotPrincipal"} & set(item):
            return None
        effect, actions = item.get("Effect"), _strings(item.get("Action"))
        principal, tests = item.get("Principal"), item.get("Condition", {})
        if effect not in {"Allow", "Deny"} or actions is None or not isinstance(tests, dict):
            return None
        if not isinstance(principal, dict):
            return None
        conditions = []
        for test, keys in tests.items():
            if not isinstance(keys, dict):
                return None
            for key, values in keys.items():
                strings = _strings(values)
                if strings is None:
                    return None
                first = values[0] if isinstance(values, list) and values else values
                conditions.append(Condition(str(test), str(key), strings, _line(first, line)))
        found.append(
            Statement(effect == "Allow", actions, "Federated" in principal, tuple(conditions))
        )
    return tuple(found)


def _from_document(estate: Estate, document: Resource) -> tuple[Statement, ...] | None:
    """The statements of a `data "aws_iam_policy_document"`."""
    block = document.block
    merged = {"source_policy_documents", "override_policy_documents", "source_json"}
    if merged & set(block.attributes) or any(block.blocks("dynamic")):
        return None
    found = []
    for statement in block.blocks("statement"):
        attributes = statement.attributes
        if "not_actions" in attributes or any(statement.blocks("not_principals")):
            return None
        if any(statement.blocks("dynamic")):
            return None
        effect = attributes.get("effect")
        allow = string(estate, document, effect.value) if effect else "Allow"
        actions = attributes.get("actions")
        listed = _strings(value(estate, document, actions.value)) if actions else None
        if allow not in {"Allow", "Deny"} or listed is None:
            return None
        types = [
            string(estate, document, principal.attributes["type"].value)
            for principal in statement.blocks("principals")
            if "type" in principal.attributes
        ]
        if any(HOLE in kind for kind in types):
            return None
        conditions = []
        for condition in statement.blocks("condition"):
            test, key = condition.attributes.get("test"), condition.attributes.get("variable")
            values = condition.attributes.get("values")
            strings = _strings(value(estate, document, values.value)) if values else None
            if test is None or key is None or values is None or strings is None:
                return None
            conditions.append(
                Condition(
                    string(estate, document, test.value),
                    string(estate, document, key.value),
                    strings,
                    values.line,
                )
            )
        found.append(Statement(allow == "Allow", listed, "Federated" in types, tuple(conditions)))
    return tuple(found)


def _document(estate: Estate, role: Resource, expr: Expr) -> Resource | None:
    """The `data.aws_iam_policy_document.<name>` ``expr`` takes `.json` of, in role's module."""
    if not (
        isinstance(expr, Traversal)
        and isinstance(expr.source, Variable)
        and expr.source.name == "data"
        and len(expr.steps) == 3
        and all(isinstance(step, GetAttr) for step in expr.steps)
    ):
        return None
    kind, name, field = (step.name for step in expr.steps if isinstance(step, GetAttr))
    if kind != "aws_iam_policy_document" or field != "json":
        return None
    for document in estate.data:
        same = document.file.parent == role.file.parent
        if same and document.type == kind and document.name == name:
            return document
    return None


def _role(estate: Estate, resource: Resource) -> tuple[str, Role] | None:
    _, name = estate.attribute(resource, "name")
    attribute = resource.block.attributes.get("assume_role_policy")
    if name is None or attribute is None:
        return None
    place = (resource.file, resource.block.line)
    document = _document(estate, resource, attribute.value)
    if document is not None:
        trust = _from_document(estate, document)
        return name, Role(resource.address, place, trust, (document.file, document.block.line))
    encoded = value(estate, resource, attribute.value)
    if isinstance(encoded, str) and encoded != HOLE:
        try:
            encoded = json.loads(encoded)
        except ValueError:
            encoded = None
    trust = _from_json(encoded, attribute.line)
    return name, Role(resource.address, place, trust, (resource.file, attribute.line))


def _module_role(estate: Estate, call: Resource) -> tuple[str, Role] | None:
    """The role an `iam-role-for-service-accounts-eks` module call makes, and its trust."""
    _, source = estate.attribute(call, "source")
    _, name = estate.attribute(call, "role_name")
    create = call.block.attributes.get("create_role")
    if source is None or IRSA_MODULE not in source or name is None:
        return None
    if create is not None and value(estate, call, create.value) is not True:
        return None
    attribute = call.block.attributes.get("oidc_providers")
    test_attribute = call.block.attributes.get("assume_role_condition_test")
    test = string(estate, call, test_attribute.value) if test_attribute else "StringEquals"
    providers = value(estate, call, attribute.value) if attribute else None
    place = (call.file, call.block.line)
    trust: tuple[Statement, ...] | None = None
    if isinstance(providers, dict) and all(isinstance(p, dict) for p in providers.values()):
        statements = []
        for provider in providers.values():
            accounts = _strings(provider.get("namespace_service_accounts"))
            if accounts is None or any(HOLE in account for account in accounts):
                break
            line = _line(accounts[0] if accounts else None, call.block.line)
            subjects = tuple(f"system:serviceaccount:{account}" for account in accounts)
            conditions = (
                Condition(test, f"{HOLE}:sub", subjects, line),
                Condition(test, f"{HOLE}:aud", (AUDIENCE,), line),
            )
            statements.append(Statement(True, (WEB_IDENTITY,), True, conditions))
        else:
            trust = tuple(statements)
    where = (call.file, attribute.line) if attribute else place
    return name, Role(f"module.{call.name}", place, trust, where)


def roles(estate: Estate, deployment: Deployment) -> dict[str, Role]:
    """Role name -> the role, for the roles of the deployment's repository with static names."""
    found: dict[str, Role] = {}
    directories = {resource.file.parent for resource in deployment.resources}
    made = [
        _role(estate, resource)
        for resource in deployment.resources
        if resource.type == "aws_iam_role"
    ]
    made += [_module_role(estate, call) for call in estate.calls if call.file.parent in directories]
    for item in made:
        if item is not None:
            found.setdefault(*item)
    return found


def _like(pattern: str, text: str, *, wildcards: bool, case: bool = True) -> bool | None:
    """IAM string matching: exact, or with `*` and `?` wildcards (StringLike, actions)."""
    if HOLE in pattern:
        return None
    if not wildcards:
        return pattern == text
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL if case else re.DOTALL | re.IGNORECASE
    return re.fullmatch(regex, text, flags) is not None


def _verdict(results: Sequence[bool | None], *, every: bool) -> bool | None:
    """All (``every``) or any of three-valued results."""
    if every:
        return False if False in results else None if None in results else True
    return True if True in results else None if None in results else False


def _wildcard(condition: Condition) -> bool:
    """A condition key with a `*` of its own: IAM matches keys literally, and no token has it."""
    return "*" in condition.key


def _condition(condition: Condition, subject: str) -> bool | None:
    if _wildcard(condition):
        return False
    key = condition.key.rsplit(":", 1)[-1] if ":" in condition.key else None
    wanted = {"sub": subject, "aud": AUDIENCE}.get(key or "")
    if condition.test not in {"StringEquals", "StringLike"} or wanted is None:
        return None
    like = condition.test == "StringLike"
    results = [_like(pattern, wanted, wildcards=like) for pattern in condition.values]
    return _verdict(results, every=False)


def _concerns(statement: Statement) -> bool | None:
    """Whether ``statement`` is about web identity from an OIDC provider."""
    if not statement.federated:
        return False
    results = [
        _like(action, WEB_IDENTITY, wildcards=True, case=False) for action in statement.actions
    ]
    return _verdict(results, every=False)


def admits(trust: Sequence[Statement], subject: str) -> bool | None:
    """Whether ``trust`` lets ``subject`` assume the role with a web identity token."""
    verdicts = []
    for statement in trust:
        concerns = _concerns(statement)
        if concerns is False:
            continue
        if concerns is None or not statement.allow:
            return None
        conditions = [_condition(condition, subject) for condition in statement.conditions]
        verdicts.append(_verdict(conditions, every=True))
    return _verdict(verdicts, every=False)


def _sub(statement: Statement, subject: str) -> bool:
    """Whether every `:sub` condition of ``statement`` admits ``subject``."""
    return all(
        _condition(condition, subject)
        for condition in statement.conditions
        if condition.key.endswith(":sub")
    )


def _subjects(trust: Sequence[Statement]) -> list[tuple[str, int]]:
    """Each `:sub` value the web identity statements admit, with its line."""
    return [
        (subject, condition.line)
        for statement in trust
        if _concerns(statement)
        for condition in statement.conditions
        if condition.key.endswith(":sub")
        for subject in condition.values
    ]


def _check(
    estate: Estate, obj: Obj, known: dict[str, Role], account: str | None
) -> Iterator[Finding]:
    annotations = get(obj.data, ["metadata", "annotations"])
    arn = annotations.get(ROLE_ARN) if isinstance(annotations, dict) else None
    namespace = obj.namespace
    match = _ARN.match(arn) if isinstance(arn, str) else None
    if match is None or namespace is None or not isinstance(arn, str):
        return
    role = known.get(match["name"])
    if role is None or role.trust is None or account not in {None, match["account"]}:
        return
    subject = f"system:serviceaccount:{namespace}:{obj.name}"
    if admits(role.trust, subject) is not False:
        return
    policy = estate.where(*role.policy)
    subjects = [(text, (role.policy[0], line)) for text, line in _subjects(role.trust)]
    if not any(_concerns(statement) for statement in role.trust):
        why = f"allows no `{WEB_IDENTITY}` from an OIDC provider"
    elif keys := [
        condition.key.replace(HOLE, "${...}")
        for statement in role.trust
        if _concerns(statement)
        for condition in statement.conditions
        if _wildcard(condition)
    ]:
        why = (
            f"conditions on `{keys[0]}`, a key no web identity request carries (IAM matches "
            "condition keys literally, and a missing key fails the condition)"
        )
    elif any(_concerns(statement) and _sub(statement, subject) for statement in role.trust):
        why = f"does not admit its tokens' audience `{AUDIENCE}`"
    elif subjects:
        listed = ", ".join(f"`{text}` ({estate.where(*place)})" for text, place in subjects)
        why = f"allows `{WEB_IDENTITY}` only for {listed}"
    else:
        why = f"does not admit `{subject}`"
    message = (
        f"`{obj.label()}` in namespace `{namespace}` assumes `{role.address}` "
        f"({estate.where(*role.place)}) through IRSA, but its trust policy ({policy}) {why}"
    )
    field: FieldPath = ["metadata", "annotations", ROLE_ARN]
    yield estate.finding(obj, IRSA_TRUST, field, message, text=arn)


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA007 on EKS ServiceAccounts annotated with an IAM role."""
    for deployment in estate.deployments():
        if deployment.cluster.type != "aws_eks_cluster":
            continue
        known = roles(estate, deployment)
        if not known:
            continue
        module = estate.modules.get(deployment.cluster.file.parent)
        account = (
            estate.string(deployment.cluster, module.aws_account)
            if module is not None and module.aws_account is not None
            else None
        )
        for obj in deployment.objects.objects:
            if obj.kind == "ServiceAccount":
                yield from _check(estate, obj, known, account)
