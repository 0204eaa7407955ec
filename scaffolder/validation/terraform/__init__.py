"""Terraform domain: what ``terraform validate`` checks without providers, and tflint's presets.

Where things are: ``hcl.py`` is the adapter from python-hcl2 (the only file that knows its
shape), ``syntax.py`` the parsed view, ``module.py`` a module's declarations and references,
``domain.py`` the entry point the engine runs, ``index.py`` what later domains read, and
``rules/`` one file per rule family.
"""

from __future__ import annotations

from scaffolder.validation.terraform.domain import TerraformDomain, analyze, is_terraform
from scaffolder.validation.terraform.index import ModuleInterface, TerraformIndex

__all__ = ["DOMAIN", "ModuleInterface", "TerraformIndex", "analyze", "is_terraform"]

DOMAIN = TerraformDomain()
