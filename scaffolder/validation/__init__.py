"""The validator: an engine that runs validation domains over the files under each path.

The package is `validation` (not `validate`) so that `scaffolder.validation.validate` and
`scaffolder.validate` stay the function. Where things are:

- ``engine.py``: discovery, claims, caching, parallelism, filtering and suppression;
- ``domain.py``: the protocol a domain follows; ``domains.py``: the list of domains;
- ``<domain>/``: one package per domain (``terraform``, ``spacelift``, ``kubernetes``,
  ``compose``, ``dockerfile``, ``parity``), each with its adapter, its ``domain.py`` entry
  point and ``rules/``, one file per rule family with metadata and check side by side;
- ``model.py``, ``registry.py``, ``files.py``, ``cache.py``, ``suppress.py``, ``yamlpos.py``.
"""

from __future__ import annotations

from scaffolder.validation.engine import validate
from scaffolder.validation.model import Finding, Report, Rule, Severity

__all__ = ["Finding", "Report", "Rule", "Severity", "validate"]
