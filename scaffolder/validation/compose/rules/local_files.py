"""Files and directories on the machine a service needs: build contexts and env files."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.compose.files import ComposeFile, build_context
from scaffolder.validation.files import is_dir, is_file
from scaffolder.validation.model import Finding, Rule, Severity

BUILD_CONTEXT = Rule(
    "COMPOSE009",
    "build-context-missing",
    Severity.ERROR,
    "A service's `build` context does not exist.",
)
ENV_FILE = Rule(
    "COMPOSE010", "env-file-missing", Severity.ERROR, "A service's `env_file` does not exist."
)
ENV_FILE_EXAMPLE = Rule(
    "COMPOSE011",
    "env-file-not-created",
    Severity.INFO,
    "An `env_file` is not created yet, but its `.example` is there.",
)
RULES = (BUILD_CONTEXT, ENV_FILE, ENV_FILE_EXAMPLE)


def check(compose: ComposeFile) -> Iterator[Finding]:
    """COMPOSE009-COMPOSE011 for every service."""
    directory = compose.path.parent
    for name, service in compose.services().items():
        build = service.get("build")
        context = build_context(service)
        remote = isinstance(context, str) and ("://" in context or "$" in context)
        if isinstance(context, str) and not remote and not is_dir(directory / context):
            steps: list[str | int] = ["services", name, "build"]
            if isinstance(build, dict):
                steps.append("context")
            yield compose.finding(
                BUILD_CONTEXT,
                steps,
                f"service `{name}` builds from `{context}`, which is not a directory",
            )
        env_files = service.get("env_file") or []
        if isinstance(env_files, (str, dict)):
            env_files = [env_files]
        for index, entry in enumerate(env_files):
            file = entry.get("path") if isinstance(entry, dict) else entry
            required = entry.get("required", True) if isinstance(entry, dict) else True
            if not isinstance(file, str) or "$" in file or is_file(directory / file):
                continue
            where: list[str | int] = (
                ["services", name, "env_file", index]
                if isinstance(service.get("env_file"), list)
                else ["services", name, "env_file"]
            )
            if is_file(directory / (file + ".example")):
                yield compose.finding(
                    ENV_FILE_EXAMPLE,
                    where,
                    f"service `{name}` reads `{file}`, not created yet; make it from "
                    f"`{file}.example`",
                )
            elif required is not False:
                yield compose.finding(
                    ENV_FILE,
                    where,
                    f"service `{name}` reads env_file `{file}`, which does not exist",
                )
