"""Module sources: unpinned git/mercurial sources, registry modules without a version."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.module import (
    TerraformModule,
    at,
    is_local_source,
)
from scaffolder.validation.terraform.syntax import (
    Block,
    string_value,
)

W = Severity.WARNING

UNPINNED_SOURCE = Rule(
    "TF206", "module-pinned-source", W, "A git or mercurial module source is not pinned."
)
MODULE_VERSION = Rule("TF207", "module-version", W, "A registry module call has no `version`.")
RULES = (
    UNPINNED_SOURCE,
    MODULE_VERSION,
)


_GIT = re.compile(r"^(git::|git@|github\.com/|bitbucket\.org/)|\.git($|[/?])")


_HG = re.compile(r"^hg::")


_REGISTRY = re.compile(
    r"^(?:[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?/)?[A-Za-z0-9][A-Za-z0-9_-]*/"
    r"[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9]+(?://.*)?$"
)


def check_module_sources(module: TerraformModule) -> Iterator[Finding]:
    """TF206, TF207: unpinned git/mercurial sources and registry modules without a version."""
    for located_list in module.modules.values():
        for located in located_list:
            block = located.node
            assert isinstance(block, Block)
            attr = block.attributes.get("source")
            source = string_value(attr.value) if attr else None
            if attr is None or source is None or is_local_source(source):
                continue
            name = block.label(0)
            if _GIT.search(source):
                ref = re.search(r"[?&]ref=([^&]*)", source)
                if ref is None:
                    yield at(
                        UNPINNED_SOURCE,
                        (located.file, attr),
                        f"module `{name}` source is not pinned; add `?ref=<tag or commit>`",
                    )
                elif ref.group(1) in {"main", "master", "HEAD", ""}:
                    yield at(
                        UNPINNED_SOURCE,
                        (located.file, attr),
                        f"module `{name}` is pinned to branch `{ref.group(1)}`, which moves; "
                        "use a tag or commit",
                    )
            elif _HG.match(source):
                if "rev=" not in source:
                    yield at(
                        UNPINNED_SOURCE,
                        (located.file, attr),
                        f"module `{name}` source is not pinned; add `?rev=<tag or changeset>`",
                    )
            elif (
                _REGISTRY.match(source) and "::" not in source and "version" not in block.attributes
            ):
                yield at(
                    MODULE_VERSION,
                    (located.file, block),
                    f"registry module `{name}` ({source}) has no `version` constraint",
                )


def check(module: TerraformModule) -> Iterator[Finding]:
    """Every rule of this family over ``module``."""
    yield from check_module_sources(module)
