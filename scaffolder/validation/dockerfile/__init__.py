"""Dockerfile domain: Dockerfiles.

``instructions.py`` is the adapter (instructions with lines, the view the rules check),
``domain.py`` the entry point, and ``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.dockerfile.domain import DockerfileDomain

__all__ = ["DOMAIN"]

DOMAIN = DockerfileDomain()
