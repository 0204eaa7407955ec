"""The files of one validated root: discovered once, each read at most once.

Every domain reads file contents through a :class:`FileSet`, so a cache key and the checks
behind it see the same bytes, and a file several domains read (a compose file is read by the
compose and the parity domains) is read and parsed once per run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffolder.validation.yamlpos import Document

#: Directories that hold dependencies, caches or version control, never sources to check.
SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".terraform", ".git", ".venv", "venv"})


def discover(root: Path, *, hidden: Iterable[str] = ()) -> list[Path]:
    """Every file under ``root``, skipping dependencies, caches and hidden directories.

    ``hidden`` names files inside hidden directories that are wanted all the same, relative to
    the directory holding them (``.spacelift/config.yml``): a domain asked for them.
    """
    if root.is_file():
        return [root]
    wanted = sorted(set(hidden))
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        here = Path(directory)
        found.extend(here / name for name in sorted(files))
        found.extend(path for name in wanted if (path := here / name).is_file())
    return found


class FileSet:
    """The discovered files under ``root`` and, on demand, their bytes, text and YAML."""

    def __init__(self, root: Path, paths: Iterable[Path]) -> None:
        self.root = root
        self.paths = tuple(paths)
        self._members = frozenset(self.paths)
        self._data: dict[Path, bytes | OSError] = {}
        self._yaml: dict[Path, list[Document] | Exception] = {}
        self._lock = threading.Lock()
        self._tree: str | None = None

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __contains__(self, path: object) -> bool:
        return path in self._members

    def read(self, path: Path) -> bytes:
        """The bytes of ``path``, read once per run (also for files outside the root).

        Raises:
            OSError: The file cannot be read (the same error every time it is asked for).
        """
        value = self._data.get(path)
        if value is None:
            try:
                value = path.read_bytes()
            except OSError as error:
                value = error
            with self._lock:
                # The first reader wins, so every caller sees the same bytes.
                value = self._data.setdefault(path, value)
        if isinstance(value, OSError):
            raise value
        return value

    def text(self, path: Path) -> str:
        """The UTF-8 text of ``path``.

        Raises:
            OSError: The file cannot be read.
            UnicodeDecodeError: It is not UTF-8.
        """
        return self.read(path).decode("utf-8")

    def yaml(self, path: Path) -> list[Document]:
        """The YAML documents of ``path``, parsed once per run.

        Raises:
            OSError: The file cannot be read.
            UnicodeDecodeError: It is not UTF-8.
            YamlSyntaxError: It is not YAML.
        """
        from scaffolder.validation.yamlpos import YamlSyntaxError, load_documents

        value = self._yaml.get(path)
        if value is None:
            try:
                value = load_documents(self.text(path))
            except (OSError, UnicodeDecodeError, YamlSyntaxError) as error:
                value = error
            with self._lock:
                value = self._yaml.setdefault(path, value)
        if isinstance(value, Exception):
            raise value
        return value

    def tree_digest(self) -> str:
        """A digest of which files exist under the root (names only), computed once."""
        if self._tree is None:
            from scaffolder.validation.cache import digest

            base = self.root if self.root.is_dir() else self.root.parent
            self._tree = digest(*(path.relative_to(base).as_posix() for path in self.paths))
        return self._tree
