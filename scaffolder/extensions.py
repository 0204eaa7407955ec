"""Jinja extensions the templates name in ``_extensions``, for defaults that need bundled facts.

Cookiecutter loads them for rendering and for the defaults ``scaffolder new`` offers, so an
interactive prompt shows the same default the project gets.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.ext import Extension

from scaffolder.clouds import aws_default_zones


class CloudFactsExtension(Extension):
    """Filters over :mod:`scaffolder.clouds`: ``{{ cookiecutter.region | aws_default_zones }}``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["aws_default_zones"] = aws_default_zones
