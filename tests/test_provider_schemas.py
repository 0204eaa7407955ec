"""Generated Terraform against the provider releases its constraints allow, offline.

Every resource type, data source, argument and nested block of every Terraform root of every
cloud template, rendered with each value of each choice answer, must exist in the schema of
the newest release its constraint allows and in that of the lowest one where it can be had
(``tests/provider_schemas.py``):

- hashicorp/aws: cdktn-provider-aws 25.8.1 (aws 6.69.1) and cdktf-cdktf-provider-aws 21.0.0
  (aws 6.0.0, the lowest `>= 6.0` allows);
- hashicorp/google, hashicorp/google-beta: cdktn-provider-google(-beta) 20.3.1 (7.46.1). The
  lowest 7.x is not checked: no build of 7.0 exists (the oldest 7.x one, 19.0.0, is 7.31.0)
  and two versions of one distribution cannot be installed side by side;
- spacelift-io/spacelift: no package exists (neither cdktf nor cdktn ever built one); the
  provider's own tfplugindocs pages at v1.37.0 and v1.53.5, generated from its schema, are the
  facts in ``tests/fixtures/provider-facts/spacelift.json``.

And every constraint must be met by one of those named releases.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.generation import generate
from scaffolder.templates import list_templates

from . import provider_schemas as ps
from .conftest import build_tree, skip_or_fail

CLOUD_TEMPLATES = [t for t in list_templates() if t.platform is not None]
#: Each cloud template once per value of each choice answer (the first value is the default).
VARIANTS = [
    pytest.param(t.name, {key: value}, id=f"{t.name}-{key}={value}")
    for t in CLOUD_TEMPLATES
    for key, values in t.choices.items()
    for value in values
]
#: Sources whose lowest allowed release has no schema to be had here.
NO_LOWEST = {"hashicorp/google", "hashicorp/google-beta"}

Render = Callable[[str, dict[str, str]], Path]


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    cache: dict[tuple[str, tuple[tuple[str, str], ...]], Path] = {}

    def render(template: str, answers: dict[str, str]) -> Path:
        key = (template, tuple(sorted(answers.items())))
        if key not in cache:
            cache[key] = generate(template, tmp_path_factory.mktemp(template), answers=answers)
        return cache[key]

    return render


def _roots(project: Path) -> list[ps.Root]:
    directories = sorted({path.parent for path in project.rglob("*.tf")})
    return [ps.read_root(directory) for directory in directories]


def _schemas(roots: list[ps.Root], bound: str) -> dict[str, ps.ProviderSchema]:
    """The schema of each source the roots use, at the ``newest`` or ``lowest`` bound."""
    wanted = ps.wanted_types(roots)
    used = _used(roots) | set(wanted)
    packages = ps.PACKAGES if bound == "newest" else ps.LOWEST_PACKAGES
    try:
        schemas = {
            source: ps.load(source, package, wanted.get(source, frozenset()))
            for source, package in packages.items()
            if source in used
        }
    except importlib.metadata.PackageNotFoundError as error:
        skip_or_fail(
            f"provider schema package {error} missing; `make test` installs the test extra"
        )
    for source in ps.FACTS:
        if source in used:
            releases = ps.releases(source)
            schemas[source] = ps.load_facts(source, releases[-1 if bound == "newest" else 0])
    return schemas


def _used(roots: list[ps.Root]) -> set[str]:
    return {source for root in roots for source, _ in root.providers.values()}


@pytest.mark.parametrize(("template", "answers"), VARIANTS)
@pytest.mark.parametrize("bound", ["newest", "lowest"])
def test_generated_terraform_exists_in_the_provider_schema(
    render: Render, template: str, answers: dict[str, str], bound: str
) -> None:
    roots = _roots(render(template, answers))
    assert {root.directory.name for root in roots} == {"infra", "spacelift"}
    schemas = _schemas(roots, bound)
    problems: list[str] = []
    unchecked: set[str] = set()
    for root in roots:
        for local, (source, constraint) in root.providers.items():
            # A schema from a release the constraint excludes would prove nothing.
            if source in schemas and not ps.satisfies(schemas[source].version, constraint):
                problems.append(
                    f"{root.directory.name}: `{local}` `{constraint}` excludes "
                    f"{schemas[source].version} ({schemas[source].package}): pick another package"
                )
        found, missing = ps.check_root(root, schemas)
        problems += [str(problem) for problem in found]
        unchecked |= missing
    assert problems == []
    # Every source is checked, except google's lowest bound (see the module docstring).
    assert unchecked == (set() if bound == "newest" else _used(roots) & NO_LOWEST)


@pytest.mark.parametrize(("template", "answers"), VARIANTS)
def test_every_provider_constraint_is_met_by_a_named_release(
    render: Render, template: str, answers: dict[str, str]
) -> None:
    roots = _roots(render(template, answers))
    named: dict[str, set[str]] = {}
    for found in (*_schemas(roots, "newest").values(), *_schemas(roots, "lowest").values()):
        named.setdefault(found.source, set()).add(found.version)
    unmet = []
    for root in roots:
        for local, (source, constraint) in root.providers.items():
            releases = named.get(source, set())
            if not constraint or not any(ps.satisfies(r, constraint) for r in releases):
                unmet.append(
                    f"{root.directory.name}: `{local}` `{constraint}` ({sorted(releases)})"
                )
    assert unmet == []


AWS_VERSIONS = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}
"""
GOOD = """
resource "aws_eks_cluster" "this" {
  name     = "x"
  role_arn = "arn"
  count    = 1

  vpc_config {
    subnet_ids = []
  }

  dynamic "encryption_config" {
    for_each = []
    content {
      resources = ["secrets"]
      provider {
        key_arn = "k"
      }
    }
  }

  lifecycle {
    ignore_changes = [tags]
  }
}

resource "aws_security_group" "this" {
  name    = "x"
  ingress = []

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    actions = ["s3:GetObject"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

provider "aws" {
  region = "eu-west-1"
  alias  = "other"
  default_tags {
    tags = {}
  }
}
"""


