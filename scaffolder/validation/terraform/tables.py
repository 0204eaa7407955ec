"""python-hcl2's LALR parse tables as data: shipped with scaffolder, so no run compiles them.

Compiling the HCL grammar takes about a second, longer than parsing a large repository's
changed files. Lark's own cache is a pickle (a file that runs code when loaded) and was
written to the user's cache directory even under ``--no-cache``. Instead, the tables Lark
computes are stored as JSON next to this module (``hcl2-tables.json``), keyed by the grammar's
digest and Lark's version; when the installed python-hcl2 or Lark does not match, the grammar
is compiled in the process, as Lark would without a cache. ``make tables`` rewrites the file,
and a test checks it equals what the installed versions compute.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

TABLES = Path(__file__).with_name("hcl2-tables.json")
#: Options that hold objects, given again when the tables are loaded.
_RUNTIME_OPTIONS = ("postlex", "transformer")


def grammar_path() -> Path:
    """python-hcl2's grammar file."""
    import hcl2.parser

    return Path(hcl2.parser.__file__).with_name("hcl2.lark")


def fingerprint() -> str:
    """What the tables depend on: the grammar's text and Lark's minor version."""
    import lark

    digest = hashlib.sha256(grammar_path().read_bytes()).hexdigest()
    minor = ".".join(lark.__version__.split(".")[:2])
    return f"hcl2-grammar-{digest}-lark-{minor}"


_TAGS = frozenset({"t", "k", "d"})


def _encode(value: Any) -> Any:
    """JSON for Lark's serialized parser: tuples and dicts with non-string keys are tagged.

    A tuple is ``{"t": [...]}``, a dict with other keys ``{"k": [[key, value], ...]}``; a
    string-keyed dict stays an object, wrapped as ``{"d": {...}}`` only when its one key is a
    tag, so reading it back is one pass of ``json.loads`` with an object hook.
    """
    if isinstance(value, tuple):
        return {"t": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return {"k": [[_encode(key), _encode(item)] for key, item in value.items()]}
        encoded = {key: _encode(item) for key, item in value.items()}
        return {"d": encoded} if len(encoded) == 1 and set(encoded) <= _TAGS else encoded
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in the parse tables")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((tag, value),) = obj.items()
        if tag == "t" and isinstance(value, list):
            return tuple(value)
        if tag == "k" and isinstance(value, list):
            return {key: item for key, item in value}
        if tag == "d" and isinstance(value, dict):
            return value
    return obj


def decode(text: str) -> Any:
    """Stored tables from their JSON text.

    Raises:
        ValueError: The text is not JSON, or a tagged value is malformed.
        RecursionError: It nests too deeply.
    """
    try:
        return json.loads(text, object_hook=_hook)
    except TypeError as error:  # an unhashable key in a tagged dict
        raise ValueError(str(error)) from error


def serialize(parser: Any) -> dict[str, Any]:
    """The tables of a compiled Lark LALR parser, as JSON-ready data."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in _RUNTIME_OPTIONS}
    return {"fingerprint": fingerprint(), "data": _encode(data), "memo": _encode(memo)}


def load(stored: Any, **runtime: Any) -> Any | None:
    """A Lark parser from stored tables, or None when they are not for the installed versions.

    ``runtime`` gives the options that hold objects (``postlex``, ``transformer``).
    """
    from lark import Lark

    if not isinstance(stored, dict) or stored.get("fingerprint") != fingerprint():
        return None
    try:
        loader: Any = Lark._load_from_dict
        return loader(stored["data"], stored["memo"], **runtime)
    except (KeyError, TypeError, ValueError, AttributeError, AssertionError):
        return None


def shipped() -> Any:
    """The tables shipped with scaffolder, or None when the file is missing or unreadable."""
    try:
        return decode(TABLES.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def write(parser: Any, path: Path = TABLES) -> None:
    """Store ``parser``'s tables at ``path`` (``make tables``)."""
    path.write_text(json.dumps(serialize(parser), separators=(",", ":")) + "\n", encoding="utf-8")
