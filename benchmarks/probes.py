"""In-process baselines, run by the harness as child processes that time only their own loop.

Each probe does its one-time set-up first (imports, reading the files, building the parser or
loading nothing yet), then times the measured loop on one core and prints one JSON object with
``seconds`` and counts the harness checks. Run as ``python probes.py PROBE ARGS``.

- ``hcl2-floor ROOT``: python-hcl2's Lark LALR parser alone (no positions, no transform) over
  every ``.tf`` file; the parser is built, and its tables cached, before the clock starts.
- ``hcl2-loads ROOT``: ``hcl2.loads`` (python-hcl2's own path to a dict) over every file.
- ``yaml FILE safe|csafe``: compose every document's node tree and construct its data, the way
  a position-keeping validator reads YAML, with PyYAML's pure-Python or libyaml loader.
- ``k8s ROOT VERSION``: every Kubernetes object in the YAML under ROOT through
  kubernetes-validate's strict schemas, one validator per kind cached as scaffolder caches it,
  listing every error of an object.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

SKIP_DIRS = {"node_modules", "__pycache__", ".terraform"}


def files_under(root: Path, *suffixes: str) -> list[Path]:
    found: list[Path] = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found.extend(Path(directory) / n for n in sorted(names) if n.endswith(suffixes))
    return found


def hcl2_floor(root: Path) -> dict[str, Any]:
    import hcl2
    from hcl2.postlexer import PostLexer
    from lark import Lark

    texts = [path.read_text(encoding="utf-8") for path in files_under(root, ".tf")]
    cache = Path(os.environ["SCAFFOLDER_CACHE_DIR"]) / "probe-lark-hcl2.bin"
    parser = Lark.open(
        str(Path(hcl2.__file__).with_name("hcl2.lark")),
        parser="lalr",
        postlex=PostLexer(),
        cache=str(cache),
    )
    errors = 0
    start = time.perf_counter()
    for text in texts:
        try:
            parser.parse(text + "\n")
        except Exception:  # a syntax error is a result here, not a crash
            errors += 1
    return {"seconds": time.perf_counter() - start, "files": len(texts), "errors": errors}


def hcl2_loads(root: Path) -> dict[str, Any]:
    import hcl2

    texts = [path.read_text(encoding="utf-8") for path in files_under(root, ".tf")]
    hcl2.loads('variable "warm" {}\n')  # builds python-hcl2's parser before the clock starts
    errors = 0
    start = time.perf_counter()
    for text in texts:
        try:
            hcl2.loads(text)
        except Exception:  # a syntax error is a result here, not a crash
            errors += 1
    return {"seconds": time.perf_counter() - start, "files": len(texts), "errors": errors}


def compose_all(text: str, loader_class: Any) -> int:
    loader = loader_class(text)
    documents = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            loader.construct_document(node)
            documents += node is not None
    finally:
        loader.dispose()
    return documents


def yaml_load(path: Path, which: str) -> dict[str, Any]:
    import yaml

    if which == "csafe" and not yaml.__with_libyaml__:
        raise SystemExit("PyYAML was built without libyaml: no CSafeLoader")
    loader = {"safe": yaml.SafeLoader, "csafe": getattr(yaml, "CSafeLoader", None)}[which]
    text = path.read_text(encoding="utf-8")
    start = time.perf_counter()
    documents = compose_all(text, loader)
    return {"seconds": time.perf_counter() - start, "documents": documents, "bytes": len(text)}


def k8s_schemas(root: Path, version: str) -> dict[str, Any]:
    import jsonschema
    import yaml
    from kubernetes_validate.utils import all_versions, major_minor, schema_contents
    from referencing import Registry, Resource

    texts = [path.read_text(encoding="utf-8") for path in files_under(root, ".yaml", ".yml")]
    schema_version = [v for v in all_versions() if major_minor(v) <= major_minor(version)][-1]
    directory = f"kubernetes-json-schema/v{schema_version}-local-strict"
    validators: dict[tuple[str, str], Any] = {}

    def validator(kind: str, api_version: str) -> Any:
        # Built the way kubernetes_validate.validate builds it, once per kind.
        if (kind, api_version) not in validators:
            group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            try:
                schema = schema_contents(f"{directory}/{kind.lower()}-{group}.json", version)
            except FileNotFoundError:
                validators[kind, api_version] = None
                return None
            definitions = schema_contents(f"{directory}/_definitions.json", version)
            registry: Any = Resource.from_contents(schema) @ Registry()
            registry = Resource.from_contents(definitions) @ registry
            validators[kind, api_version] = jsonschema.validators.Draft202012Validator(
                schema, registry=registry
            )
        return validators[kind, api_version]

    objects = errors = unreadable = 0
    start = time.perf_counter()
    for text in texts:
        loader = yaml.SafeLoader(text)
        try:
            while loader.check_node():
                data = loader.construct_document(loader.get_node())
                if isinstance(data, dict) and "kind" in data and "apiVersion" in data:
                    check = validator(str(data["kind"]), str(data["apiVersion"]))
                    if check is not None:
                        objects += 1
                        errors += sum(1 for _ in check.iter_errors(data))
        except yaml.YAMLError:
            unreadable += 1
        finally:
            loader.dispose()
    return {
        "seconds": time.perf_counter() - start,
        "files": len(texts),
        "objects": objects,
        "errors": errors,
        "unreadable": unreadable,
    }


def main(argv: list[str]) -> None:
    probe, *args = argv
    if probe == "hcl2-floor":
        result = hcl2_floor(Path(args[0]))
    elif probe == "hcl2-loads":
        result = hcl2_loads(Path(args[0]))
    elif probe == "yaml":
        result = yaml_load(Path(args[0]), args[1])
    elif probe == "k8s":
        result = k8s_schemas(Path(args[0]), args[1])
    else:
        raise SystemExit(f"unknown probe {probe!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