def _check(tmp_path: Path, text: str) -> list[str]:
    root = ps.read_root(build_tree(tmp_path, {"versions.tf": AWS_VERSIONS, "main.tf": text}))
    schemas = _schemas([root], "newest")
    problems, unchecked = ps.check_root(root, schemas)
    assert unchecked == set()
    return [problem.message for problem in problems]


def test_a_correct_fixture_passes(tmp_path: Path) -> None:
    assert _check(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("broken", "line", "message"),
    [
        (
            '  name     = "x"',
            '  nmae     = "x"',
            "has no argument `nmae` in `aws_eks_cluster.this`",
        ),
        (
            "    subnet_ids = []",
            "    subnet_idz = []",
            "has no argument `subnet_idz` in `aws_eks_cluster.this.vpc_config`",
        ),
        (
            "  vpc_config {",
            "  vpc_configuration {",
            "has no block `vpc_configuration` in `aws_eks_cluster.this`",
        ),
        (
            '  dynamic "encryption_config" {',
            '  dynamic "encryption" {',
            "has no block `encryption` in `aws_eks_cluster.this`",
        ),
        (
            '        key_arn = "k"',
            '        key_id = "k"',
            "has no argument `key_id` in `aws_eks_cluster.this.encryption_config.provider`",
        ),
        (
            "    principals {",
            "    principal {",
            "has no block `principal` in `aws_iam_policy_document.this.statement`",
        ),
        (
            'resource "aws_eks_cluster" "this" {',
            'resource "aws_eks_clustr" "this" {',
            "has no resource type `aws_eks_clustr`",
        ),
        (
            'data "aws_iam_policy_document"',
            'data "aws_iam_policy_doc"',
            "has no data source `aws_iam_policy_doc`",
        ),
        (
            "    cidr_blocks = [",
            "    cidr_block = [",
            "has no argument `cidr_block` in `aws_security_group.this.egress`",
        ),
        (
            "  ingress = []",
            "  ingres = []",
            "has no argument `ingres` in `aws_security_group.this`",
        ),
        ("  default_tags {", "  default_tag {", "has no block `default_tag` in `aws`"),
        (
            '    actions = ["s3:GetObject"]',
            "    actions {\n    }",
            "`aws_iam_policy_document.this.statement.actions` is an argument in hashicorp/aws",
        ),
        (
            "  vpc_config {\n    subnet_ids = []\n  }",
            "  vpc_config = {}",
            "`aws_eks_cluster.this.vpc_config` is a block in hashicorp/aws",
        ),
    ],
    ids=lambda value: value.split("`")[1] if "`" in value else None,
)
def test_a_broken_fixture_fails(tmp_path: Path, broken: str, line: str, message: str) -> None:
    assert broken in GOOD
    found = _check(tmp_path, GOOD.replace(broken, line, 1))
    assert len(found) == 1, found
    assert message in found[0]


