"""The Dockerfile rule families, one module each.

``IMAGE_FAMILIES`` check one :class:`~scaffolder.validation.dockerfile.instructions.Dockerfile`;
``hadolint`` runs the linter over every Dockerfile at once; ``suppression`` checks the files.
"""

from __future__ import annotations

from scaffolder.validation.dockerfile.rules import build, hadolint, runtime, sources, suppression

FAMILIES = (hadolint, suppression, runtime, build, sources)
IMAGE_FAMILIES = (runtime, build)
