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


#: No honest entry comes near this; a larger file in the cache directory is not read.
_MAX_ENTRY_BYTES = 16 * 1024 * 1024


class ResultCache:
    """Get and put JSON values by key in one namespace; disabled means always a miss."""

    def __init__(self, namespace: str, *, enabled: bool = True) -> None:
        self.directory = cache_dir() / namespace
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None.

        An entry is read only if it is a regular file of bounded size (a FIFO or a link to a
        device in the cache directory must not hang or fill memory), and must be JSON that does
        not nest absurdly; anything else is a miss.
        """
        if not self.enabled:
            return None
        from scaffolder.validation.files import read_regular

        try:
            return json.loads(read_regular(self._path(key), limit=_MAX_ENTRY_BYTES))
        except (OSError, ValueError, RecursionError):
            return None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` atomically; failures turn the cache off quietly."""
        if not self.enabled:
            return

        import tempfile

        path = self._path(key)
        temporary: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
            ) as handle:
                temporary = Path(handle.name)
                json.dump(value, handle, separators=(",", ":"))
            temporary.replace(path)
        except OSError:
            # A full disk or a read-only directory: no half-written entry stays behind.
            if temporary is not None:
                temporary.unlink(missing_ok=True)
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
