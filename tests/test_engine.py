"""The engine runs any domain through the protocol: claims, units, cache, products, errors."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

from scaffolder.generation import generate
from scaffolder.templates import list_templates
from scaffolder.validation import validate
from scaffolder.validation.domain import (
    BaseDomain,
    Claim,
    Context,
    Outcome,
    Result,
    Unit,
    rules_of,
)
from scaffolder.validation.domains import DOMAINS
from scaffolder.validation.model import Rule, Severity
from scaffolder.validation.registry import Registry

from .conftest import REPO, build_tree

NOTE = Rule("TXT001", "note", Severity.WARNING, "A text file says TODO.")
COUNT = Rule("CNT001", "count", Severity.INFO, "How many words the text files hold.")


def _family(name: str, *rules: Rule) -> ModuleType:
    family = ModuleType(name)
    family.RULES = rules  # type: ignore[attr-defined]
    return family


@dataclass(frozen=True)
class WordCount:
    """The toy product: words per text file."""

    words: dict[str, int]


@dataclass
class TextDomain(BaseDomain):
    """Owns `*.txt`; one unit per file; publishes a word count."""

    name: str = "text"
    prefix: str = "TXT"
    families: Sequence[ModuleType] = (_family("text_rules", NOTE),)
    provides: type | None = WordCount
    runs: list[str] = field(default_factory=list)

    def claim(self, path: Path) -> Claim:
        return Claim.OWNS if path.suffix == ".txt" else Claim.NONE

    def plan(self, context: Context) -> list[Unit]:
        return [
            Unit(name="file", run=lambda p=path: self._check(context, p), inputs=(path,))
            for path in sorted(context.owned)
        ]

    def _check(self, context: Context, path: Path) -> Result:
        self.runs.append(path.name)
        text = context.files.text(path)
        findings = tuple(
            context.finding(NOTE, path, number, 1, "says TODO")
            for number, line in enumerate(text.splitlines(), start=1)
            if "TODO" in line
        )
        return Result(findings, {context.relative(path): len(text.split())})

    def finish(self, context: Context, done: Sequence[tuple[Unit, Result]]) -> Outcome:
        words = {name: count for _, result in done for name, count in result.facts.items()}
        return Outcome(product=WordCount(words))


@dataclass
class CountDomain(BaseDomain):
    """Reads every file, owns none; reports the other domain's product."""

    name: str = "count"
    prefix: str = "CNT"
    families: Sequence[ModuleType] = (_family("count_rules", COUNT),)
    needs: tuple[type, ...] = (WordCount,)
    fail: bool = False

    def claim(self, path: Path) -> Claim:
        return Claim.READS

    def plan(self, context: Context) -> list[Unit]:
        def run() -> Result:
            if self.fail:
                raise RuntimeError("count failed")
            words = context.products.get(WordCount).words
            total = sum(words.values())
            return Result((COUNT.at("summary", 1, 1, f"{total} words"),))

        return [Unit(name="count", run=run, inputs=context.claimed, tree=True)]


def _run(root: Path, *domains: BaseDomain) -> list[tuple[str, str, int, str]]:
    registry = Registry.from_domains(domains)  # type: ignore[arg-type]
    report = validate(
        [root],
        domains=domains,
        registry=registry,
        select=[NOTE.id, COUNT.id],  # type: ignore[arg-type]
    )
    return [(f.rule, f.path, f.line, f.message) for f in report.findings]


def test_a_new_domain_runs_through_the_protocol_and_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(tmp_path / "cache"))
    root = build_tree(tmp_path / "repo", {"a.txt": "one TODO\ntwo\n", "b.txt": "three four"})
    text, count = TextDomain(), CountDomain()
    expected = [
        ("TXT001", "a.txt", 1, "says TODO"),
        ("CNT001", "summary", 1, "5 words"),
    ]
    assert _run(root, text, count) == expected
    assert sorted(text.runs) == ["a.txt", "b.txt"]
    # Unchanged files come from the cache, and the product is rebuilt from cached facts.
    assert _run(root, text, count) == expected
    assert sorted(text.runs) == ["a.txt", "b.txt"]
    # Changing one file re-runs its unit only; a tree-keyed unit sees the new file.
    (root / "b.txt").write_text("three")
    (root / "c.bin").write_bytes(b"x")
    assert _run(root, text, count)[1] == ("CNT001", "summary", 1, "4 words")
    assert sorted(text.runs) == ["a.txt", "b.txt", "b.txt"]


