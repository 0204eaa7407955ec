"""The adapter parses the HCL that real modules contain, and reports what it cannot parse."""

from __future__ import annotations

import pytest

from scaffolder.validation.terraform.hcl import HclSyntaxError, parse
from scaffolder.validation.terraform.syntax import Template, Traversal, Variable

VALID = {
    "escaped-dollar": 'locals {\n  foo = "$${aws:username}"\n}\n',
    "empty-heredoc": "locals {\n  bar = <<EOF\nEOF\n}\n",
    "trailing-commas": 'locals {\n  ids = sort(\n    split(\n      ",",\n      replace("a,b", "a", "z",),\n    ),\n  )\n}\n',
    "strip-markers": 'locals {\n  a = "${~ var.x ~}"\n  b = "%{~ if var.x ~}y%{~ endif ~}"\n}\n',
    "comments-in-list": "locals {\n  a = [\n    1, # one\n    # two\n    2,\n  ]\n}\n",
    "multi-line-conditional": "locals {\n  a = (\n    var.x\n    ? 1\n    : 2\n  )\n  b = var.x ? {\n    a = 1\n  } : {}\n}\n",
    "expansion": "locals {\n  a = max(var.list...)\n}\n",
    "crlf": "locals {\r\n  a = 1\r\n  b = <<EOT\r\nhi\r\nEOT\r\n}\r\n",
    "byte-order-mark": "\ufefflocals {\n  a = 1\n}\n",
    "nested-quotes": 'locals {\n  a = "${join(",", [for s in var.l : "\\"${s}\\""])}"\n}\n',
    "object-colons": 'locals {\n  a = { "k": 1, b: 2 }\n}\n',
    "grouping-for": "locals {\n  a = { for k, v in var.m : v => k... }\n}\n",
    "keyword-arguments": 'resource "a" "b" {\n  in  = 1\n  for = 2\n  if  = 3\n}\n',
    "one-line-block": 'resource "a" "b" { x = 1 }\n',
    "heredoc-in-call": "locals {\n  a = jsonencode(yamldecode(<<-YAML\n    a: ${var.x}\n  YAML\n  ))\n}\n",
    "percent-signs": 'locals {\n  a = "100%"\n  c = format("%02d", 1)\n}\n',
    "scientific": "locals {\n  a = 1e3\n  b = 1.5e-3\n}\n",
    "computed-keys": 'locals {\n  a = { (var.k) = 1, "${var.j}" = 2 }\n}\n',
    "unicode": 'locals {\n  name = "héllo ✓"\n}\n',
    "block-comments": "/* a */\nlocals {\n  a = 1 /* inline */\n}\n",
    "empty-file": "",
    # From cloud-foundation-fabric: HCL ignores line breaks inside brackets.
    "newline-before-attribute": "locals {\n  a = try(\n    var.v # the map\n    .b\n    .c,\n    null)\n  b = [for x in var.l : x\n  .name]\n}\n",
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_hcl_parses(text: str) -> None:
    parse(text, "main.tf")


def test_newline_before_attribute_keeps_positions_and_comments() -> None:
    parsed = parse(VALID["newline-before-attribute"], "main.tf")
    value = parsed.body[0].body[0].value
    traversal = value.args[0]
    assert isinstance(traversal, Traversal)
    assert [(step.name, step.line) for step in traversal.steps] == [("v", 3), ("b", 4), ("c", 5)]
    assert [(comment.text, comment.line) for comment in parsed.comments] == [("# the map", 3)]


def test_newline_before_attribute_outside_brackets_stays_an_error() -> None:
    with pytest.raises(HclSyntaxError):
        parse("locals {\n  a = var.v\n  .b\n}\n", "main.tf")


def test_heredoc_interpolations_keep_their_lines() -> None:
    hcl = parse("locals {\n  a = <<-EOT\n    one\n    two ${var.x}\n  EOT\n}\n", "main.tf")
    value = hcl.body[0].body[0].value  # type: ignore[union-attr]
    assert isinstance(value, Template)
    (ref,) = [part for part in value.parts if isinstance(part, Traversal)]
    assert isinstance(ref.source, Variable)
    assert (ref.source.name, ref.line, ref.column) == ("var", 4, 11)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        # As terraform says it: the block that is never closed, where it opens.
        ('resource "a" "b" {\n', 1, 18, 'unclosed block `resource "a" "b"`: no closing brace'),
        ('module "m" {\n  x = <<EOT\n}\nEOT\n  t = { a = "}" }\n', 1, 12, "unclosed block `module"),
        ("locals {\n  a = [1,\n", 3, 1, "unexpected end of file"),
        ("a = 1 = 2\n", 1, 6, "unexpected `="),
        ("x { a = [1, }\n", 1, 13, "unexpected `}`"),
        ("locals {\n  a = \x01\n}\n", 2, 7, "unexpected '\\x01', expected an expression"),
    ],
)
def test_syntax_errors_carry_a_position_inside_the_text(
    text: str, line: int, column: int, message: str
) -> None:
    with pytest.raises(HclSyntaxError) as caught:
        parse(text, "main.tf")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message
