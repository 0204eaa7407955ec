"""How the final image runs: not as root, with a HEALTHCHECK, exposing the app's port."""

from __future__ import annotations

from collections.abc import Iterator

from scaffolder.validation.dockerfile.instructions import Dockerfile, exposed_ports, final_stage
from scaffolder.validation.model import Finding, Rule, Severity

W = Severity.WARNING
ROOT_USER = Rule("DOCKER004", "final-stage-root", W, "The final stage runs as root.")
NO_HEALTHCHECK = Rule("DOCKER005", "no-healthcheck", W, "The final stage has no HEALTHCHECK.")
EXPOSE = Rule("DOCKER007", "expose-port", W, "EXPOSE is missing or disagrees with the app's port.")
RULES = (ROOT_USER, NO_HEALTHCHECK, EXPOSE)


def check(dockerfile: Dockerfile) -> Iterator[Finding]:
    """DOCKER004, DOCKER005 and DOCKER007 over the final stage."""
    stage = final_stage(dockerfile.instructions)
    if not stage:
        return
    head = stage[0]
    users = [item for item in stage if item.keyword == "USER"]
    if not users:
        yield dockerfile.finding(
            ROOT_USER,
            head.line,
            head.column,
            "the final stage sets no USER, so the container runs as root",
        )
    else:
        user = users[-1].arguments.split(":", 1)[0].strip()
        if user in {"root", "0"}:
            yield dockerfile.finding(
                ROOT_USER,
                users[-1].line,
                users[-1].column,
                f"the final stage runs as `{user}`; switch to an unprivileged user",
            )
    if not any(item.keyword == "HEALTHCHECK" for item in stage):
        yield dockerfile.finding(
            NO_HEALTHCHECK,
            head.line,
            head.column,
            "the final stage has no HEALTHCHECK: Docker cannot tell a hung app from a live one",
        )
    port = dockerfile.app_port
    exposed = exposed_ports(dockerfile.instructions)
    if not exposed and port is not None:
        # Without an app port (.scaffolder.json) nothing says the image serves at all: a job,
        # a CLI or a KRM function exposes nothing, rightly.
        yield dockerfile.finding(
            EXPOSE,
            head.line,
            head.column,
            f"the final stage EXPOSEs no port; the app listens on {port}",
        )
    elif port is not None and port not in {number for number, _ in exposed}:
        number, item = exposed[0]
        yield dockerfile.finding(
            EXPOSE,
            item.line,
            item.column,
            f"EXPOSE {number} disagrees with the app port {port} (.scaffolder.json)",
        )
