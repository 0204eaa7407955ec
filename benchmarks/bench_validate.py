"""Benchmark: `scaffolder validate` on a Terraform corpus, against named baselines in one run.

Corpus: the Terraform of our templates (gke and eks, rendered with varied answers: `infra/` and
`spacelift/` of each), synthetic modules shaped like real ones (variables with validation and
optional object attributes, for_each over maps, dynamic blocks, heredocs, templatefile, splats,
local module calls, moved/check blocks) and copies of the realistic test fixture; at least 500
`.tf` files. Only `.tf` files are copied, so the other domains do not run.

Baselines, measured here in the same run:
- `terraform fmt -check -recursive` (HashiCorp's Go parser), when terraform is installed;
- a plain Python loop of `hcl2.loads` over every file (python-hcl2's own path to a dict);
- python-hcl2's Lark parser alone on one core: the floor any python-hcl2 based tool has.

Reports cold (empty cache) and warm (unchanged files, cache filled) wall time of the CLI, and
peak memory for the corpus and for a corpus twice its size. Targets: cold <= 2.0x terraform fmt,
warm <= 0.25x, memory flat in file count. Prints medians; not a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "terraform" / "realistic"

VERSIONS = """terraform {
  required_version = ">= 1.10"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 7.0"
    }
  }
}
"""


def _variables(index: int) -> str:
    parts = []
    for n in range(8):
        parts.append(
            f'variable "setting_{n}" {{\n'
            f'  description = "Setting {n} of module {index}."\n'
            "  type = map(object({\n    cidr    = string\n"
            "    enabled = optional(bool, true)\n    labels  = optional(map(string), {})\n  }))\n"
            "  default = {}\n\n  validation {\n"
            "    condition     = alltrue(\n"
            f"      [for k, v in var.setting_{n} : can(cidrhost(v.cidr, 0))]\n    )\n"
            '    error_message = "Every cidr must be a CIDR block."\n  }\n}\n'
        )
    parts.append('variable "name" {\n  description = "Name prefix."\n  type        = string\n}\n')
    return "\n".join(parts)


def _main(index: int, child: bool) -> str:
    blocks = [
        "locals {\n"
        '  labels = merge(var.setting_0["main"].labels, { module = var.name })\n'
        + "".join(
            f"  enabled_{n} = {{ for k, v in var.setting_{n} : k => v if v.enabled }}\n"
            for n in range(8)
        )
        + "}\n"
    ]
    for n in range(8):
        blocks.append(
            f'resource "google_compute_subnetwork" "net_{n}" {{\n'
            f"  for_each      = local.enabled_{n}\n"
            f'  name          = "${{var.name}}-{n}-${{each.key}}"\n'
            "  ip_cidr_range = each.value.cidr\n"
            "  network       = google_compute_network.this.id\n\n"
            '  dynamic "secondary_ip_range" {\n'
            "    for_each = each.value.labels\n"
            "    content {\n"
            "      range_name    = secondary_ip_range.key\n"
            "      ip_cidr_range = cidrsubnet(each.value.cidr, 4, 1)\n"
            "    }\n  }\n\n"
            '  log_config {\n    aggregation_interval = "INTERVAL_5_SEC"\n'
            "    flow_sampling        = 0.5\n  }\n}\n"
        )
    blocks.append(
        'resource "google_compute_network" "this" {\n'
        '  name                    = "${var.name}-vpc"\n'
        "  auto_create_subnetworks = false\n"
        "  description             = <<-EOT\n"
        f"    Network of module {index} for ${{var.name}}.\n"
        "    %{for k in keys(local.labels)}${k} %{endfor}\n"
        "  EOT\n}\n"
    )
    blocks.append(
        "moved {\n  from = google_compute_network.old\n  to   = google_compute_network.this\n}\n"
    )
    if not child:
        blocks.append('module "child" {\n  source = "./child"\n  name   = "${var.name}-child"\n}\n')
    return "\n".join(blocks)


def _outputs(child: bool) -> str:
    text = "".join(
        f'output "subnets_{n}" {{\n  description = "Subnets {n}."\n'
        f"  value       = {{ for k, s in google_compute_subnetwork.net_{n} : k => s.id }}\n}}\n\n"
        for n in range(8)
    )
    text += 'output "network" {\n  description = "Network."\n'
    text += "  value       = google_compute_network.this.id\n}\n"
    if not child:
        text += '\noutput "child" {\n  description = "Child network."\n'
        text += "  value       = module.child.network\n}\n"
    return text


def render_templates(root: Path, renders: int) -> int:
    """Terraform of the cloud templates, rendered ``renders`` times each with varied answers."""
    from scaffolder.generation import generate

    count = 0
    regions = {"gke": ["europe-west1", "us-central1", "asia-east1"], "eks": ["eu-west-1"]}
    with tempfile.TemporaryDirectory() as scratch:
        for template in ("gke", "eks"):
            for index in range(renders):
                answers = {
                    "project_name": f"Service {template} {index}",
                    "app_runtime": ("python", "node")[index % 2],
                    "region": regions[template][index % len(regions[template])],
                    "node_max_count": str(3 + index),
                }
                project = generate(template, Path(scratch) / f"{template}-{index}", answers=answers)
                for path in project.rglob("*.tf"):
                    target = root / "templates" / project.name / path.relative_to(project)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
                    count += 1
    return count


def build_corpus(root: Path, files_wanted: int) -> int:
    """Write modules under ``root`` until at least ``files_wanted`` .tf files exist."""
    count = render_templates(root, 6)
    index = 0
    while count < files_wanted:
        if index % 5 == 4:
            shutil.copytree(FIXTURE, root / f"fixture-{index}", ignore=shutil.ignore_patterns(".*"))
            count += sum(1 for p in (root / f"fixture-{index}").rglob("*.tf"))
        else:
            for directory, child in (
                (root / f"module-{index}", False),
                (root / f"module-{index}" / "child", True),
            ):
                directory.mkdir(parents=True)
                (directory / "versions.tf").write_text(VERSIONS)
                (directory / "variables.tf").write_text(_variables(index))
                (directory / "main.tf").write_text(_main(index, child))
                (directory / "outputs.tf").write_text(_outputs(child))
                count += 4
        index += 1
    return count


def _clear_results(cache: Path) -> None:
    """Empty the result caches, keeping the compiled grammar tables."""
    for entry in cache.iterdir() if cache.is_dir() else ():
        if entry.is_dir():
            shutil.rmtree(entry)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS (KiB) of the process and its workers."""
    code = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], capture_output=True)\n"
        "wall = time.perf_counter() - start\n"
        "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    return float(out[0]), int(out[1])


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    scaffolder = str(Path(sys.executable).parent / "scaffolder")
    work = Path(tempfile.mkdtemp())
    corpus, double = work / "corpus", work / "double"
    files = build_corpus(corpus, 500)
    double_files = build_corpus(double, 2 * files)
    env = dict(os.environ)
    rows: list[tuple[str, float]] = []

    terraform = shutil.which("terraform")
    fmt = None
    if terraform:
        fmt = median(
            [
                timed([terraform, "fmt", "-check", "-recursive", str(corpus)], env)[0]
                for _ in range(repeat)
            ]
        )
        rows.append(("terraform fmt -check -recursive", fmt))

    import hcl2

    texts = [path.read_text() for path in sorted(corpus.rglob("*.tf"))]
    start = time.perf_counter()
    for text in texts:
        hcl2.loads(text)
    loads = time.perf_counter() - start
    rows.append(("hcl2.loads loop (in-process, 1 core)", loads))

    # The floor for any tool built on python-hcl2: its Lark LALR parser alone, no tree built
    # with positions and no transform, one core. scaffolder's adapter runs on the same parser.
    from hcl2.postlexer import PostLexer
    from lark import Lark

    bare = Lark.open(
        str(Path(hcl2.__file__).with_name("hcl2.lark")),
        parser="lalr",
        postlex=PostLexer(),
        cache=str(work / "bare-lark.bin"),
    )
    start = time.perf_counter()
    for text in texts:
        bare.parse(text + "\n")
    floor = time.perf_counter() - start
    rows.append(("python-hcl2 Lark parse only (1 core)", floor))

    # The first run ever also compiles the HCL grammar tables (kept in the cache directory,
    # like Lark's own cache); it is reported on its own. "Cold" below means an empty result
    # cache with the grammar tables in place: the state after any change to every file.
    validate = [scaffolder, "validate", str(corpus), "--format", "json"]
    env["SCAFFOLDER_CACHE_DIR"] = str(work / "cache")
    first, _ = timed([*validate, "--no-cache"], env)
    rows.append(("scaffolder validate, first run ever", first))
    cold_samples, warm_samples, memory = [], [], 0
    for _ in range(repeat):
        _clear_results(work / "cache")
        wall, rss = timed(validate, env)
        cold_samples.append(wall)
        memory = max(memory, rss)
        warm_samples.append(timed(validate, env)[0])
    cold, warm = median(cold_samples), median(warm_samples)
    rows.append(("scaffolder validate, cold cache", cold))
    rows.append(("scaffolder validate, warm cache", warm))
    _clear_results(work / "cache")
    double_wall, double_memory = timed(
        [scaffolder, "validate", str(double), "--format", "json"], env
    )

    print(
        f"corpus: {files} .tf files (and {double_files} for the memory check); "
        f"{os.cpu_count()} CPUs; median of {repeat}"
    )
    for name, seconds in rows:
        print(f"  {name:<40} {seconds * 1000:8.0f} ms")
    if fmt:
        print(f"  cold / terraform fmt  = {cold / fmt:.2f}  (target <= 2.0)")
        print(f"  warm / terraform fmt  = {warm / fmt:.2f}  (target <= 0.25)")
    print(f"  cold / hcl2.loads loop = {cold / loads:.2f}")
    if fmt:
        print(f"  Lark parse floor / terraform fmt = {floor / fmt:.2f} on one core")
    print(
        f"  peak RSS: {memory / 1024:.0f} MiB for {files} files, "
        f"{double_memory / 1024:.0f} MiB for {double_files} "
        f"(ratio {double_memory / memory:.2f}; flat is 1.0); "
        f"cold wall for {double_files} files {double_wall * 1000:.0f} ms"
    )
    manifests_benchmark(work, repeat, scaffolder, env)
    shutil.rmtree(work)


