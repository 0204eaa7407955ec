"""Rule registry: explicit, built from each domain's literal list of rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scaffolder.errors import UserError
from scaffolder.validation.model import Rule


class UnknownRule(UserError):
    """A rule id given on the command line is not registered."""

    def __init__(self, *, rule: str) -> None:
        self.rule = rule
        super().__init__(f"unknown rule `{rule}`; `scaffolder rules` lists them")


class Registry:
    """The rules one validation run knows about; tests build their own."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        """Register ``rule``; ids are unique."""
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id} registered twice")
        self._rules[rule.id] = rule

    def get(self, rule_id: str) -> Rule:
        """Return the rule with ``rule_id`` or raise :class:`UnknownRule`."""
        try:
            return self._rules[rule_id.upper()]
        except KeyError:
            raise UnknownRule(rule=rule_id) from None

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda rule: rule.id))

    def __len__(self) -> int:
        return len(self._rules)

    def active(self, select: Iterable[str] | None, ignore: Iterable[str] | None) -> set[str]:
        """Ids of the rules to report: enabled or selected, minus ignored."""
        selected = {self.get(rule_id).id for rule_id in select or ()}
        ignored = {self.get(rule_id).id for rule_id in ignore or ()}
        base = selected or {rule.id for rule in self if rule.enabled}
        return base - ignored


def default_registry() -> Registry:
    """Every rule scaffolder ships."""
    from scaffolder.validation import (
        compose,
        dockerfile,
        dockerfile_rules,
        k8s_practices,
        kubernetes,
        parity,
        spacelift,
    )
    from scaffolder.validation.terraform.catalog import RULES as TERRAFORM_RULES

    return Registry(
        [
            *TERRAFORM_RULES,
            *dockerfile.RULES,
            *dockerfile_rules.RULES,
            *compose.RULES,
            *kubernetes.RULES,
            *k8s_practices.RULES,
            *spacelift.RULES,
            *parity.RULES,
        ]
    )
