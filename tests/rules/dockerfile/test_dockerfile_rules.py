"""scaffolder's own Dockerfile rules: a hardened baseline, then one mutation per rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.validation import validate
from scaffolder.validation.dockerfile.instructions import instructions
from scaffolder.validation.dockerfile.rules import build, runtime

from ...conftest import build_tree

RULES = sorted([*runtime.RULES, *build.RULES], key=lambda rule: rule.id)

IDS = [rule.id for rule in RULES]
GOOD = """# syntax=docker/dockerfile:1
FROM python:3.12.8-slim-bookworm AS build
ARG PIP_INDEX_URL
RUN pip install --no-cache-dir --target /deps flask==3.1.3

FROM python:3.12.8-slim-bookworm
COPY --from=build /deps /deps
ENV PYTHONPATH=/deps \\
    PORT=8000
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s CMD \\
  python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["python", "-m", "service"]
"""
MUTATIONS = {
    "DOCKER004": ("USER 10001:10001", "USER root", 10, 1, "the final stage runs as `root`"),
    "DOCKER005": (
        "HEALTHCHECK --interval=30s CMD \\\n  python -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')\"\n",
        "",
        6,
        1,
        "the final stage has no HEALTHCHECK",
    ),
    "DOCKER006": (
        "FROM python:3.12.8-slim-bookworm AS build",
        "FROM python:latest AS build",
        2,
        1,
        "base image `python:latest` is untagged or `latest`",
    ),
    "DOCKER007": (
        "EXPOSE 8000",
        "EXPOSE 8080",
        11,
        1,
        "EXPOSE 8080 disagrees with the app port 8000",
    ),
    "DOCKER008": (
        "COPY --from=build /deps /deps",
        "ADD https://example.com/deps.tgz /deps",
        7,
        1,
        "ADD fetches `https://example.com/deps.tgz`",
    ),
    "DOCKER009": (
        "    PORT=8000",
        "    DB_PASSWORD=changeme",
        8,
        1,
        "ENV `DB_PASSWORD` looks like a secret",
    ),
}


def _findings(tmp_path: Path, text: str) -> list[tuple[str, int, int, str]]:
    build_tree(
        tmp_path,
        {
            "app/Dockerfile": text,
            ".scaffolder.json": json.dumps({"template": "x", "answers": {"app_port": 8000}}),
        },
    )
    report = validate([tmp_path], select=IDS, cache=False, jobs=1)
    return [(f.rule, f.line, f.column, f.message) for f in report.findings]


def test_the_baseline_is_clean(tmp_path: Path) -> None:
    assert _findings(tmp_path, GOOD) == []


@pytest.mark.parametrize("rule", IDS)
def test_each_rule_fires_on_the_instruction(tmp_path: Path, rule: str) -> None:
    old, new, line, column, message = MUTATIONS[rule]
    assert GOOD.count(old) == 1
    found = [f for f in _findings(tmp_path, GOOD.replace(old, new)) if f[0] == rule]
    assert len(found) == 1, found
    assert found[0][1:3] == (line, column)
    assert message in found[0][3]


def test_quiet_near_misses(tmp_path: Path) -> None:
    near = GOOD.replace("FROM python:3.12.8-slim-bookworm\n", "FROM build\n").replace(
        "ARG PIP_INDEX_URL", "ARG PASSWORDLESS_INSTALL_URL_IS_A_NAME\nARG TOKENIZER_MODEL"
    )
    assert _findings(tmp_path, near) == []
    digest = GOOD.replace(
        "python:3.12.8-slim-bookworm AS build", "python@sha256:" + "a" * 64 + " AS build"
    )
    assert _findings(tmp_path, digest) == []


def test_continuations_and_comments_keep_instruction_lines() -> None:
    items = instructions("FROM a:1\n# comment\nRUN one \\\n  # inside\n  two\nUSER 1\n")
    assert [(i.keyword, i.line) for i in items] == [("FROM", 1), ("RUN", 3), ("USER", 6)]
    assert items[1].arguments == "one two"


def test_no_expose_is_a_finding_only_for_an_image_that_serves(tmp_path: Path) -> None:
    # kubernetes-engine-samples, kustomize: MPI jobs and KRM functions serve nothing.
    without = GOOD.replace("EXPOSE 8000\n", "")
    found = [f for f in _findings(tmp_path, without) if f[0] == "DOCKER007"]
    assert found == [
        ("DOCKER007", 6, 1, "the final stage EXPOSEs no port; the app listens on 8000")
    ]
    (tmp_path / ".scaffolder.json").unlink()
    report = validate([tmp_path], select=["DOCKER007"], cache=False, jobs=1)
    assert report.findings == ()
