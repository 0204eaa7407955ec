"""The compose rule families, one module each, every one a check over a :class:`ComposeFile`.

``spec`` runs first: a file that is not valid compose gets no other finding, and an override
file (``compose.dev.yaml``, partial by design) gets only ``spec`` and ``suppression``.
"""

from __future__ import annotations

from scaffolder.validation.compose.rules import local_files, ports, references, spec, suppression

FAMILIES = (spec, references, suppression, ports, local_files)
#: Families over a valid, complete compose file.
REFERENCE_FAMILIES = (references, ports, local_files)
