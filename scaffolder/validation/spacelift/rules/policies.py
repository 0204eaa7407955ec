"""Plan policies see plan values the way their stack's sanitization leaves them."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.spacelift.policy import plain_comparisons
from scaffolder.validation.spacelift.repository import Repository
from scaffolder.validation.spacelift.wiring import resolve

HIDDEN_VALUES = Rule(
    "SL109",
    "plan-policy-sanitized-values",
    Severity.ERROR,
    "A plan policy compares plan values as text on a stack that hashes them.",
)
RULES = (HIDDEN_VALUES,)
PLAN_TYPES = frozenset({"PLAN", "TERRAFORM_PLAN"})


def check(repo: Repository) -> Iterator[Finding]:
    """SL109 for every plan policy attached to a stack with default sanitization."""
    for management in repo.managements:
        wiring = management.wiring
        for attachment in wiring.attachments:
            policy = wiring.policies.get(attachment.policy or "")
            stack = resolve(wiring, attachment.stack)
            if policy is None or stack is None or policy.type not in PLAN_TYPES:
                continue
            if stack.sanitization != "default" or policy.body is None:
                continue
            try:
                source = repo.context.files.text(policy.body)
            except (OSError, UnicodeDecodeError):
                continue
            comparisons = plain_comparisons(source)
            if not comparisons:
                continue
            first = comparisons[0]
            where = repo.where(policy.body, first.line)
            yield repo.finding(
                HIDDEN_VALUES,
                stack.file,
                *stack.sanitization_at,
                f"`{stack.slug}` runs plan policy `{policy.address}`, which compares plan values "
                f"as text ({first.what} at {where}), but the stack's default sanitization hashes "
                "every string: set `terraform_smart_sanitization = true`",
            )
