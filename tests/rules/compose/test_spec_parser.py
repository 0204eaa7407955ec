"""compose-spec's Rust parser loaded on its own says exactly what the package's wrapper says."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys
from scaffolder.validation.compose.rules.spec import native_parser

CASES = [
    "services:\n  web:\n    image: nginx:1.27.3\n    bogus: 1\n",
    "services:\n  a:\n    image: a:1\n    ports: ['x']\n",
    "services:\n  a:\n    image: a:1\n    depends_on: 3\n",
    "services: {}\n",
    "services:\n  a:\n    build: .\n    healthcheck:\n      test: [CMD, true]\n      interval: 5q\n",
]

def outcome(parser, text):
    try:
        parser.from_yaml(text)
    except ValueError as error:
        return str(error)
    return "ok"

native = native_parser()
alone = "pydantic" not in sys.modules
first = [outcome(native, text) for text in CASES]
import compose_spec
second = [outcome(compose_spec.PyCompose, text) for text in CASES]
print(json.dumps({"alone": alone, "native": first, "package": second}))
"""


def test_native_parser_matches_the_package_and_skips_its_models() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    seen = json.loads(result.stdout)
    assert seen["alone"], "loading the parser imported compose-spec's pydantic models"
    assert seen["native"] == seen["package"]
    assert seen["native"][0].startswith("services.web: extension key `bogus`")
    assert seen["native"][3] == "ok"
