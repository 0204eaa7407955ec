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
#: Larger files are not read: no configuration file is this big, and a run must stay bounded.
MAX_FILE_BYTES = 32 * 1024 * 1024


class Unreadable(OSError):
    """A file that is not read, and why: not a regular file, too large, or outside the root."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def read_regular(path: Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    The file is opened without blocking and checked on the open descriptor, so a FIFO, a device
    (a link to /dev/zero) or a socket is refused instead of hanging or filling memory, even when
    it replaced a regular file after discovery.

    Raises:
        Unreadable: Not a regular file, or larger than ``limit``.
        OSError: It cannot be opened or read.
    """
    import stat

    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(path, "not a regular file (a FIFO, device or socket)")
        if info.st_size > limit:
            raise Unreadable(path, f"larger than {limit // (1024 * 1024)} MiB")
        chunks = []
        remaining = limit + 1
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Unreadable(path, f"larger than {limit // (1024 * 1024)} MiB")
    return data


def is_dir(path: Path) -> bool:
    """``path.is_dir()`` for a path taken from file content.

    A name too long for the system or with a NUL byte is simply not a directory.
    """
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def is_file(path: Path) -> bool:
    """``path.is_file()`` for paths taken from file content (see :func:`is_dir`)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def discover(root: Path, *, hidden: Iterable[str] = ()) -> list[Path]:
    """Every regular file under ``root`` (see :func:`discover_all`)."""
    return discover_all(root, hidden=hidden)[0]


def discover_all(
    root: Path, *, hidden: Iterable[str] = ()
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Regular files under ``root``, and the other entries with what they are.

    Dependencies, caches and hidden directories are skipped; ``hidden`` names files inside
    hidden directories that are wanted all the same, relative to the directory holding them
    (``.spacelift/config.yml``): a domain asked for them. Links to directories are not entered.
    The second list holds what is not a regular file, so it is never opened: FIFOs (which
    block), devices (``/dev/zero`` never ends), sockets, and links to those or to nothing.
    """
    if not root.is_dir():
        special = _special(root)
        return ([], [(root, special)]) if special else ([root], [])
    wanted = sorted(set(hidden))
    regular: list[Path] = []
    others: list[tuple[Path, str]] = []
    stack = [root]
    while stack:
        here = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda entry: entry.name)
        except OSError:
            continue
        subdirectories = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS and not entry.name.startswith("."):
                    subdirectories.append(Path(entry.path))
            elif entry.is_file():
                regular.append(Path(entry.path))
            elif not (entry.is_symlink() and entry.is_dir()):
                others.append((Path(entry.path), _special(Path(entry.path)) or "not a file"))
        regular.extend(path for name in wanted if (path := here / name).is_file())
        stack.extend(reversed(subdirectories))
    return regular, others


def _special(path: Path) -> str:
    """What a path that is not a regular file is, or "" for a regular file."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "a link to nothing" if path.is_symlink() else ""
    except OSError as error:
        return f"cannot be examined ({error.strerror})"
    if stat.S_ISREG(mode):
        return ""
    kinds = [(stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")]
    kinds += [(stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")]
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    return f"a link to {kind}" if path.is_symlink() else kind


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
                self._inside(path)
                value = read_regular(path)
            except OSError as error:
                value = error
            except ValueError as error:  # a NUL byte in a name taken from file content
                value = Unreadable(path, f"not a valid path: {error}")
            with self._lock:
                # The first reader wins, so every caller sees the same bytes.
                value = self._data.setdefault(path, value)
        if isinstance(value, OSError):
            raise value
        return value

    def _inside(self, path: Path) -> None:
        """Refuse a file under the root that is a symlink to somewhere outside it."""
        base = self.root if self.root.is_dir() else self.root.parent
        if not Path(os.path.normpath(path)).is_relative_to(os.path.normpath(base)):
            return  # read on purpose from outside (a module's siblings, a called module)
        # Discovery does not enter linked directories, so a discovered file leaves the root
        # only if it is a link itself; other paths come from file content and are resolved.
        if path in self._members and not path.is_symlink():
            return
        try:
            target = path.resolve()
        except (OSError, RuntimeError) as error:
            raise Unreadable(path, f"cannot resolve its links: {error}") from error
        if not target.is_relative_to(base.resolve()):
            raise Unreadable(path, "a symlink to outside the validated root, not followed")

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


def project_root(path: Path) -> Path:
    """The project a file belongs to: the nearest git top level or directory holding `.spacelift/`.

    Without either, or when it is the file's own directory, that directory as ``path`` names it;
    otherwise the project root as an absolute path.
    """
    directory = path.absolute().parent
    for candidate in [directory, *directory.parents]:
        if (candidate / ".git").exists() or (candidate / ".spacelift").is_dir():
            return path.parent if candidate == directory else candidate
    return path.parent
