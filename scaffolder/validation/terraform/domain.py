"""Terraform domain: every directory with ``.tf`` files is a module, analysed on its own.

Each module is one unit: parsed and checked by every module family (in a worker process when
there are several), and cached by the names and content of its files alone, so copies of a
module share a cache entry. Only the module's findings and its small *interface* (variables,
outputs, local module calls) come back, so memory stays flat in the number of files. Once all
modules are in, the calls between them are checked (``rules/module_calls.py``) and the
interfaces are published as the :class:`TerraformIndex`.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from scaffolder.validation.domain import (
    BaseDomain,
    Claim,
    Context,
    Outcome,
    Result,
    Unit,
    internal_finding,
)
from scaffolder.validation.files import FileSet, is_dir
from scaffolder.validation.model import Finding
from scaffolder.validation.terraform.index import (
    ModuleCall,
    ModuleInterface,
    TerraformIndex,
    module_key,
)
from scaffolder.validation.terraform.rules import FAMILIES, MODULE_FAMILIES, module_calls, syntax


def is_terraform(path: Path) -> bool:
    """A Terraform configuration file this domain reads."""
    return path.name.endswith((".tf", ".tf.json"))


def analyze(
    sources: Sequence[tuple[str, bytes]], unreadable: Sequence[tuple[str, str]] = ()
) -> Result:
    """Parse one module's files and run every module family (pure; runs in workers).

    Findings are relative to the module's directory; the facts are its
    :class:`ModuleInterface`.
    """
    from scaffolder.validation.terraform import hcl
    from scaffolder.validation.terraform.module import (
        MODULE_META_ARGUMENTS,
        build_module,
        is_local_source,
    )
    from scaffolder.validation.terraform.suppress import suppress
    from scaffolder.validation.terraform.syntax import Attribute, Block, string_value

    findings: list[Finding] = [syntax.unreadable(name, None, reason) for name, reason in unreadable]
    files = []
    json_names: set[str] = set()
    complete = not unreadable
    for name, data in sources:
        text = _decode(data)
        if text is None:
            findings.append(syntax.unreadable(name, data))
            complete = False
            continue
        if name.endswith(".tf.json"):
            try:
                json_names.update(_json_declarations(text))
            except json.JSONDecodeError as error:
                findings.append(
                    syntax.syntax_error(
                        name, error.lineno, error.colno, f"not valid JSON: {error.msg}"
                    )
                )
                complete = False
            except ValueError as error:
                findings.append(syntax.syntax_error(name, 1, 1, str(error)))
                complete = False
            except RecursionError:
                findings.append(syntax.syntax_error(name, 1, 1, "JSON nests too deeply to read"))
                complete = False
            continue
        try:
            files.append(hcl.parse(text, name))
        except hcl.HclSyntaxError as error:
            findings.append(
                syntax.syntax_error(name, error.line, error.column, error.message, text)
            )
            complete = False
    first = files[0].path if files else (sources or unreadable or [("main.tf", "")])[0][0]
    try:
        module = build_module(".", tuple(files), frozenset(json_names))
    except RecursionError:
        # Only machine-generated expressions nest this deep; say so instead of crashing.
        files = []
        module = build_module(".", (), frozenset(json_names))
        findings.append(syntax.syntax_error(first, 1, 1, "expressions nest too deeply to check"))
        complete = False
    # With a file unparsable, rules that would report what it declares or uses as missing or
    # unused are left out.
    left_out = (
        set()
        if complete
        else {
            rule.id
            for family in MODULE_FAMILIES
            for rule in getattr(family, "COMPLETE_MODULE_ONLY", ())
        }
    )
    module_findings: list[Finding] = []
    for family in MODULE_FAMILIES:
        try:
            found = list(family.check(module))
        except RecursionError:
            found = [syntax.syntax_error(first, 1, 1, "expressions nest too deeply to check")]
        except Exception as error:
            # A bug in one family must not hide what the others find.
            found = [internal_finding("TF", first, error)]
        module_findings.extend(f for f in found if f.rule not in left_out)
    findings.extend(suppress(module_findings, files))
    variables = {
        name: isinstance(places[0].node, Block) and "default" not in places[0].node.attributes
        for name, places in module.variables.items()
    }
    variables.update({name[4:]: False for name in json_names if name.startswith("var.")})
    outputs = {*module.outputs, *(n[7:] for n in json_names if n.startswith("output."))}
    calls = []
    for name, places in module.modules.items():
        block = places[0].node
        if not isinstance(block, Block):
            continue
        source_attr = block.attributes.get("source")
        source = string_value(source_attr.value) if source_attr else None
        if source is None or not is_local_source(source):
            continue
        arguments = {
            attr.name: (attr.line, attr.column)
            for attr in block.body
            if isinstance(attr, Attribute) and attr.name not in MODULE_META_ARGUMENTS
        }
        used = tuple(
            (ref.file, str(ref.names[index]), *ref.position(index))
            for ref in module.references
            # terraform validate lets try() and can() catch a missing module output.
            if ref.names[:2] == ("module", name) and not ref.guarded
            for index in [3 if len(ref.names) > 3 and ref.names[2] is None else 2]
            if len(ref.names) > index and ref.names[index] is not None
        )
        calls.append(
            ModuleCall(places[0].file, name, source, block.line, block.column, arguments, used)
        )
    interface = ModuleInterface(variables, frozenset(outputs), tuple(calls), complete)
    return Result(tuple(findings), interface.to_json())


def _decode(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _json_declarations(text: str) -> set[str]:
    """``kind.name`` of every declaration in a ``.tf.json`` file (bodies are not analysed).

    Raises:
        json.JSONDecodeError: The text is not JSON.
        ValueError: The JSON is not an object, so not Terraform JSON.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("Terraform JSON must be an object at the top level")
    names: set[str] = set()
    single = {"variable": "var", "output": "output", "module": "module"}
    for kind, prefix in single.items():
        value = data.get(kind)
        if isinstance(value, dict):
            names.update(f"{prefix}.{name}" for name in value)
    locals_ = data.get("locals")
    for block in locals_ if isinstance(locals_, list) else [locals_]:
        if isinstance(block, dict):
            names.update(f"local.{name}" for name in block)
    for kind in ("resource", "data", "ephemeral"):
        value = data.get(kind)
        if isinstance(value, dict):
            for type_name, instances in value.items():
                if isinstance(instances, dict):
                    names.update(f"{kind}.{type_name}.{name}" for name in instances)
    if isinstance(data.get("terraform"), (dict, list)):
        names.add("terraform.settings")
    return names