def test_an_argument_newer_than_the_lowest_allowed_release_fails(tmp_path: Path) -> None:
    """An argument added after 6.0.0 passes against the newest 6.x and fails against 6.0.0."""
    root = ps.read_root(build_tree(tmp_path, {"versions.tf": AWS_VERSIONS, "main.tf": GOOD}))
    newest = _schemas([root], "newest")
    lowest = _schemas([root], "lowest")
    cluster = "aws_eks_cluster"
    added = sorted(
        newest["hashicorp/aws"].resources[cluster].attributes
        - lowest["hashicorp/aws"].resources[cluster].attributes
    )
    assert added, f"{cluster} gained no argument between 6.0.0 and the newest 6.x"
    text = GOOD.replace('  name     = "x"', f'  name     = "x"\n  {added[0]} = null', 1)
    root = ps.read_root(build_tree(tmp_path, {"main.tf": text}))
    assert ps.check_root(root, newest)[0] == []
    assert [problem.message for problem in ps.check_root(root, lowest)[0]] == [
        f"hashicorp/aws 6.0.0 has no argument `{added[0]}` in `{cluster}.this`"
    ]


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        ("6.69.1", ">= 6.0, < 7.0", True),
        ("7.0.0", ">= 6.0, < 7.0", False),
        ("1.53.5", "~> 1.55", False),
        ("1.55.0", "~> 1.55", True),
        ("1.99.0", "~> 1.55", True),
        ("2.0.0", "~> 1.55", False),
        ("1.55.3", "~> 1.55.2", True),
        ("1.56.0", "~> 1.55.2", False),
        ("6.0.0", "6.0.0", True),
        ("6.0.1", "= 6.0.0", False),
        ("6.0.1", "!= 6.0.0", True),
        ("5.9", "> 5.9.0", False),
    ],
)
def test_terraform_version_constraints(version: str, constraint: str, expected: bool) -> None:
    assert ps.satisfies(version, constraint) is expected


def test_a_constraint_no_named_release_meets_is_reported() -> None:
    """The constraint issue 11 found, `~> 1.55`, is met by no spacelift release named here."""
    named = ps.releases("spacelift-io/spacelift")
    assert named == ["1.37.0", "1.53.5"]
    assert not any(ps.satisfies(release, "~> 1.55") for release in named)
    with pytest.raises(ValueError, match="not a version constraint: `>= six`"):
        ps.satisfies("1.0.0", ">= six")


SPACELIFT = """
terraform {
  required_providers {
    spacelift = {
      source  = "spacelift-io/spacelift"
      version = ">= 1.37, < 2.0"
    }
  }
}

resource "spacelift_stack" "k8s" {
  name         = "k8s"
  repository   = "r"
  branch       = "main"
  project_root = "k8s"

  kubernetes {
    namespace = "app"
  }
}

resource "spacelift_role_attachment" "this" {
  role_id  = "r"
  stack_id = spacelift_stack.k8s.id
  space_id = "root"
}
"""


