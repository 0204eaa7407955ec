"""The built wheel (not an editable install) ships the templates and works on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scaffolder.templates import list_templates

from .conftest import REPO


def test_wheel_installs_into_a_fresh_venv_and_generates(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(dist.glob("service_scaffolder-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        timeout=900,
    )
    out = tmp_path / "out"
    scaffolder = str(venv / "bin" / "scaffolder")
    # Run from an unrelated directory with a bare PATH: nothing may come from the source checkout.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    listed = subprocess.run(
        [scaffolder, "list", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    templates = [item["name"] for item in json.loads(listed.stdout)]
    assert templates == [template.name for template in list_templates()]
    # Every template, so the hooks (symlinks in the checkout) and the shared parts' libraries
    # are shown to work from the wheel.
    for template in templates:
        result = subprocess.run(
            [scaffolder, "new", template, "--no-input", "-o", str(out / template)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(out / template / "my-service")
        project = out / template / "my-service"
        assert json.loads((project / ".scaffolder.json").read_text())["template"] == template
        assert (project / "k8s" / "overlays" / "local" / "kustomization.yaml").is_file()
    # Hermetic: cookiecutter wrote no replay or clone directory into HOME; the only thing there
    # is scaffolder's own validation cache, in the user cache directory.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", "dist", "out", "venv"]
    assert [p.name for p in (tmp_path / ".cache").iterdir()] == ["scaffolder"]
    rules = subprocess.run(
        [str(venv / "bin" / "scaffolder"), "rules", "K8S001"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert rules.stdout.startswith("# K8S001")
    # Every released template version is in the wheel, and usable from it without the source
    # checkout: a project goes down to 0.1.0 and back up, offline, then checks clean. (docker-dev:
    # the cloud templates' 0.1.0 has a plan policy that today's validator flags, SL109.)
    import zipfile

    from scaffolder.history import RELEASES_DIR

    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.name for p in RELEASES_DIR.glob("*.tar.xz"))
    assert shipped and all(f"scaffolder/releases/{name}" in names for name in shipped)
    project = out / "docker-dev" / "my-service"
    for args in (["update", str(project), "--to", "0.1.0"], ["update", str(project)]):
        moved = subprocess.run(
            [scaffolder, *args], cwd=tmp_path, capture_output=True, text=True, env=env, check=False
        )
        assert moved.returncode == 0, moved.stdout + moved.stderr
    record = json.loads((project / ".scaffolder.json").read_text())
    assert (
        record["template_version"]
        == next(t for t in list_templates() if t.name == "docker-dev").version
    )
    checked = subprocess.run(
        [scaffolder, "check", str(project)], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
