"""The one adapter from python-hcl2 to scaffolder's Terraform view (:mod:`.syntax`).

python-hcl2 8.x dropped ``with_meta`` and its dict output loses positions, so this module uses
python-hcl2's grammar and post-lexer with Lark directly and builds the view *while parsing*
(an inline LALR transformer). Profiling showed that building Lark's generic tree with
``propagate_positions`` and then transforming it was over half of the parse time; positions
come from the tokens instead, which always carry them. Everything that depends on the shape of
python-hcl2's grammar stays in this file.
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Comment,
    Directive,
    Expr,
    ForExpr,
    GetAttr,
    HclFile,
    Index,
    Label,
    Literal,
    ObjectExpr,
    ObjectItem,
    Operation,
    Paren,
    Splat,
    Step,
    Template,
    Traversal,
    TupleExpr,
    Variable,
)


@dataclass(frozen=True, slots=True)
class HclSyntaxError(Exception):
    """The text is not HCL; ``line``/``column`` are 1-based and inside the text."""

    message: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class _NewLines:
    """A ``new_line_or_comment`` run; dropped by every parent rule."""


_NL = _NewLines()
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(replace, text) if "\\" in text else text


def _pos(items: Sequence[Any]) -> tuple[int, int]:
    for item in items:
        line = getattr(item, "line", None)
        if isinstance(line, int):
            return line, int(item.column)
    return 1, 1


def _end_line(item: Any) -> int:
    """Last line of a token or view node (best effort: tokens spanning lines count theirs)."""
    from lark import Token

    if isinstance(item, Token):
        return int(item.end_line or item.line or 1)
    if isinstance(item, Block):
        return item.end_line
    line = getattr(item, "line", 1)
    return int(line) if isinstance(line, int) else 1


def _exprs(items: Sequence[Any]) -> list[Expr]:
    from lark import Token

    return [item for item in items if not isinstance(item, (Token, _NewLines))]


def _name(item: Any) -> str:
    if isinstance(item, Literal):
        return "null" if item.value is None else str(item.value).lower()
    if isinstance(item, Variable):
        return item.name
    return str(item)


def _record_comment(token: Any, comments: list[Comment]) -> None:
    """Keep the comment a ``NL_OR_COMMENT`` token holds, if it holds one."""
    text = str(token).lstrip("\n\r\t ")
    if text.startswith(("#", "//", "/*")):
        offset = len(str(token)) - len(text)
        line = token.line + str(token)[:offset].count("\n")
        comments.append(Comment(text.rstrip("\n"), line, 1))


def _post_lexer(comments: list[Comment]) -> Any:
    r"""python-hcl2's post-lexer, plus line breaks before `.attr` inside brackets.

    HCL ignores line breaks inside parentheses and brackets, so ``try(\n var.a\n .b,\n null)``
    is valid; python-hcl2's grammar (8.x) has no place for a newline before ``.`` and fails
    the whole file. Dropping that newline token is what the HCL lexer does; a comment it held
    is kept.
    """
    from hcl2.postlexer import PostLexer

    class _PostLexer(PostLexer):
        def process(self, stream: Any) -> Any:
            return _join_continued_attributes(super().process(stream), comments)

    return _PostLexer()


_OPENERS = {"LPAR": "(", "LSQB": "[", "LBRACE": "{", "INTERP_START": "{", "DIRECTIVE_START": "{"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}


def _join_continued_attributes(stream: Any, comments: list[Comment]) -> Any:
    open_brackets: list[str] = []
    pending: list[Any] = []
    for token in stream:
        if token.type == "NL_OR_COMMENT":
            pending.append(token)
            continue
        if pending:
            if token.type == "DOT" and open_brackets and open_brackets[-1] in "([":
                for dropped in pending:
                    _record_comment(dropped, comments)
            else:
                yield from pending
            pending = []
        if token.type in _OPENERS:
            open_brackets.append(_OPENERS[token.type])
        elif token.type in _CLOSERS and open_brackets:
            open_brackets.pop()
        yield token
    yield from pending


class _Builder:
    """Callbacks named after python-hcl2's grammar rules; each returns a view node."""

    def __init__(self, comments: list[Comment]) -> None:
        self._comments = comments

    # --- structure ---------------------------------------------------------------------------
    def start(self, items: list[Any]) -> builtins.tuple[Attribute | Block, ...]:
        body: builtins.tuple[Attribute | Block, ...] = items[0]
        return body

    def body(self, items: list[Any]) -> builtins.tuple[Attribute | Block, ...]:
        return builtins.tuple(item for item in items if isinstance(item, (Attribute, Block)))

    def new_line_or_comment(self, items: list[Any]) -> _NewLines:
        for token in items:
            _record_comment(token, self._comments)
        return _NL

    def attribute(self, items: list[Any]) -> Attribute:
        name, value = items[0], items[-1]
        line, column = _pos(items)
        return Attribute(_name(name), value, line, column)

    def block(self, items: list[Any]) -> Block:
        from lark import Token

        line, column = _pos(items)
        names = [item for item in items if not isinstance(item, (Token, _NewLines, builtins.tuple))]
        body = next(item for item in items if isinstance(item, builtins.tuple))
        close = items[-1]
        labels = []
        for label in names[1:]:
            if isinstance(label, Template):
                labels.append(Label("", True, False, label.line, label.column))
            elif isinstance(label, Literal) and label.quoted:
                labels.append(Label(str(label.value), True, True, label.line, label.column))
            else:
                labels.append(Label(_name(label), False, True, *_pos([label])))
        return Block(_name(names[0]), builtins.tuple(labels), body, line, column, _end_line(close))

    # --- names and literals ------------------------------------------------------------------
    def identifier(self, items: list[Any]) -> Variable:
        token = items[0]
        return Variable(str(token), token.line, token.column)

    def keyword(self, items: list[Any]) -> Variable:
        return self.identifier(items)

    def literal_value(self, items: list[Any]) -> Literal:
        token = items[0]
        value = {"true": True, "false": False, "null": None}[str(token)]
        return Literal(value, token.line, token.column)

    def int_lit(self, items: list[Any]) -> Literal:
        token = items[0]
        return Literal(int(str(token)), token.line, token.column)

    def float_lit(self, items: list[Any]) -> Literal:
        token = items[0]
        return Literal(float(str(token)), token.line, token.column)

    def string(self, items: list[Any]) -> Expr:
        quote = items[0]
        parts = items[1:-1]
        if all(isinstance(part, str) for part in parts):
            text = "".join(_unescape(str(part)) for part in parts)
            return Literal(text, quote.line, quote.column, quoted=True)
        exprs: list[Expr] = []
        for part in parts:
            if isinstance(part, str):
                line, column = _pos([part])
                exprs.append(Literal(_unescape(str(part)), line, column))
            else:
                exprs.append(part)
        return Template(builtins.tuple(exprs), quote.line, quote.column)

    def string_part(self, items: list[Any]) -> Any:
        return items[0]

    def template_string(self, items: list[Any]) -> Literal:
        token = items[0]
        return Literal(_unescape(str(token)[2:-2]), token.line, token.column)

    def interpolation(self, items: list[Any]) -> Expr:
        expr: Expr = _exprs(items)[0]
        return expr

    def _directive(self, kind: str, items: list[Any]) -> Directive:
        exprs = _exprs(items)
        names = builtins.tuple(
            item.name for item in exprs if isinstance(item, Variable) and kind == "for"
        )
        value = exprs[-1] if kind in {"if", "for"} and exprs else None
        line, column = _pos(items)
        return Directive(kind, names[:-1] if kind == "for" else (), value, line, column)

    def template_if_start(self, items: list[Any]) -> Directive:
        return self._directive("if", items)

    def template_else(self, items: list[Any]) -> Directive:
        return self._directive("else", items)

    def template_endif(self, items: list[Any]) -> Directive:
        return self._directive("endif", items)

    def template_for_start(self, items: list[Any]) -> Directive:
        exprs = _exprs(items)
        line, column = _pos(items)
        names = builtins.tuple(_name(item) for item in exprs[:-1])
        return Directive("for", names, exprs[-1], line, column)

    def template_endfor(self, items: list[Any]) -> Directive:
        return self._directive("endfor", items)

    def heredoc_template(self, items: list[Any]) -> Expr:
        return _heredoc(items[0], trim=False)

    def heredoc_template_trim(self, items: list[Any]) -> Expr:
        return _heredoc(items[0], trim=True)

    # --- expressions -------------------------------------------------------------------------
    def expr_term(self, items: list[Any]) -> Expr:
        if len(items) == 1:  # the common case, by far: no parentheses
            only: Expr = items[0]
            return only
        exprs = _exprs(items)
        if str(items[0]) == "(":
            return Paren(exprs[0], *_pos(items))
        expr: Expr = exprs[0]
        return expr

    def tuple(self, items: list[Any]) -> TupleExpr:
        return TupleExpr(builtins.tuple(_exprs(items)), *_pos(items))

    def object(self, items: list[Any]) -> ObjectExpr:
        elems = builtins.tuple(item for item in items if isinstance(item, ObjectItem))
        return ObjectExpr(elems, *_pos(items))

    def object_elem(self, items: list[Any]) -> ObjectItem:
        key, value = items[0], items[-1]
        return ObjectItem(key, value, *_pos([key]))

    def object_elem_key(self, items: list[Any]) -> Expr:
        expr: Expr = items[0]
        return expr

    def function_call(self, items: list[Any]) -> Call:
        names = [item.name for item in items if isinstance(item, Variable)]
        args: builtins.tuple[Expr, ...] = next(
            (item for item in items if isinstance(item, builtins.tuple)), ()
        )
        return Call(
            "::".join(names) if len(names) == 1 else _provider_fn(names), args, *_pos(items)
        )

    def arguments(self, items: list[Any]) -> builtins.tuple[Expr, ...]:
        return builtins.tuple(_exprs(items))

    def conditional(self, items: list[Any]) -> Operation:
        return Operation("?:", tuple(_exprs(items)), *_pos(items))

    def binary_op(self, items: list[Any]) -> Operation:
        left = items[0]
        op, right = items[1]
        return Operation(op, (left, right), *_pos([left]))

    def binary_term(self, items: list[Any]) -> builtins.tuple[str, Expr]:
        exprs = _exprs(items)
        return str(items[0]), exprs[-1]

    def binary_operator(self, items: list[Any]) -> str:
        return str(items[0]).strip()

    def unary_op(self, items: list[Any]) -> Operation:
        return Operation(str(items[0]).strip(), tuple(_exprs(items)), *_pos(items))

    def _traverse(self, items: list[Any], steps: list[Step]) -> Traversal:
        source = items[0]
        if isinstance(source, Traversal):
            return Traversal(
                source.source, source.steps + builtins.tuple(steps), source.line, source.column
            )
        return Traversal(source, builtins.tuple(steps), *_pos([source]))

    def index_expr_term(self, items: list[Any]) -> Traversal:
        return self._traverse(items, [items[1]])

    def get_attr_expr_term(self, items: list[Any]) -> Traversal:
        return self._traverse(items, [items[1]])

    def attr_splat_expr_term(self, items: list[Any]) -> Traversal:
        return self._traverse(items, items[1])

    def full_splat_expr_term(self, items: list[Any]) -> Traversal:
        return self._traverse(items, items[1])

    def braces_index(self, items: list[Any]) -> Index:
        return Index(_exprs(items)[0], False, *_pos(items))

    def short_index(self, items: list[Any]) -> Index:
        number = items[1]
        return Index(Literal(int(str(number)), number.line, number.column), True, *_pos(items))

    def get_attr(self, items: list[Any]) -> GetAttr:
        return GetAttr(_name(items[1]), *_pos(items))

    def attr_splat(self, items: list[Any]) -> list[Step]:
        return [Splat(True, *_pos(items)), *items[1:]]

    def full_splat(self, items: list[Any]) -> list[Step]:
        return [Splat(False, *_pos(items)), *items[1:]]

    def for_intro(self, items: list[Any]) -> builtins.tuple[builtins.tuple[str, ...], Expr]:
        exprs = _exprs(items)
        return builtins.tuple(_name(item) for item in exprs[:-1]), exprs[-1]

    def for_cond(self, items: list[Any]) -> _Condition:
        return _Condition(_exprs(items)[0])

    def for_tuple_expr(self, items: list[Any]) -> ForExpr:
        return self._for(items, is_object=False)

    def for_object_expr(self, items: list[Any]) -> ForExpr:
        return self._for(items, is_object=True)

    def _for(self, items: list[Any], *, is_object: bool) -> ForExpr:
        intro = next(item for item in items if isinstance(item, builtins.tuple))
        condition = next((item.expr for item in items if isinstance(item, _Condition)), None)
        body = [
            item for item in _exprs(items) if not isinstance(item, (builtins.tuple, _Condition))
        ]
        key = body[0] if is_object else None
        return ForExpr(intro[0], intro[1], key, body[-1], condition, *_pos(items))


