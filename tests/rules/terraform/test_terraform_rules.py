"""Table tests for every Terraform rule: an inline snippet that fires and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.validation import validate
from scaffolder.validation.domain import rules_of
from scaffolder.validation.terraform import DOMAIN

from ...conftest import build_tree

RULES = rules_of(DOMAIN)

HEADER = 'terraform {\n  required_version = ">= 1.10"\n}\n'

# rule -> (files, [(path, line, column, message)]) for snippets that must fire exactly so.
FIRING: list[tuple[str, dict[str, str], list[tuple[str, int, int, str]]]] = [
    (
        "TF001",
        {"main.tf": 'resource "a" "b" {\n  x = \n}\n'},
        [("main.tf", 2, 7, "unexpected end of line, expected an expression: `x =`")],
    ),
    ("TF001", {"main.tf": "locals {\n  a = [1,\n"}, [("main.tf", 3, 1, "unexpected end of file")]),
    ("TF002", {"main.tf": "\udcff"}, [("main.tf", 1, 1, "cannot read: not UTF-8 text")]),
    (
        "TF003",
        {"main.tf": HEADER + '# scaffolder:ignore TF210\nvariable "a" {}\n'},
        [("main.tf", 4, 1, "`scaffolder:ignore TF210` gives no reason")],
    ),
    (
        "TF101",
        {"main.tf": 'output "o" {\n  value = var.missing\n}\n'},
        [("main.tf", 2, 11, "reference to undeclared input variable `var.missing`")],
    ),
    (
        "TF102",
        {"main.tf": 'output "o" {\n  value = "${local.nope}-x"\n}\n'},
        [("main.tf", 2, 14, "reference to undeclared local value `local.nope`")],
    ),
    (
        "TF103",
        {"main.tf": 'output "o" {\n  value = aws_instance.web[0].id\n}\n'},
        [("main.tf", 2, 11, "reference to undeclared resource `aws_instance.web`")],
    ),
    (
        "TF104",
        {"main.tf": 'output "o" {\n  value = data.aws_region.current.name\n}\n'},
        [("main.tf", 2, 11, "reference to undeclared data source `data.aws_region.current`")],
    ),
    (
        "TF105",
        {"main.tf": 'output "o" {\n  value = module.net.id\n}\n'},
        [("main.tf", 2, 11, "reference to undeclared module call `module.net`")],
    ),
    (
        "TF106",
        {
            "main.tf": 'module "net" {\n  source = "./net"\n}\noutput "o" {\n  value = module.net.vpc\n}\n',
            "net/outputs.tf": 'output "vpc_id" {\n  value = 1\n}\n',
        },
        [("main.tf", 5, 21, "module `net` (./net) has no output `vpc`")],
    ),
    (
        "TF107",
        {
            "main.tf": 'module "net" {\n  source = "./net"\n}\n',
            "net/variables.tf": 'variable "cidr" {\n  type = string\n}\nvariable "zones" {\n  type    = number\n  default = null\n}\n',
        },
        [("main.tf", 1, 1, "module `net` is missing required input `cidr`")],
    ),
    (
        "TF108",
        {
            "main.tf": 'module "net" {\n  source = "./net"\n  cidr   = "10.0.0.0/16"\n}\n',
            "net/variables.tf": 'variable "range" {\n  type    = string\n  default = ""\n}\n',
        },
        [("main.tf", 3, 3, "module `net` (./net) has no input variable `cidr`")],
    ),
    (
        "TF109",
        {"main.tf": 'module "net" {\n  source = "../nowhere"\n}\n'},
        [("main.tf", 1, 1, "module `net` source `../nowhere` is not a directory")],
    ),
    (
        "TF110",
        {
            "a.tf": 'variable "x" {\n  type = string\n}\n',
            "b.tf": 'variable "x" {\n  type = string\n}\nprovider "aws" {}\nprovider "aws" {}\n',
        },
        [
            ("b.tf", 1, 1, "duplicate variable `var.x`; first declared at a.tf:1"),
            (
                "b.tf",
                5,
                1,
                "duplicate provider configuration `provider.aws`; first declared at b.tf:4",
            ),
        ],
    ),
    (
        "TF110",
        {"main.tf": 'terraform {\n  backend "s3" {}\n}\nterraform {\n  backend "gcs" {}\n}\n'},
        [("main.tf", 5, 3, "duplicate `backend` or `cloud` block; first at main.tf:2")],
    ),
    (
        "TF110",
        {"main.tf": "locals {\n  a = 1\n}\nlocals {\n  a = 2\n  b = 1\n  b = 2\n}\n"},
        [
            ("main.tf", 5, 3, "duplicate local value `local.a`; first declared at main.tf:2"),
            ("main.tf", 7, 3, "duplicate local value `local.b`; first declared at main.tf:6"),
        ],
    ),
    (
        "TF111",
        {"main.tf": 'resource "a" "b" {\n  x = 1\n  nested {\n    y = 1\n    y = 2\n  }\n}\n'},
        [("main.tf", 5, 5, "argument `y` is already set at line 4")],
    ),
    (
        "TF112",
        {"main.tf": 'resource "a" "b" {\n  count    = 1\n  for_each = {}\n}\n'},
        [("main.tf", 3, 3, "`resource.a.b` sets both `count` and `for_each`")],
    ),
    (
        "TF113",
        {"main.tf": 'resource "a" "b" {\n  name = "n-${count.index}"\n}\n'},
        [("main.tf", 2, 15, "`count.index` in `resource.a.b`, which does not set `count`")],
    ),
    (
        "TF114",
        {"main.tf": 'resource "a" "b" {\n  name = each.key\n}\n'},
        [("main.tf", 2, 10, "`each.key` in `resource.a.b`, which does not set `for_each`")],
    ),
    (
        # cloud-foundation-fabric: one mistake on one line is one finding.
        "TF114",
        {
            "main.tf": 'resource "a" "b" {\n  name = lookup(var.m, each.value.k, each.value.k)\n'
            "  id = each.value.id\n}\n"
        },
        [
            ("main.tf", 2, 24, "`each.value` in `resource.a.b`, which does not set `for_each`"),
            ("main.tf", 3, 8, "`each.value` in `resource.a.b`, which does not set `for_each`"),
        ],
    ),
    (
        "TF115",
        {"main.tf": 'resource "a" "b" {\n  name = self.id\n}\n'},
        [
            (
                "main.tf",
                2,
                10,
                "`self` in `resource.a.b` outside a provisioner, connection or postcondition",
            )
        ],
    ),
    (
        "TF116",
        {
            "main.tf": 'resource "a" {\n}\nvariable "count" {\n  type = number\n}\nfoo {}\nvariable "9lives" {}\n'
        },
        [
            ("main.tf", 1, 1, "`resource` block takes 2 labels, found 1"),
            ("main.tf", 3, 10, "variable name `count` is reserved for module calls"),
            ("main.tf", 6, 1, "unknown block type `foo`"),
            ("main.tf", 7, 10, "invalid name `9lives` in `variable` block"),
        ],
    ),
    (
        "TF117",
        {
            "main.tf": 'variable "n" {\n  type    = number\n  default = "three"\n}\n'
            'variable "o" {\n  type    = object({ a = string, b = optional(number) })\n  default = { b = 1 }\n}\n'
        },
        [
            (
                "main.tf",
                3,
                3,
                "default of `var.n` does not match its type: string cannot convert to number",
            ),
            (
                "main.tf",
                7,
                3,
                "default of `var.o` does not match its type: required attribute `a` is missing",
            ),
        ],
    ),
    (
        "TF118",
        {
            "main.tf": 'terraform {\n  required_version = ">= one"\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 6.0,"\n    }\n  }\n}\n'
        },
        [
            ("main.tf", 2, 22, "malformed version constraint for `required_version`: `>= one`"),
            ("main.tf", 6, 17, "malformed version constraint for `aws version`: `` is not"),
        ],
    ),
    (
        "TF201",
        {"main.tf": 'resource "a" "b" {\n  name = "${var.x}"\n}\n'},
        [("main.tf", 2, 10, "interpolation-only expressions are deprecated")],
    ),
    (
        "TF202",
        {"main.tf": 'output "o" {\n  value = [a.b.0.id, a.b.*.id]\n}\n'},
        [
            ("main.tf", 2, 15, "legacy `.N` index; use `[N]`"),
            ("main.tf", 2, 25, "legacy `.*` splat; use `[*]`"),
        ],
    ),
    (
        "TF203",
        {"main.tf": 'output "o" {\n  value = lookup(var.m, "k")\n}\n'},
        [("main.tf", 2, 11, "`lookup` with two arguments is deprecated")],
    ),
    (
        "TF204",
        {"main.tf": 'output "o" {\n  value = var.l == []\n}\n'},
        [("main.tf", 2, 11, "comparing with `[]` is always false for lists; use `length(…) == 0`")],
    ),
    (
        "TF204",
        {"main.tf": 'output "o" {\n  value = var.l != []\n}\n'},
        [("main.tf", 2, 11, "comparing with `[]` is always true for lists; use `length(…) != 0`")],
    ),
    (
        "TF205",
        {"main.tf": 'locals {\n  m = {\n    a = 1\n    "a" = 2\n  }\n}\n'},
        [("main.tf", 4, 5, "duplicate key `a`; the value at line 3 is overwritten")],
    ),
    (
        "TF206",
        {
            "main.tf": 'module "a" {\n  source = "git::https://example.com/a.git"\n}\n'
            'module "b" {\n  source = "github.com/org/b?ref=main"\n}\n'
        },
        [
            ("main.tf", 2, 3, "module `a` source is not pinned"),
            ("main.tf", 5, 3, "module `b` is pinned to branch `main`"),
        ],
    ),
    (
        "TF207",
        {"main.tf": 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'},
        [
            (
                "main.tf",
                1,
                1,
                "registry module `vpc` (terraform-aws-modules/vpc/aws) has no `version`",
            )
        ],
    ),
    (
        "TF208",
        {
            "main.tf": 'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\nresource "random_id" "x" {}\nresource "aws_vpc" "x" {}\n'
        },
        [
            ("main.tf", 3, 5, "provider `aws` in `required_providers` has no `version`"),
            ("main.tf", 8, 1, "provider `random` is not in `required_providers`"),
        ],
    ),
    (
        "TF209",
        {"main.tf": 'provider "aws" {}\n'},
        [("main.tf", 1, 1, "module does not set `required_version` in a `terraform` block")],
    ),
    (
        "TF210",
        {"main.tf": 'variable "x" {\n  default = 1\n}\n'},
        [("main.tf", 1, 1, "variable `x` has no `type`")],
    ),
    (
        "TF211",
        {"main.tf": 'variable "x" {\n  type = string\n}\nlocals {\n  y = 1\n}\ndata "a" "b" {}\n'},
        [
            ("main.tf", 1, 1, "variable `x` is declared but not used"),
            ("main.tf", 5, 3, "local value `y` is declared but not used"),
            ("main.tf", 7, 1, "data source `data.a.b` is declared but not used"),
        ],
    ),
    (
        "TF301",
        {"main.tf": 'variable "x" {\n  type = string\n}\n'},
        [("main.tf", 1, 1, "variable `x` has no description")],
    ),
    (
        "TF302",
        {"main.tf": 'output "x" {\n  value = 1\n}\n'},
        [("main.tf", 1, 1, "output `x` has no description")],
    ),
    (
        "TF303",
        {"main.tf": 'resource "aws_vpc" "MainVpc" {}\n'},
        [("main.tf", 1, 20, "resource name `MainVpc` is not snake_case")],
    ),
    (
        "TF304",
        {"main.tf": "", "outputs.tf": "", "vars.tf": 'variable "x" {\n  type = string\n}\n'},
        [("main.tf", 1, 1, "module has no `variables.tf`")],
    ),
    (
        "TF305",
        {
            "main.tf": 'terraform {\n  required_providers {\n    null = {\n      source  = "hashicorp/null"\n      version = "~> 3.2"\n    }\n  }\n}\n'
        },
        [("main.tf", 3, 5, "provider `null` is required but no resource")],
    ),
    (
        "TF306",
        {"main.tf": "// hello\nlocals {}\n"},
        [("main.tf", 1, 1, "`//` comment; Terraform style is `#`")],
    ),
]

# Snippets the rule must stay quiet on: the near misses of the firing cases.
QUIET: list[tuple[str, dict[str, str]]] = [
    ("TF001", {"main.tf": "locals {\n  a = [1,\n  ]\n}\n"}),
    (
        "TF003",
        {
            "main.tf": HEADER
            + '# scaffolder:ignore TF210 passed through verbatim\nvariable "a" {}\n'
        },
    ),
    ("TF101", {"main.tf": 'variable "x" {}\noutput "o" {\n  value = var.x\n}\n'}),
    (
        "TF101",
        {"v.tf.json": '{"variable": {"x": {}}}', "main.tf": 'output "o" {\n  value = var.x\n}\n'},
    ),
    (
        "TF103",
        {
            "main.tf": 'resource "a" "b" {\n  dynamic "rule" {\n    for_each = var.rules\n    iterator = r\n    content {\n      port = r.value.port\n    }\n  }\n  dynamic "tag" {\n    for_each = {}\n    content {\n      k = tag.key\n    }\n  }\n}\n'
            'output "o" {\n  value = [for s in a.b : s.id]\n}\n'
            'output "t" {\n  value = "%{for s in var.l}${s.name}%{endfor}"\n}\n'
        },
    ),
    (
        "TF103",
        {
            "main.tf": 'moved {\n  from = a.old\n  to   = a.new\n}\nresource "a" "new" {}\n'
            "removed {\n  from = a.gone\n}\n"
        },
    ),
    (
        "TF103",
        {
            "main.tf": 'resource "a" "b" {\n  provider = aws.west\n  lifecycle {\n    ignore_changes = [tags]\n  }\n}\n'
            'module "m" {\n  source = "./m"\n  providers = {\n    aws = aws.west\n  }\n}\n',
            "m/main.tf": "",
        },
    ),
    (
        "TF104",
        {
            "main.tf": 'check "health" {\n  data "http" "site" {\n    url = "https://example.com"\n  }\n  assert {\n    condition     = data.http.site.status_code == 200\n    error_message = "down"\n  }\n}\n'
        },
    ),
    (
        "TF106",
        {
            "main.tf": 'module "net" {\n  source = "./net"\n  count  = 1\n}\noutput "o" {\n  value = module.net[0].vpc_id\n}\n',
            "net/outputs.tf": 'output "vpc_id" {\n  value = 1\n}\n',
        },
    ),
    (
        # cloud-foundation-fabric: terraform validate lets try() catch a missing output.
        "TF106",
        {
            "main.tf": 'module "sa" {\n  source = "./sa"\n}\nlocals {\n  e = try(module.sa.emails["x"], null)\n  f = can(module.sa.ids)\n}\n',
            "sa/outputs.tf": 'output "email" {\n  value = 1\n}\n',
        },
    ),
    (
        "TF107",
        {
            "main.tf": 'module "net" {\n  source = "./net"\n  cidr   = "10.0.0.0/16"\n}\n',
            "net/variables.tf": 'variable "cidr" {\n  type = string\n}\nvariable "zones" {\n  type    = number\n  default = null\n}\n',
        },
    ),
    (
        "TF110",
        {
            "a.tf": 'variable "x" {}\n',
            "a_override.tf": 'variable "x" {}\n',
            "p.tf": 'provider "aws" {}\nprovider "aws" {\n  alias = "west"\n}\n',
        },
    ),
    ("TF111", {"main.tf": "locals {\n  a = 1\n  a = 2\n}\n"}),
    ("TF113", {"main.tf": 'resource "a" "b" {\n  count = 2\n  name  = "n-${count.index}"\n}\n'}),
    (
        "TF114",
        {
            "main.tf": 'resource "a" "b" {\n  for_each = toset(["x"])\n  name     = each.key\n  dynamic "d" {\n    for_each = each.value\n    content {\n      v = d.value\n    }\n  }\n}\n'
        },
    ),
    (
        "TF115",
        {
            "main.tf": 'resource "a" "b" {\n  provisioner "local-exec" {\n    command = "echo ${self.id}"\n    connection {\n      host = self.ip\n    }\n  }\n  lifecycle {\n    postcondition {\n      condition     = self.id != ""\n      error_message = "x"\n    }\n  }\n}\n'
        },
    ),
    (
        "TF116",
        {
            "main.tf": 'resource "a" "b-c_1" {}\ncheck "c" {}\nimport {\n  to = a.b-c_1\n  id = "x"\n}\nephemeral "random_password" "p" {}\n'
        },
    ),
    (
        "TF117",
        {
            "main.tf": 'variable "n" {\n  type    = number\n  default = "3"\n}\nvariable "s" {\n  type    = string\n  default = 3\n}\n'
            'variable "o" {\n  type = map(object({ a = string, b = optional(list(number), []) }))\n  default = { x = { a = "1" } }\n}\n'
            'variable "z" {\n  type    = list(string)\n  default = null\n}\n'
        },
    ),
    (
        "TF118",
        {
            "main.tf": 'terraform {\n  required_version = ">= 1.10, < 2.0.0"\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 6.0"\n    }\n  }\n}\n'
        },
    ),
    (
        "TF201",
        {
            "main.tf": 'resource "a" "b" {\n  name = "${var.x}-suffix"\n  tags = "%{if var.y}a%{endif}"\n}\n'
        },
    ),
    ("TF202", {"main.tf": 'output "o" {\n  value = [a.b[0].id, a.b[*].id]\n}\n'}),
    ("TF203", {"main.tf": 'output "o" {\n  value = lookup(var.m, "k", "d")\n}\n'}),
    (
        "TF205",
        {"main.tf": "locals {\n  m = {\n    a = 1\n    b = 2\n  }\n  n = {\n    a = 1\n  }\n}\n"},
    ),
    (
        "TF206",
        {"main.tf": 'module "a" {\n  source = "git::https://example.com/a.git?ref=v1.2.0"\n}\n'},
    ),
    (
        "TF207",
        {
            "main.tf": 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "~> 5.0"\n}\nmodule "l" {\n  source = "./l"\n}\n',
            "l/main.tf": "",
        },
    ),
    (
        "TF208",
        {
            "main.tf": 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 6.0"\n    }\n  }\n}\nresource "aws_vpc" "x" {}\nresource "terraform_data" "y" {}\n'
        },
    ),
    ("TF209", {"versions.tf": HEADER, "main.tf": 'provider "aws" {}\n'}),
    (
        "TF211",
        {
            "main.tf": 'variable "x" {\n  type = string\n}\nlocals {\n  y = <<-EOT\n    ${var.x}\n  EOT\n}\noutput "o" {\n  value = local.y\n}\n'
        },
    ),
    ("TF303", {"main.tf": 'resource "aws_vpc" "main_vpc" {}\n'}),
    ("TF306", {"main.tf": "# hello\n/* block */\nlocals {}\n"}),
]


def _findings(tmp_path: Path, rule: str, files: dict[str, str]) -> list[tuple[str, int, int, str]]:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if "\udcff" in text:
            path.write_bytes(b'locals {\n  a = "\xff\xfe"\n}\n')
        else:
            path.write_text(text, encoding="utf-8")
    report = validate([tmp_path], select=[rule], cache=False, jobs=1)
    assert {finding.rule for finding in report.findings} <= {rule}
    return [(f.path, f.line, f.column, f.message) for f in report.findings]


@pytest.mark.parametrize(
    ("rule", "files", "expected"), FIRING, ids=[f"{c[0]}-{i}" for i, c in enumerate(FIRING)]
)
def test_rule_fires_with_exact_position_and_message(
    tmp_path: Path, rule: str, files: dict[str, str], expected: list[tuple[str, int, int, str]]
) -> None:
    found = _findings(tmp_path, rule, files)
    assert len(found) == len(expected), found
    for (path, line, column, message), (want_path, want_line, want_column, want) in zip(
        sorted(found), sorted(expected), strict=True
    ):
        assert (path, line, column) == (want_path, want_line, want_column), (found, expected)
        assert want in message, (message, want)


@pytest.mark.parametrize(("rule", "files"), QUIET, ids=[f"{c[0]}-{i}" for i, c in enumerate(QUIET)])
def test_rule_stays_quiet_on_the_near_miss(
    tmp_path: Path, rule: str, files: dict[str, str]
) -> None:
    assert _findings(tmp_path, rule, files) == []


def test_every_terraform_rule_has_a_firing_case() -> None:
    assert {rule.id for rule in RULES} == {case[0] for case in FIRING}


def test_suppression_above_a_block_covers_findings_inside_it(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "main.tf": HEADER
            + (
                "# scaffolder:ignore TF101 the variable comes from a generated file\n"
                'resource "a" "b" {\n  name = var.generated\n}\n'
                'output "o" {\n  value = var.other\n}\n'
            )
        },
    )
    report = validate([tmp_path], select=["TF101"], cache=False, jobs=1)
    assert [(f.line, f.message) for f in report.findings] == [
        (9, "reference to undeclared input variable `var.other`")
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Regressions from public repositories: addresses, not references; each passes
        # `terraform validate`.
        "moved {\n  from = aws_s3_bucket.old\n  to   = aws_s3_bucket.gone_too\n}\n",
        "moved {\n  from = module.old[0]\n  to   = module.old\n}\n",
        "moved {\n  from = aws_iam_role.a\n  to   = module.child.module.x.aws_iam_role.a\n}\n",
        'import {\n  to = module.m.aws_s3_bucket.res["k"]\n  id = "bucket"\n}\n',
    ],
)
def test_refactoring_blocks_name_addresses_not_references(tmp_path: Path, text: str) -> None:
    report = validate(
        [build_tree(tmp_path, {"main.tf": HEADER + text})],
        select=["TF101", "TF102", "TF103", "TF104", "TF105"],
        cache=False,
    )
    assert report.findings == ()


def test_an_import_id_is_still_an_expression(tmp_path: Path) -> None:
    text = (
        'import {\n  to = aws_s3_bucket.b\n  id = var.missing\n}\nresource "aws_s3_bucket" "b" {}\n'
    )
    report = validate(
        [build_tree(tmp_path, {"main.tf": HEADER + text})], select=["TF101"], cache=False
    )
    assert [(f.rule, f.line) for f in report.findings] == [("TF101", 6)]


def test_the_explicit_resource_prefix_is_a_reference_to_the_resource(tmp_path: Path) -> None:
    # Regression: `resource.terraform_data.a` was read as a resource of type `resource`.
    text = (
        'resource "terraform_data" "a" {}\n'
        'output "a" {\n  value = resource.terraform_data.a.id\n}\n'
        'output "b" {\n  value = resource.terraform_data.missing.id\n}\n'
    )
    report = validate(
        [build_tree(tmp_path, {"main.tf": HEADER + text})], select=["TF103"], cache=False
    )
    assert [(f.line, f.message) for f in report.findings] == [
        (9, "reference to undeclared resource `terraform_data.missing`")
    ]