def test_a_failing_domain_fails_its_dependents_instead_of_hanging(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"a.txt": "x"})

    class Broken(TextDomain):
        def finish(self, context: Context, done: Sequence[tuple[Unit, Result]]) -> Outcome:
            raise RuntimeError("text failed")

    with pytest.raises(RuntimeError, match="text failed"):
        validate([root], domains=[Broken(), CountDomain()], cache=False)  # type: ignore[list-item]


def test_the_engine_names_no_domain() -> None:
    source = (REPO / "scaffolder" / "validation" / "engine.py").read_text()
    tree = ast.parse(source)
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    for domain in DOMAINS:
        assert not any(domain.name in module for module in imported), domain.name
        assert f'"{domain.name}"' not in source and domain.prefix not in source


def test_every_domain_has_the_same_inner_shape() -> None:
    root = REPO / "scaffolder" / "validation"
    for domain in DOMAINS:
        package = root / domain.name
        assert (package / "__init__.py").is_file() and (package / "domain.py").is_file()
        assert (package / "rules" / "__init__.py").is_file(), domain.name
        for family in domain.families:
            path = Path(str(family.__file__))
            assert path.parent == package / "rules", family.__name__
            assert family.RULES and all(rule.id.startswith(domain.prefix) for rule in family.RULES)
        listed = {Path(str(family.__file__)).name for family in domain.families}
        on_disk = {p.name for p in (package / "rules").glob("*.py") if p.name != "__init__.py"}
        assert listed == on_disk, domain.name


def test_registry_knows_each_rules_domain_and_family() -> None:
    registry = Registry.from_domains(DOMAINS)
    # Every family's rules, and an internal-error and a skipped-file rule per domain.
    assert len(registry) == sum(len(rules_of(domain)) + 2 for domain in DOMAINS)
    assert registry.get("K8S000").name == "internal-error"
    assert registry.domain("K8S104") == "kubernetes"
    assert registry.family("K8S104") == "scaffolder.validation.kubernetes.rules.security"
    assert registry.family("TF107") == "scaffolder.validation.terraform.rules.module_calls"
    with pytest.raises(ValueError, match="lacks TXT"):
        Registry.from_domains([TextDomain(families=(_family("wrong", COUNT),))])  # type: ignore[list-item]


@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_each_generated_file_has_one_owner(tmp_path: Path, template: str) -> None:
    project = generate(template, tmp_path, no_input=True)
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        owners = [d.name for d in DOMAINS if d.claim(path) is Claim.OWNS]
        assert len(owners) <= 1, (path, owners)


def test_claims_route_files_to_the_domain_that_owns_them(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  app:\n    image: a:1\n    bogus: 1\n",
            ".spacelift/config.yml": "version: 1\nbogus: 1\n",
            "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n",
            "main.tf": 'terraform {\n  required_version = ">= 1.10"\n}\n',
        },
    )
    report = validate([root], cache=False)
    assert sorted((f.rule, f.path) for f in report.findings) == [
        ("COMPOSE001", "compose.yaml"),
        ("SL002", ".spacelift/config.yml"),
    ]
    assert report.files == 4


def test_readme_finds_every_rule_in_one_hop() -> None:
    from scaffolder.report.listing import source_file

    readme = (REPO / "README.md").read_text()
    table = readme.split("### Rules by file", 1)[1]
    listed: dict[str, str] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1].startswith("`scaffolder/"):
            for rule_id in cells[0].split(", "):
                assert rule_id not in listed, rule_id
                listed[rule_id] = cells[1].split("`")[1]
    registry = Registry.from_domains(DOMAINS)
    assert listed == {rule.id: source_file(registry, rule.id) for rule in registry}
    assert all((REPO / path).is_file() for path in listed.values())


def test_where_things_live_names_paths_that_exist() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Where things live", 1)[1].split("### Rules by file", 1)[0]
    cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    for cell in cells:
        names = [part.strip("` ") for part in cell.split(",")]
        # Names after the first in a cell sit in the first one's directory.
        directory = Path(names[0]).parent
        for index, name in enumerate(names):
            path = REPO / (name if index == 0 else directory / name)
            if "<" not in name:
                assert path.exists(), name
