"""Validation cache: results keyed by content hash, tool version and rule set.

Entries are small JSON files under the user cache directory (``$SCAFFOLDER_CACHE_DIR``, else
``$XDG_CACHE_HOME/scaffolder``, else the platform's usual place). JSON rather than pickle: a
cache file is never code. A corrupt or unreadable entry is a miss, never an error, and a cache
directory that cannot be written simply turns caching off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffolder.validation.model import Finding


def cache_dir() -> Path:
    """The directory scaffolder caches into."""
    override = os.environ.get("SCAFFOLDER_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "scaffolder"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "scaffolder" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "scaffolder"


def digest(*parts: bytes | str) -> str:
    """A stable hex key over ``parts``."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


class ResultCache:
    """Get and put JSON values by key in one namespace; disabled means always a miss."""

    def __init__(self, namespace: str, *, enabled: bool = True) -> None:
        self.directory = cache_dir() / namespace
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None."""
        if not self.enabled:
            return None
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` atomically; failures turn the cache off quietly."""
        if not self.enabled:
            return

        import tempfile

        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
            ) as handle:
                json.dump(value, handle, separators=(",", ":"))
            Path(handle.name).replace(path)
        except OSError:
            self.enabled = False

    def findings(self, key: str, compute: Callable[[], list[Finding]]) -> list[Finding]:
        """The findings stored under ``key``, else ``compute()``'s, stored for next time."""
        from scaffolder.validation.model import Finding

        cached = self.get(key)
        if isinstance(cached, list):
            try:
                return [Finding.from_row(row) for row in cached]
            except (TypeError, ValueError):
                pass  # a malformed entry is a miss
        found = compute()
        self.put(key, [finding.to_row() for finding in found])
        return found