def module_unit(files: FileSet, directory: Path, paths: Sequence[Path]) -> Unit:
    """The unit that analyses the module in ``directory`` from ``paths`` (its files)."""
    sources = []
    unreadable = []
    for path in sorted(paths):
        try:
            sources.append((path.name, files.read(path)))
        except OSError as error:
            # Reported as TF002 rather than stopping the run.
            unreadable.append((path.name, str(error.strerror or error)))
    return Unit(
        name="module",
        run=functools.partial(analyze, tuple(sources), tuple(unreadable)),
        inputs=tuple(sorted(paths)),
        anchor=directory,
        processes=True,
        facts_type=ModuleInterface.from_json,
    )


def _terraform_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.glob("*.tf*") if is_terraform(path))


class TerraformDomain(BaseDomain):
    """Terraform and OpenTofu configurations (``.tf``, ``.tf.json``)."""

    name = "terraform"
    prefix = "TF"
    families = FAMILIES
    provides = TerraformIndex

    def claim(self, path: Path) -> Claim:
        """Every Terraform file."""
        return Claim.OWNS if is_terraform(path) else Claim.NONE

    def plan(self, context: Context) -> list[Unit]:
        """One unit per module directory; a single file is checked with its module."""
        directories: dict[Path, list[Path]] = defaultdict(list)
        for path in sorted(context.owned):
            directories[path.parent].append(path)
        if context.root.is_file() and directories:
            # A module is the unit of Terraform: the file's siblings are part of it.
            directories = {context.root.parent: _terraform_files(context.root.parent)}
        return [module_unit(context.files, d, paths) for d, paths in sorted(directories.items())]

    def prepare_workers(self) -> None:
        """Build the HCL parser once, so forked workers share it."""
        from scaffolder.validation.terraform import hcl

        hcl.parse("", "preload.tf")

    def finish(self, context: Context, done: Sequence[tuple[Unit, Result]]) -> Outcome:
        """Check the local module calls, and publish the index."""
        modules: dict[Path, ModuleInterface] = {}
        directories: dict[Path, Path] = {}
        for unit, result in done:
            assert unit.anchor is not None
            key = module_key(unit.anchor)
            modules[key] = ModuleInterface.from_json(result.facts)
            directories[key] = unit.anchor
        findings: list[Finding] = []
        for key, directory in directories.items():
            for call in modules[key].calls:
                target = directory / call.source.split("//", 1)[0]
                exists = is_dir(target)
                target_key = module_key(target) if exists else target
                if target_key not in modules and exists:
                    paths = _terraform_files(target)
                    if paths:
                        unit = module_unit(context.files, target, paths)
                        modules[target_key] = ModuleInterface.from_json(
                            context.run_unit(unit).facts
                        )
                findings.extend(
                    replace(finding, path=context.relative(directory / finding.path))
                    for finding in module_calls.check_call(
                        call, modules.get(target_key), source_exists=exists
                    )
                )
        return Outcome(tuple(findings), TerraformIndex(MappingProxyType(modules), context.files))
