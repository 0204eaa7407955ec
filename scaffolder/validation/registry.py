"""Rule registry: explicit, built from each domain's literal list of rule families."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from scaffolder.errors import UserError
from scaffolder.validation.model import Rule

if TYPE_CHECKING:
    from scaffolder.validation.domain import Domain


class UnknownRule(UserError):
    """A rule id given on the command line is not registered."""

    def __init__(self, *, rule: str, suggestion: str = "") -> None:
        self.rule = rule
        hint = f"did you mean `{suggestion}`? " if suggestion else ""
        super().__init__(f"unknown rule `{rule}`; {hint}`scaffolder rules` lists them")


class Registry:
    """The rules one validation run knows about; tests build their own."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: dict[str, Rule] = {}
        self._domains: dict[str, str] = {}
        self._families: dict[str, str] = {}
        for rule in rules:
            self.add(rule)

    @classmethod
    def from_domains(cls, domains: Sequence[Domain]) -> Registry:
        """Every rule of every family of ``domains``, each knowing its domain and family."""
        from scaffolder.validation.domain import internal_rule, skipped_rule

        registry = cls()
        for domain in domains:
            for rule in (internal_rule(domain.prefix), skipped_rule(domain.prefix)):
                registry.add(rule, domain=domain.name, family="scaffolder.validation.domain")
            for family in domain.families:
                for rule in family.RULES:
                    if not rule.id.startswith(domain.prefix):
                        raise ValueError(f"rule {rule.id} of {domain.name} lacks {domain.prefix}")
                    registry.add(rule, domain=domain.name, family=family.__name__)
        return registry

    def add(self, rule: Rule, *, domain: str = "", family: str = "") -> None:
        """Register ``rule``; ids are unique."""
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id} registered twice")
        self._rules[rule.id] = rule
        self._domains[rule.id] = domain
        self._families[rule.id] = family

    def get(self, rule_id: str) -> Rule:
        """Return the rule with ``rule_id`` or raise :class:`UnknownRule`."""
        try:
            return self._rules[rule_id.upper()]
        except KeyError:
            raise UnknownRule(rule=rule_id, suggestion=self.closest(rule_id)) from None

    def closest(self, rule_id: str) -> str:
        """The registered id most like ``rule_id`` (a typo), or ""."""
        import difflib
        import re

        wanted = rule_id.strip().upper()
        match = re.fullmatch(r"([A-Z]+?)(\d?[0-9OIL]*)", wanted)
        if match:
            # Letters typed for digits: `TF1O1`, `K8SI04`.
            fixed = match[1] + match[2].translate(str.maketrans("OIL", "011"))
            if fixed in self._rules:
                return fixed
        prefix = re.match(r"[A-Z]+(?:8S)?", wanted)
        same = [r for r in self._rules if prefix and r.startswith(prefix[0])] or list(self._rules)
        close = difflib.get_close_matches(wanted, same, n=1, cutoff=0.6)
        return close[0] if close else ""

    def matching(self, pattern: str) -> set[str]:
        """The ids ``pattern`` names: one id, or every id it is a prefix of (`TF`, `K8S1`).

        Raises:
            UnknownRule: It names no rule.
        """
        wanted = pattern.strip().upper()
        if wanted in self._rules:
            return {wanted}
        found = {rule_id for rule_id in self._rules if wanted and rule_id.startswith(wanted)}
        if not found:
            raise UnknownRule(rule=pattern, suggestion=self.closest(pattern))
        return found

    def domain(self, rule_id: str) -> str:
        """Name of the domain that reports ``rule_id`` (empty when registered without one)."""
        return self._domains[self.get(rule_id).id]

    def family(self, rule_id: str) -> str:
        """Dotted name of the module that holds the rule's metadata and check."""
        return self._families[self.get(rule_id).id]

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda rule: rule.id))

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and rule_id.upper() in self._rules

    def active(
        self,
        select: Iterable[str] | None,
        ignore: Iterable[str] | None,
        extend_select: Iterable[str] | None = None,
        *,
        nothing_by_default: bool = False,
    ) -> set[str]:
        """Ids of the rules to report: enabled or selected, plus extended, minus ignored.

        Each entry is a rule id or a prefix of ids (`TF`, `K8S1`). With ``nothing_by_default``
        an empty selection selects nothing (only a tool's ids were selected).
        """
        selected = {rule_id for pattern in select or () for rule_id in self.matching(pattern)}
        extended = {
            rule_id for pattern in extend_select or () for rule_id in self.matching(pattern)
        }
        ignored = {rule_id for pattern in ignore or () for rule_id in self.matching(pattern)}
        defaults = set() if nothing_by_default else {rule.id for rule in self if rule.enabled}
        base = selected or defaults
        return (base | extended) - ignored


def default_registry() -> Registry:
    """Every rule scaffolder ships."""
    from scaffolder.validation.domains import DOMAINS

    return Registry.from_domains(DOMAINS)
