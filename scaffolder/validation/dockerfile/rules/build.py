"""How an image is built: pinned base images, no remote ADD, no secrets in ENV or ARG."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.dockerfile.instructions import Dockerfile
from scaffolder.validation.model import Finding, Rule, Severity

W = Severity.WARNING
UNPINNED_BASE = Rule("DOCKER006", "unpinned-base-image", W, "A base image is untagged or `latest`.")
REMOTE_ADD = Rule("DOCKER008", "add-remote-url", W, "ADD fetches a remote URL.")
SECRET_NAME = Rule("DOCKER009", "secret-in-env-arg", W, "ENV or ARG names look like secrets.")
RULES = (UNPINNED_BASE, REMOTE_ADD, SECRET_NAME)

_FROM = re.compile(r"^(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<alias>\S+))?$", re.I)
_SECRET_WORDS = {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "CREDENTIALS"}
_KEY_KINDS = {"API", "PRIVATE", "ACCESS", "SECRET", "SIGNING"}


def looks_secret(name: str) -> bool:
    """A variable name whose words say it holds a secret (`DB_PASSWORD`, not `TOKENIZER`)."""
    words = name.upper().split("_")
    if _SECRET_WORDS & set(words):
        return True
    return any(
        word == "KEY" and index and words[index - 1] in _KEY_KINDS
        for index, word in enumerate(words)
    )


def check(dockerfile: Dockerfile) -> Iterator[Finding]:
    """DOCKER006, DOCKER008 and DOCKER009 over every instruction."""
    aliases: set[str] = set()
    for item in dockerfile.instructions:
        if item.keyword == "FROM":
            match = _FROM.match(item.arguments)
            if match is None:
                continue
            image = match["image"]
            if match["alias"]:
                aliases.add(match["alias"].lower())
            name = image.rsplit("/", 1)[-1]
            pinned = "@" in image or (":" in name and not name.endswith(":latest"))
            if (
                image.lower() not in aliases
                and image != "scratch"
                and "$" not in image
                and not pinned
            ):
                yield dockerfile.finding(
                    UNPINNED_BASE,
                    item.line,
                    item.column,
                    f"base image `{image}` is untagged or `latest`; pin a version or digest",
                )
        elif item.keyword == "ADD":
            for token in item.arguments.split():
                if re.match(r"^https?://", token):
                    yield dockerfile.finding(
                        REMOTE_ADD,
                        item.line,
                        item.column,
                        f"ADD fetches `{token}`; download with a checksum in a RUN step instead",
                    )
        elif item.keyword in {"ENV", "ARG"}:
            names = re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", item.arguments)
            for name in names:
                if looks_secret(name):
                    yield dockerfile.finding(
                        SECRET_NAME,
                        item.line,
                        item.column,
                        f"{item.keyword} `{name}` looks like a secret: it stays in the image "
                        "history; pass it at run time or with a build secret mount",
                    )