def manifests_benchmark(work: Path, repeat: int, scaffolder: str, env: dict[str, str]) -> None:
    """Manifests, compose files and Dockerfiles of rendered projects against a plain loop."""
    from scaffolder.generation import generate
    from scaffolder.validation.yamlpos import load_documents

    corpus = work / "projects"
    for index in range(12):
        template = ("docker-dev", "gke", "eks")[index % 3]
        generate(template, corpus / f"p{index}", answers={"project_name": f"Shop {index}"})
        for tf in (corpus / f"p{index}").rglob("*.tf"):
            tf.unlink()  # Terraform is measured above
    yaml_files = sorted(p for p in corpus.rglob("*.yaml") if "node_modules" not in p.parts)

    import kubernetes_validate

    start = time.perf_counter()
    for path in yaml_files:
        for document in load_documents(path.read_text()):
            data = document.data
            if isinstance(data, dict) and "kind" in data and "apiVersion" in data:
                try:
                    kubernetes_validate.validate(data, "1.33", strict=True)
                except Exception:
                    continue
    baseline = time.perf_counter() - start
    command = [scaffolder, "validate", str(corpus), "--format", "json"]
    env["SCAFFOLDER_CACHE_DIR"] = str(work / "cache-projects")
    cold_samples, warm_samples = [], []
    for _ in range(repeat):
        shutil.rmtree(work / "cache-projects", ignore_errors=True)
        cold_samples.append(timed(command, env)[0])
        warm_samples.append(timed(command, env)[0])
    cold, warm = median(cold_samples), median(warm_samples)
    print(f"projects: 12 rendered (docker-dev, gke, eks), {len(yaml_files)} YAML files")
    print(f"  kubernetes-validate loop (schema only, 1 core)  {baseline * 1000:8.0f} ms")
    print(f"  scaffolder validate, cold (all domains, kustomize renders)  {cold * 1000:8.0f} ms")
    print(f"  scaffolder validate, warm                                  {warm * 1000:8.0f} ms")
    print(f"  cold / schema loop = {cold / baseline:.2f}; warm / cold = {warm / cold:.2f}")


if __name__ == "__main__":
    main()
