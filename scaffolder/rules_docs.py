"""Rule documentation pages (``docs/rules/<ID>.md``), installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path


def docs_root() -> Path:
    """Directory of the rule pages."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "docs" / "rules"
    if installed.is_dir():
        return installed
    return package_dir.parent / "docs" / "rules"


def doc_page(rule_id: str) -> str:
    """The Markdown page of ``rule_id``."""
    return (docs_root() / f"{rule_id}.md").read_text(encoding="utf-8")
