"""Compose reference rules: a realistic clean file, then one mutation per rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.validation import validate

from ...conftest import build_tree

IDS = [f"COMPOSE{n:03d}" for n in range(5, 12)]
GOOD = """x-common: &common
  restart: unless-stopped

name: shop
services:
  app:
    <<: *common
    build:
      context: ./app
    image: shop:1.0.0
    env_file:
      - .env
    ports:
      - "127.0.0.1:8000:8000"
      - target: 9090
        published: 9090
        host_ip: 127.0.0.1
    networks: [backend]
    secrets: [db_password]
    configs:
      - source: app_config
        target: /etc/app.toml
    profiles: [default]
  worker:
    image: shop:1.0.0
    networks:
      backend: {}
    env_file:
      - path: optional.env
        required: false
  db:
    image: postgres:17.2-bookworm
    networks: [backend]
    expose: ["5432"]
networks:
  backend: {}
secrets:
  db_password:
    file: ./secrets/db_password.txt
configs:
  app_config:
    file: ./app.toml
"""
FILES = {".env": "A=1\n", "app/Dockerfile": "FROM scratch\n"}
MUTATIONS = {
    "COMPOSE005": (
        "    networks: [backend]\n    secrets",
        "    networks: [frontend]\n    secrets",
        18,
        16,
        "joins network `frontend`",
    ),
    "COMPOSE006": (
        "    secrets: [db_password]",
        "    secrets: [api_key]",
        19,
        15,
        "uses secret `api_key`, which top-level `secrets`",
    ),
    "COMPOSE007": (
        '    expose: ["5432"]',
        '    ports: ["127.0.0.1:8000:5432"]',
        34,
        13,
        "publishes host port 8000/tcp, already published by `app`",
    ),
    "COMPOSE008": (
        '      - "127.0.0.1:8000:8000"',
        '      - "8000:8000"',
        14,
        9,
        "publishes port 8000 on every interface",
    ),
    "COMPOSE009": (
        "      context: ./app",
        "      context: ./api",
        9,
        16,
        "builds from `./api`, which is not a directory",
    ),
    "COMPOSE010": (
        "      - .env\n",
        "      - prod.env\n",
        12,
        9,
        "reads env_file `prod.env`, which does not exist",
    ),
}


def _findings(
    tmp_path: Path, text: str, files: dict[str, str] = FILES
) -> list[tuple[str, int, int, str]]:
    build_tree(tmp_path, {"compose.yaml": text, **files})
    report = validate([tmp_path / "compose.yaml"], select=IDS, cache=False, jobs=1)
    return [(f.rule, f.line, f.column, f.message) for f in report.findings]


def test_the_realistic_file_is_clean(tmp_path: Path) -> None:
    assert _findings(tmp_path, GOOD) == []


@pytest.mark.parametrize("rule", sorted(MUTATIONS))
def test_each_rule_fires_at_the_entry(tmp_path: Path, rule: str) -> None:
    old, new, line, column, message = MUTATIONS[rule]
    assert GOOD.count(old) == 1
    found = [f for f in _findings(tmp_path, GOOD.replace(old, new)) if f[0] == rule]
    assert len(found) == 1, found
    assert found[0][1:3] == (line, column)
    assert message in found[0][3]


def test_a_missing_env_file_with_its_example_is_only_info(tmp_path: Path) -> None:
    found = _findings(tmp_path, GOOD, {".env.example": "A=\n", "app/Dockerfile": "FROM scratch\n"})
    assert found == [
        (
            "COMPOSE011",
            12,
            9,
            "service `app` reads `.env`, not created yet; make it from `.env.example`",
        )
    ]
