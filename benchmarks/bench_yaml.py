"""YAML: a large CustomResourceDefinition bundle through PyYAML's two loaders and the validator.

4. A generated bundle of controller-gen-shaped CRDs (several MiB in one multi-document file) is
   composed node by node and constructed, as a position-keeping validator reads YAML
   (``loader.get_node()`` then ``construct_document``), with the pure-Python
   ``yaml.SafeLoader`` and with libyaml's ``yaml.CSafeLoader``; both in-process on one core,
   timed after reading the file. Then ``scaffolder validate --no-cache`` on a directory holding
   only that bundle, against those parse times.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import corpus
from harness import BenchError, Run, Session, Skip, main, probe_command, validate_command

MEGABYTES = 6.0


def documents(count: int) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        if run.json()["documents"] != count:
            raise BenchError(f"composed {run.json()['documents']} documents, expected {count}")

    return check


def bench_yaml(session: Session) -> None:
    import yaml

    if not yaml.__with_libyaml__:
        raise Skip("PyYAML here is built without libyaml: there is no CSafeLoader to compare")
    root = session.scratch("crd-bundle")
    bundle = root / "crds.yaml"
    count, size = corpus.crd_bundle(bundle, MEGABYTES)
    session.note(f"bundle: {count} CRDs, {size / 1024 / 1024:.1f} MiB in one file")
    safe = probe_command(
        "yaml.SafeLoader compose + construct (pure Python, 1 core)",
        "yaml",
        str(bundle),
        "safe",
        check=documents(count),
    )
    csafe = probe_command(
        "yaml.CSafeLoader compose + construct (libyaml, 1 core)",
        "yaml",
        str(bundle),
        "csafe",
        check=documents(count),
    )
    validate = validate_command(
        "scaffolder validate --no-cache on the bundle", root, "--no-cache", same_output=True
    )
    pure, libyaml, ours = session.measure([safe, csafe, validate], repeat=5)
    session.ratio(pure, libyaml, None, name="yaml.SafeLoader / yaml.CSafeLoader (compose nodes)")
    session.ratio(ours, pure, None, name="validate --no-cache on the bundle / SafeLoader parse")
    session.ratio(ours, libyaml, None, name="validate --no-cache on the bundle / CSafeLoader parse")


BENCHMARKS = [("yaml", "4. YAML: a CRD bundle, SafeLoader against CSafeLoader", bench_yaml)]

if __name__ == "__main__":
    sys.exit(main(BENCHMARKS))
