"""Related locations: the other place a cross-file finding names, as data (JSON, SARIF, cache).

A finding of a cross-file rule sits at one place and names the other in its message. The other
place travels with it as a related location: rebased with it when the paths are read from
another directory, linked from the SARIF message, and kept by the cache.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest

from scaffolder.report.sarif import to_sarif
from scaffolder.validation.model import Citations, Finding, Place, Report, Rule, Severity
from scaffolder.validation.registry import Registry

from .test_sarif import sarif_validator  # noqa: F401  (a fixture this module uses)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# One fact broken in the generated gke project: the Workload Identity grant names another
# Kubernetes ServiceAccount. INFRA004 sits at the annotation and names two Terraform places.
BREAK = (
    "infra/terraform.tfvars",
    'app_service_account = "my-service"',
    'app_service_account = "x"',
)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the generated gke example, one level below ``tmp_path``, with the break."""
    copy = tmp_path / "work" / "gke"
    shutil.copytree(EXAMPLES / "gke", copy)
    file, old, new = BREAK
    target = copy / file
    text = target.read_text()
    assert text.count(old) == 1
    target.write_text(text.replace(old, new))
    return copy


def _infra(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"].startswith("INFRA")]


def test_related_places_are_rebased_with_the_finding_and_point_at_the_facts(
    broken: Path, run_cli: Any
) -> None:
    reports = {}
    for cwd, argument in ((broken, "."), (broken.parent, "gke"), (broken / "k8s", "..")):
        result = run_cli("validate", argument, "--format", "json", "--no-cache", cwd=cwd)
        assert result.returncode == 1, result.stderr
        reports[cwd] = _infra(json.loads(result.stdout))
    for cwd, findings in reports.items():
        (finding,) = findings
        places = [(cwd / p["path"]).resolve() for p in [finding, *finding["related"]]]
        # Wherever it is read from, every path resolves to the same files...
        assert places == [
            broken / "k8s/overlays/gke/kustomization.yaml",
            broken / "infra/iam.tf",
            broken / "infra/iam.tf",
        ], finding
        # ...and the message names each related place as its own `path:line`.
        for place in finding["related"]:
            assert re.search(rf"\({re.escape(place['path'])}:{place['line']}\)", finding["message"])
    lines = (broken / "infra/iam.tf").read_text().splitlines()
    (finding,) = reports[broken]
    account, grant = (lines[p["line"] - 1] for p in finding["related"])
    # The two places are the facts the message states: the account, and the grant's member.
    assert account == 'resource "google_service_account" "app" {', account
    assert grant.strip().startswith("member") and ".svc.id.goog[" in grant, grant


def test_sarif_links_the_related_locations_and_passes_the_schema(
    broken: Path,
    run_cli: Any,
    sarif_validator: Any,  # noqa: F811
) -> None:
    result = run_cli("validate", "gke", "--format", "sarif", "--no-cache", cwd=broken.parent)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert not [error.message for error in sarif_validator.iter_errors(log)]
    (run,) = log["runs"]
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    (infra,) = [r for r in run["results"] if r["ruleId"].startswith("INFRA")]
    related = infra["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    text = infra["message"]["text"]
    for item in related:
        location = item["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        resolved = Path(unquote(urlparse(urljoin(base, location["artifactLocation"]["uri"])).path))
        assert resolved == broken / "infra/iam.tf"
        link = f"[{item['message']['text']}]({item['id']})"
        assert link in text and item["message"]["text"].endswith(
            f":{location['region']['startLine']}"
        )
    # Findings without other places keep the plain message and no related locations.
    assert all("relatedLocations" not in r for r in run["results"] if r is not infra)


def test_sarif_escapes_literal_brackets_around_links(sarif_validator: Any) -> None:  # noqa: F811
    rule = Rule("X001", "x", Severity.ERROR, "x")
    finding = rule.at(
        "k8s/sa.yaml",
        3,
        1,
        "member `p.svc.id.goog[web/app]` is not granted (infra/iam.tf:7)",
        (Place("infra/iam.tf", 7),),
    )
    log = to_sarif(Report((finding,), 1, (rule,)), Registry([rule]), Path("/w"))
    assert not [error.message for error in sarif_validator.iter_errors(log)]
    (result,) = log["runs"][0]["results"]
    assert result["message"]["text"] == (
        "member `p.svc.id.goog\\[web/app\\]` is not granted ([infra/iam.tf:7](1))"
    )


def test_the_cache_keeps_related_places(
    broken: Path, run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SCAFFOLDER_CACHE_DIR", str(cache))
    outputs = []
    for _ in range(2):
        result = run_cli("validate", ".", "--format", "json", cwd=broken)
        outputs.append(result.stdout)
    assert any(cache.rglob("*.json")), "the first run wrote no cache entry"
    assert outputs[0] == outputs[1]
    (finding,) = _infra(json.loads(outputs[1]))
    assert len(finding["related"]) == 2


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("see (a.tf:1)", True),
        ("see a.tf:1, then", True),
        ("see a.tf:12", False),  # another line
        ("see xa.tf:1", False),  # another file
        ("see b/a.tf:1", False),  # another directory
        ("see a.tfx:1", False),
    ],
)
def test_a_mention_is_that_path_and_line_only(message: str, found: bool) -> None:
    assert bool(Place("a.tf", 1).mention().search(message)) is found


def test_citations_attach_only_what_the_message_names() -> None:
    citations = Citations()
    rule = Rule("X001", "x", Severity.ERROR, "x")
    named = citations.cite("infra/a.tf", 4)
    citations.cite("infra/b.tf", 9)  # cited while looking, but not named in the message
    own = citations.cite("k8s/x.yaml", 2)
    finding = citations.attach(rule.at("k8s/x.yaml", 2, 1, f"at {own}, see {named}"))
    assert finding.related == (Place("infra/a.tf", 4),)


@pytest.mark.parametrize(
    "row",
    [
        ["p", 1, 1, "X001", "error", "m", []],
        ["p", 1, 1, "X001", "error", "m", [["q", 0]]],
        ["p", 1, 1, "X001", "error", "m", [["q"]]],
        ["p", 1, 1, "X001", "error", "m", [[3, 1]]],
        ["p", 1, 1, "X001", "error", "m", "q:1"],
    ],
)
def test_a_malformed_cached_related_place_is_refused(row: list[object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        Finding.from_row(row)


def test_a_finding_row_round_trips_with_and_without_related_places() -> None:
    rule = Rule("X001", "x", Severity.ERROR, "x")
    for finding in (
        rule.at("p", 2, 3, "m"),
        rule.at("p", 2, 3, "m (q:4)", (Place("q", 4),)),
    ):
        row = json.loads(json.dumps(finding.to_row()))
        assert Finding.from_row(row) == finding
    assert len(rule.at("p", 2, 3, "m").to_row()) == 6
