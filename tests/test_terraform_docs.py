"""infra/README.md's terraform-docs section: filled at render time, and true to the Terraform."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import hcl2
import pytest

from scaffolder import terraform_docs
from scaffolder.terraform_docs import BEGIN, END, table_cell

CLOUDS = ("gke", "eks")
ROW = re.compile(r'^\| <a name="(input|output)_([^"]+)"></a> \[[^]]+\]\(#[^)]+\) \| (.*) \|$')


def _section(readme: Path) -> str:
    text = readme.read_text(encoding="utf-8")
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)]


def _rows(readme: Path) -> dict[tuple[str, str], list[str]]:
    """Each table row of the section by (input|output, name): its remaining cells."""
    rows = {}
    for line in _section(readme).splitlines():
        match = ROW.match(line)
        if match:
            rows[match[1], match[2]] = re.split(r"(?<!\\) \| ", match[3])
    return rows


def _unquote(value: object) -> object:
    """python-hcl2 8.x keeps the quotes of strings in its dict output."""
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        return json.loads(value)
    if isinstance(value, list):
        return [_unquote(item) for item in value]
    if isinstance(value, dict):
        return {_unquote(key): _unquote(item) for key, item in value.items()}
    return value


def _declared(infra: Path) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """Variables and outputs as python-hcl2's own dict loader reads them (not scaffolder's view)."""
    variables: dict[str, dict[str, object]] = {}
    outputs: dict[str, dict[str, object]] = {}
    for path in sorted(infra.glob("*.tf")):
        document = hcl2.loads(path.read_text(encoding="utf-8"))
        for table, kind in ((variables, "variable"), (outputs, "output")):
            for block in document.get(kind, []):
                for name, body in block.items():
                    table[str(_unquote(name))] = {
                        key: _unquote(value) for key, value in body.items()
                    }
    return variables, outputs


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_section_lists_every_variable_and_output_as_terraform_declares_them(
    generated: Callable[[str, str], Path], cloud: str
) -> None:
    infra = generated(cloud, "python") / "infra"
    variables, outputs = _declared(infra)
    rows = _rows(infra / "README.md")
    assert variables and outputs
    assert {name for kind, name in rows if kind == "input"} == set(variables)
    assert {name for kind, name in rows if kind == "output"} == set(outputs)
    for name, body in variables.items():
        description, type_cell, default_cell, required = rows["input", name]
        assert description == table_cell(str(body.get("description", "")))
        assert required == ("no" if "default" in body else "yes")
        if "default" not in body:
            assert default_cell == "n/a"
        else:
            shown = default_cell.removeprefix("`").removesuffix("`")
            shown = shown.removeprefix("<pre>").removesuffix("</pre>").replace("<br/>", "\n")
            assert json.loads(shown) == body["default"], name
        # python-hcl2 renders a type expression as `${list(string)}`; whitespace aside, the
        # cell shows the same source text.
        spelled = str(body["type"]).removeprefix("${").removesuffix("}")
        cell = type_cell.removeprefix("`").removesuffix("`")
        cell = cell.removeprefix("<pre>").removesuffix("</pre>").replace("<br/>", "\n")
        assert re.sub(r"[\s,]+", "", cell) == re.sub(r"[\s,]+", "", spelled), name
    for name, body in outputs.items():
        assert rows["output", name] == [table_cell(str(body.get("description", "")))]
    # Sorted by name, inputs before outputs, as terraform-docs sorts by default.
    names = [name for kind, name in rows]
    assert names == sorted(variables) + sorted(outputs)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_table_follows_the_terraform_when_it_changes(
    generated: Callable[[str, str], Path], cloud: str, tmp_path: Path
) -> None:
    infra = shutil.copytree(generated(cloud, "python") / "infra", tmp_path / "infra")
    before = _rows(infra / "README.md")
    with (infra / "variables.tf").open("a", encoding="utf-8") as handle:
        handle.write(
            '\nvariable "extra_zones" {\n'
            '  description = "Zones | extra, see https://example.com/a_b and `var_x`."\n'
            "  type = map(object({\n    size = number\n  }))\n"
            "  default = { a = { size = 2 } }\n}\n"
        )
    first_output = next(name for kind, name in before if kind == "output")
    outputs_tf = (infra / "outputs.tf").read_text(encoding="utf-8")
    (infra / "outputs.tf").write_text(
        re.sub(rf'output "{first_output}" \{{.*?\n\}}\n', "", outputs_tf, flags=re.DOTALL),
        encoding="utf-8",
    )
    assert terraform_docs.fill(tmp_path) == [infra / "README.md"]
    after = _rows(infra / "README.md")
    assert set(after) == (set(before) | {("input", "extra_zones")}) - {("output", first_output)}
    assert after["input", "extra_zones"] == [
        "Zones \\| extra, see https://example.com/a_b and `var_x`.",
        "<pre>map(object({<br/>    size = number<br/>  }))</pre>",
        '<pre>{<br/>  "a": {<br/>    "size": 2<br/>  }<br/>}</pre>',
        "no",
    ]
    # Filling again changes nothing: the section is replaced, never appended to.
    text = (infra / "README.md").read_text(encoding="utf-8")
    terraform_docs.fill(tmp_path)
    assert (infra / "README.md").read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        # Cases from terraform-docs' own golden files (format/testdata/markdown).
        ("", "n/a"),
        ("It includes v1 | v2 | v3", "It includes v1 \\| v2 \\| v3"),
        ("A variable with underscores.", "A variable with underscores."),
        (
            "The description contains `something_with_underscore`. Defaults to 'VALUE_WITH_UNDERSCORE'.",
            "The description contains `something_with_underscore`. Defaults to 'VALUE\\_WITH\\_UNDERSCORE'.",
        ),
        (
            "The description contains url. https://www.domain.com/foo/bar_baz.html",
            "The description contains url. https://www.domain.com/foo/bar_baz.html",
        ),
        (
            "This description is itself markdown.\n\nIt spans over multiple lines.\n",
            "This description is itself markdown.<br/><br/>It spans over multiple lines.",
        ),
        ("`[]`", "`[]`"),
        ('\n\n```\n[\n  "a"\n]\n```\n', '<pre>[<br/>  "a"<br/>]</pre>'),
    ],
)
def test_cells_are_sanitized_as_terraform_docs_does(text: str, cell: str) -> None:
    assert table_cell(text) == cell


def test_a_readme_without_markers_or_terraform_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text(f"{BEGIN}\n{END}\n", encoding="utf-8")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('variable "x" {}\n', encoding="utf-8")
    (tmp_path / "infra" / "README.md").write_text("# infra\n", encoding="utf-8")
    assert terraform_docs.fill(tmp_path) == []
    (tmp_path / "infra" / "README.md").write_text(f"# infra\n{BEGIN}\n{END}\n", encoding="utf-8")
    assert terraform_docs.fill(tmp_path) == [tmp_path / "infra" / "README.md"]
    assert '| <a name="input_x"></a> [x](#input\\_x) | n/a | `any` | n/a | yes |' in (
        tmp_path / "infra" / "README.md"
    ).read_text(encoding="utf-8")