@dataclass(frozen=True, slots=True)
class _Condition:
    expr: Expr


def _provider_fn(names: list[str]) -> str:
    return "provider::" + "::".join(names[1:]) if names[0] == "provider" else "::".join(names)


def _heredoc(token: Any, *, trim: bool) -> Expr:
    """A heredoc's text; interpolations inside it are parsed so their references count."""
    text = str(token)
    match = _HEREDOC.match(text)
    header = match.end() if match else text.find("\n") + 1
    raw_lines = text[header:].rstrip("\r\n").split("\n")[:-1]
    raw = "\n".join(raw_lines) + ("\n" if raw_lines else "")
    line, column = token.line, token.column
    if "${" not in raw and "%{" not in raw:
        if trim:
            indents = [len(item) - len(item.lstrip()) for item in raw_lines if item.strip()]
            cut = min(indents, default=0)
            raw = "".join(item[cut:] + "\n" for item in raw_lines)
        return Literal(raw, line, column)
    body = raw
    # The heredoc body is a template: parse it as a quoted string (escaping what a quoted
    # string would treat specially), one line above the body so line numbers stay true.
    escaped = body.replace("\\", "\\\\").replace('"', '\\"')
    try:
        parsed = _parse_body(f'x = "\n{escaped}"\n', line)
    except Exception:
        return Literal(body, line, column)
    value = parsed[0].value if parsed and isinstance(parsed[0], Attribute) else None
    if isinstance(value, Template):
        return Template(value.parts, line, column)
    return Literal(body, line, column)


