"""YAML documents with positions: the one place that knows PyYAML's node tree.

Rules get plain Python data plus a way to ask where a key path sits in the file, so a finding can
point at the offending field instead of the top of the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml


class YamlSyntaxError(Exception):
    """The text is not YAML; ``line``/``column`` are 1-based."""

    def __init__(self, *, message: str, line: int, column: int) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"{message} at line {line}, column {column}")


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document: its data and its node tree (for positions)."""

    data: Any
    node: yaml.Node

    @property
    def line(self) -> int:
        """1-based line where the document's content starts."""
        return int(self.node.start_mark.line) + 1

    def locate(self, path: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """Position of the deepest node of ``path`` that exists (1-based line, column).

        A scalar value is pointed at directly, or with ``key`` at its key (a key at fault: one
        the schema does not know); a mapping or list at the key that holds it.
        """
        import yaml

        node = self.node
        mark = node.start_mark
        for step in path:
            found = _child(node, step)
            if found is None:
                break
            holder, node = found
            mark = (
                node.start_mark
                if holder is None or (isinstance(node, yaml.ScalarNode) and not key)
                else holder.start_mark
            )
        return int(mark.line) + 1, int(mark.column) + 1


def _child(node: yaml.Node, step: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return key, value
        return None
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(step, int)
        and 0 <= step < len(node.value)
    ):
        return None, node.value[step]
    return None


#: More nodes than this, counting every alias as the copy it stands for, is refused: a few
#: hundred bytes of nested aliases (a "billion laughs" document) expand past any memory.
MAX_EXPANDED_NODES = 1_000_000


def _bounded(root: yaml.Node) -> None:
    """Raise YamlSyntaxError when ``root`` expands to more than MAX_EXPANDED_NODES nodes.

    Aliases make the node graph a DAG: each node's expanded size is counted once (memoised,
    iteratively, so depth costs no recursion), which keeps the check linear in the file.
    """
    import yaml

    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        else:
            sizes[id(node)] = 1
            continue
        if children_done:
            total = 1 + sum(sizes.get(id(child), 1) for child in children)
            if total > MAX_EXPANDED_NODES:
                mark = root.start_mark
                raise YamlSyntaxError(
                    message=f"the document expands to more than {MAX_EXPANDED_NODES:,} nodes "
                    "through aliases; not read",
                    line=int(mark.line) + 1,
                    column=int(mark.column) + 1,
                )
            sizes[id(node)] = total
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _loader_class(pure: bool) -> Any:
    """PyYAML's libyaml-based safe loader when it is built in, else the pure-Python one.

    Both compose the same node tree with the same marks (0-based line and column); libyaml is
    about ten times faster on large files such as CRD bundles.
    """
    import yaml

    if pure:
        return yaml.SafeLoader
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_documents(text: str, *, pure: bool = False) -> list[Document]:
    """Parse every non-empty document of ``text``.

    libyaml parses when PyYAML has it. Its error messages and a few positions differ from the
    pure-Python parser's, so when it fails the pure parser runs again to report the error; on
    valid YAML both build the same nodes with the same marks (a test holds them to that).
    ``pure`` forces the pure-Python parser.

    Raises:
        YamlSyntaxError: The text is not valid YAML.
    """
    try:
        return _load(text, pure=pure)
    except YamlSyntaxError:
        if pure:
            raise
        return _load(text, pure=True)


def _load(text: str, *, pure: bool) -> list[Document]:
    # yaml is imported here so that runs without YAML files never load it.
    import yaml

    documents = []
    try:
        loader = _loader_class(pure)(text)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise YamlSyntaxError(message=str(error.reason), line=line, column=column) from error
    node = None
    # Without a `*` there is no alias, and so nothing to expand.
    aliases = "*" in text
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None and aliases:
                _bounded(node)
            data = loader.construct_document(node)
            if node is not None and data is not None:
                documents.append(Document(data=data, node=node))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark else 1
        column = int(mark.column) + 1 if mark else 1
        raise YamlSyntaxError(
            message=str(error.problem or error), line=line, column=column
        ) from error
    except (ValueError, TypeError, AttributeError) as error:
        # A tag whose value does not convert (`!!float abc`, `!!timestamp x`) fails in PyYAML's
        # constructor without a mark; the document it is in is the best place there is.
        line = int(node.start_mark.line) + 1 if node is not None else 1
        raise YamlSyntaxError(
            message=f"cannot construct a value: {error}", line=line, column=1
        ) from error
    except (yaml.YAMLError, RecursionError) as error:
        raise YamlSyntaxError(
            message=str(error) or type(error).__name__, line=1, column=1
        ) from error
    finally:
        loader.dispose()
    return documents
