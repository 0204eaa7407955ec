"""Dockerfiles that cannot be read as text: reported by the domain when it loads them."""

from __future__ import annotations

from scaffolder.validation.model import Rule, Severity

UNREADABLE = Rule(
    "DOCKER010",
    "unreadable-dockerfile",
    Severity.ERROR,
    "A Dockerfile cannot be read as UTF-8 text (binary, not a regular file, too large).",
)
RULES = (UNREADABLE,)