def _parse_body(text: str, line_offset: int) -> tuple[Attribute | Block, ...]:
    result: tuple[Attribute | Block, ...] = _parser().parse(text)
    return tuple(_shift(item, line_offset - 1) for item in result)


def _shift(node: Any, offset: int) -> Any:
    """``node`` with every line moved down by ``offset`` (heredoc bodies parsed on their own)."""
    import dataclasses

    if isinstance(node, tuple):
        return tuple(_shift(item, offset) for item in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if field.name in {"line", "end_line"}:
            changes[field.name] = value + offset
        elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
            changes[field.name] = _shift(value, offset)
    return dataclasses.replace(node, **changes)


class _Parser:
    def __init__(self) -> None:
        from lark import Lark

        from scaffolder.validation.terraform import tables

        self.comments: list[Comment] = []
        runtime: dict[str, Any] = {
            "postlex": _post_lexer(self.comments),
            "transformer": _Builder(self.comments),
        }
        loaded = tables.load(tables.shipped(), **runtime)
        self._lark = loaded or Lark.open(
            str(tables.grammar_path()), parser="lalr", propagate_positions=False, **runtime
        )

    def parse(self, text: str) -> Any:
        return self._lark.parse(text)


@functools.lru_cache(maxsize=1)
def _parser() -> _Parser:
    return _Parser()


def parse(text: str, path: str) -> HclFile:
    """Parse Terraform source ``text`` (from ``path``) into the view.

    Raises:
        HclSyntaxError: The text is not valid HCL; the position is inside ``text``.
    """
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    parser = _parser()
    parser.comments.clear()
    text = text.removeprefix("\ufeff")
    lines = text.count("\n") + 1
    try:
        body = parser.parse(_without_strip_markers(text) + "\n")
    except UnexpectedToken as error:
        token = error.token
        # The contextual lexer may swallow the rest of the line into one odd token, so only
        # its first line (or its first character, for a line break) says what went wrong.
        raw = str(token)
        first = raw.split("\n", 1)[0].strip()
        if token.type == "$END":
            if (unclosed := _unclosed_block(text)) is not None:
                raise _located(unclosed[2], unclosed[0], unclosed[1], text) from None
            shown = "end of file"
        elif raw[:1] in {"\n", "\r"} or not first:
            shown = "end of line"
        else:
            shown = f"`{first[:30]}`" if first.isprintable() else repr(first[:30])
        if {"NAME", "DBLQUOTE", "INT_LITERAL"} <= set(error.expected or ()):
            shown += ", expected an expression"
        raise _located(f"unexpected {shown}", error.line, error.column, text) from None
    except UnexpectedCharacters as error:
        index = error.pos_in_stream or 0
        char = text[index] if 0 <= index < len(text) else ""
        raise _located(f"unexpected character `{char}`", error.line, error.column, text) from None
    except UnexpectedEOF:
        if (unclosed := _unclosed_block(text)) is not None:
            raise _located(unclosed[2], unclosed[0], unclosed[1], text) from None
        raise _located("unexpected end of file", lines, 1, text) from None
    except (LarkError, RecursionError, ValueError, IndexError, StopIteration) as error:
        raise _located(f"cannot parse: {type(error).__name__}", 1, 1, text) from None
    return HclFile(path, body, tuple(parser.comments))


_HEREDOC_START = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\s*$")
_BLOCK_HEADER = re.compile(r'\s*[A-Za-z_][\w-]*(\s+("[^"]*"|[A-Za-z_][\w-]*))*\s*$')


def _unclosed_block(text: str) -> tuple[int, int, str] | None:
    """The block whose `{` is never closed, as terraform names it: line, column, message.

    A scan of brackets outside strings, comments and heredocs; python-hcl2's parser only says
    the file ended. None when the file ends for another reason.
    """
    stack: list[tuple[str, int, int]] = []
    lines = text.split("\n")
    heredoc: str | None = None
    in_comment = False
    for number, line in enumerate(lines, start=1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        index, quoted = 0, False
        while index < len(line):
            char, pair = line[index], line[index : index + 2]
            if in_comment:
                if pair == "*/":
                    in_comment, index = False, index + 1
            elif quoted:
                if char == "\\":
                    index += 1
                elif char == '"':
                    quoted = False
            elif pair == "/*":
                in_comment, index = True, index + 1
            elif char == "#" or pair == "//":
                break
            elif char == '"':
                quoted = True
            elif (match := _HEREDOC_START.match(line, index)) is not None:
                heredoc = match[1]
                break
            elif char in "{[(":
                stack.append((char, number, index + 1))
            elif char in "}])" and stack:
                stack.pop()
            index += 1
    # An unclosed `[` or `(` is the nearer mistake, and the parser's own message says it.
    if not stack or any(char != "{" for char, _, _ in stack):
        return None
    opened = stack[0]
    _, number, column = opened
    header = lines[number - 1][: column - 1]
    if not _BLOCK_HEADER.fullmatch(header):
        return None
    return (
        number,
        column,
        f"unclosed block `{' '.join(header.split())}`: no closing brace before the end of the "
        "file (or braces are mismatched inside it)",
    )


def _without_strip_markers(text: str) -> str:
    """``${~ x ~}`` as ``${  x  }``: python-hcl2's grammar has no strip markers on interpolations.

    Whitespace stripping changes no reference, and a same-length replacement keeps every
    line and column where it was.
    """
    if "~}" not in text and "${~" not in text:
        return text
    return text.replace("${~", "${ ").replace("~}", " }")


def _located(message: str, line: int, column: int, text: str) -> HclSyntaxError:
    lines = text.split("\n")
    if line < 1 or line > len(lines):
        line = len(lines) if text.endswith("\n") is False else max(len(lines) - 1, 1)
        column = 1
    line = max(line, 1)
    return HclSyntaxError(message, line, max(column, 1))