@pytest.mark.parametrize(
    ("broken", "line", "release", "message"),
    [
        (None, None, "1.53.5", None),
        (
            '  project_root = "k8s"',
            '  project_rot = "k8s"',
            "1.53.5",
            "has no argument `project_rot` in `spacelift_stack.k8s`",
        ),
        (
            '    namespace = "app"',
            '    namespaces = "app"',
            "1.53.5",
            "has no argument `namespaces` in `spacelift_stack.k8s.kubernetes`",
        ),
        (
            "  kubernetes {",
            "  kubernetes_config {",
            "1.53.5",
            "has no block `kubernetes_config` in `spacelift_stack.k8s`",
        ),
        (
            'resource "spacelift_role_attachment"',
            'resource "spacelift_role_attach"',
            "1.53.5",
            "has no resource type `spacelift_role_attach`",
        ),
    ],
)
def test_spacelift_facts_catch_a_misspelling(
    tmp_path: Path, broken: str | None, line: str | None, release: str, message: str | None
) -> None:
    text = SPACELIFT if broken is None or line is None else SPACELIFT.replace(broken, line, 1)
    assert broken is None or broken in SPACELIFT
    root = ps.read_root(build_tree(tmp_path, {"main.tf": text}))
    schema = ps.load_facts("spacelift-io/spacelift", release)
    problems, unchecked = ps.check_root(root, {"spacelift-io/spacelift": schema})
    assert unchecked == set()
    assert [p.message for p in problems] == (
        [] if message is None else [f"spacelift-io/spacelift {release} {message}"]
    )


DOCS_PAGE = """# spacelift_stack (Resource)

## Example Usage

- `not_schema` (String) outside the schema section

## Schema

### Required

- `name` (String) Name

### Optional

- **labels** (Set of String) Older pages write names in bold
- `kubernetes` (Block List, Max: 1) (see [below for nested schema](#nestedblock--kubernetes))

### Read-Only

- `id` (String) The ID of this resource.

<a id="nestedblock--kubernetes"></a>
### Nested Schema for `kubernetes`

Optional:

- `namespace` (String)
- `tools` (Block List) (see below)

Read-Only:

- `computed` (String)

<a id="nestedblock--kubernetes--tools"></a>
### Nested Schema for `kubernetes.tools`

Required:

- `kubectl` (String)
"""


def test_facts_from_a_docs_page() -> None:
    assert ps.facts_from_docs(DOCS_PAGE) == {
        "attributes": ["labels", "name"],
        "blocks": {
            "kubernetes": {
                "attributes": ["namespace"],
                "blocks": {"tools": {"attributes": ["kubectl"], "blocks": {}}},
            }
        },
    }


def test_a_spacelift_resource_newer_than_the_lowest_allowed_release_fails(tmp_path: Path) -> None:
    newest, lowest = (ps.load_facts("spacelift-io/spacelift", r) for r in ("1.53.5", "1.37.0"))
    added = sorted(set(newest.resources) - set(lowest.resources))
    assert added, "no resource type was added between 1.37.0 and 1.53.5"
    required = sorted(newest.resources[added[0]].attributes)
    body = "".join(f"  {name} = null\n" for name in required)
    text = SPACELIFT + f'\nresource "{added[0]}" "new" {{\n{body}}}\n'
    root = ps.read_root(build_tree(tmp_path, {"main.tf": text}))
    assert ps.check_root(root, {newest.source: newest})[0] == []
    assert [p.message for p in ps.check_root(root, {lowest.source: lowest})[0]] == [
        f"spacelift-io/spacelift 1.37.0 has no resource type `{added[0]}`"
    ]
