"""Trees the benchmarks measure, built when they run: nothing here is committed output.

- ``terraform_corpus``: the Terraform of our cloud templates (rendered with varied answers
  through the public ``scaffolder.generate``), synthetic modules shaped like real ones
  (variables with validation and optional object attributes, for_each over maps, dynamic
  blocks, heredocs with template directives, splats, local module calls, moved blocks) and
  copies of the realistic test fixture.
- ``rendered_projects``: whole generated projects, for the manifest, compose and Dockerfile
  domains.
- ``crd_bundle``: one multi-document YAML file of CustomResourceDefinitions shaped like
  controller-gen's output (deep openAPIV3Schema trees with long descriptions).
- ``side_by_side``: N copies of a tree under one root.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from harness import PYTHON, REPO, Sandbox, setup_run

FIXTURE = REPO / "tests" / "fixtures" / "terraform" / "realistic"

# Renders through the public API in a child process, so it runs in a private HOME too.
RENDER = """
import json, sys
import scaffolder
for item in json.loads(sys.argv[1]):
    print(scaffolder.generate(item["template"], item["dir"], answers=item["answers"]))
"""

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


def render(items: list[dict[str, Any]], sandbox: Sandbox) -> list[Path]:
    """Generate each ``{"template", "dir", "answers"}`` item; the project directories."""
    output = setup_run([PYTHON, "-c", RENDER, json.dumps(items)], sandbox)
    return [Path(line) for line in output.splitlines() if line.strip()]


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


def template_terraform(root: Path, renders: int, sandbox: Sandbox) -> int:
    """The .tf files of gke and eks, rendered ``renders`` times each with varied answers."""
    regions = {"gke": ["europe-west1", "us-central1", "asia-east1"], "eks": ["eu-west-1"]}
    scratch = sandbox.root / "rendered"
    items = [
        {
            "template": template,
            "dir": str(scratch / f"{template}-{index}"),
            "answers": {
                "project_name": f"Service {template} {index}",
                "app_runtime": ("python", "node")[index % 2],
                "region": regions[template][index % len(regions[template])],
                "node_max_count": str(3 + index),
            },
        }
        for template in ("gke", "eks")
        for index in range(renders)
    ]
    count = 0
    for project in render(items, sandbox):
        for path in project.rglob("*.tf"):
            target = root / "templates" / project.name / path.relative_to(project)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            count += 1
    shutil.rmtree(scratch)
    return count


def terraform_corpus(root: Path, files_wanted: int, sandbox: Sandbox) -> int:
    """Write modules under ``root`` until at least ``files_wanted`` .tf files exist."""
    count = template_terraform(root, 6, sandbox)
    index = 0
    while count < files_wanted:
        if index % 5 == 4:
            shutil.copytree(FIXTURE, root / f"fixture-{index}", ignore=shutil.ignore_patterns(".*"))
            count += sum(1 for _ in (root / f"fixture-{index}").rglob("*.tf"))
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


def rendered_projects(root: Path, count: int, sandbox: Sandbox) -> list[Path]:
    """``count`` generated projects (docker-dev, gke, eks in turn) without their Terraform."""
    items = [
        {
            "template": ("docker-dev", "gke", "eks")[index % 3],
            "dir": str(root / f"p{index}"),
            "answers": {"project_name": f"Shop {index}"},
        }
        for index in range(count)
    ]
    projects = render(items, sandbox)
    for project in projects:
        for path in project.rglob("*.tf"):
            path.unlink()
    return projects


def side_by_side(source: Path, root: Path, copies: int) -> Path:
    """``root/copy-1`` ... ``root/copy-N``, each a copy of ``source``."""
    for index in range(1, copies + 1):
        shutil.copytree(source, root / f"copy-{index}", symlinks=True)
    return root


# --- a CRD bundle ------------------------------------------------------------------------------

_WORDS = [
    *("replica", "endpoint", "selector", "template", "condition", "observed", "generation"),
    *("threshold", "interval", "secret", "reference", "policy", "backoff", "timeout"),
    *("provider", "region", "bucket", "network", "gateway", "listener", "certificate"),
    *("issuer", "scope", "tenant", "quota", "budget", "archive", "snapshot", "retention"),
    *("schedule", "window"),
]


def _description(seed: int, words: int) -> str:
    picked = [_WORDS[(seed * 7 + n * 13) % len(_WORDS)] for n in range(words)]
    return (" ".join(picked)).capitalize() + ". Defaults to the controller's setting when unset."


def _schema(seed: int, depth: int) -> dict[str, Any]:
    """A controller-gen-shaped object schema: nested objects, arrays, enums, formats."""
    properties: dict[str, Any] = {}
    for n in range(6 if depth > 1 else 8):
        name = f"{_WORDS[(seed + n * 5) % len(_WORDS)]}{n}"
        kind = (seed + n) % 6
        if depth > 0 and kind in {0, 1}:
            properties[name] = _schema(seed * 3 + n + 1, depth - 1)
        elif depth > 0 and kind == 2:
            properties[name] = {
                "description": _description(seed + n, 24),
                "type": "array",
                "items": _schema(seed * 5 + n + 2, depth - 1),
                "x-kubernetes-list-type": "atomic",
            }
        elif kind == 3:
            properties[name] = {
                "description": _description(seed + n, 18),
                "type": "string",
                "enum": ["Always", "IfNotPresent", "Never"],
            }
        elif kind == 4:
            properties[name] = {
                "description": _description(seed + n, 12),
                "type": "integer",
                "format": "int32",
                "minimum": 0,
                "maximum": 65535,
            }
        else:
            properties[name] = {
                "description": _description(seed + n, 30),
                "type": "string",
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                "maxLength": 253,
            }
    return {
        "description": _description(seed, 40),
        "type": "object",
        "properties": properties,
        "required": sorted(properties)[:2],
    }


_CONDITIONS = {
    "description": "Conditions of the resource, in the standard metav1.Condition shape.",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["lastTransitionTime", "message", "reason", "status", "type"],
        "properties": {
            "lastTransitionTime": {"type": "string", "format": "date-time"},
            "message": {"type": "string", "maxLength": 32768},
            "observedGeneration": {"type": "integer", "format": "int64", "minimum": 0},
            "reason": {"type": "string", "maxLength": 1024, "minLength": 1},
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "type": {"type": "string", "maxLength": 316},
        },
    },
    "x-kubernetes-list-map-keys": ["type"],
    "x-kubernetes-list-type": "map",
}


def _crd(index: int) -> dict[str, Any]:
    kind = f"Widget{index}"
    plural = f"widgets{index}"
    group = f"g{index % 7}.bench.scaffolder.example"
    versions = []
    for number, version in enumerate(("v1beta1", "v1")):
        versions.append(
            {
                "name": version,
                "served": True,
                "storage": version == "v1",
                "additionalPrinterColumns": [
                    {
                        "jsonPath": ".status.conditions[?(@.type=='Ready')].status",
                        "name": "Ready",
                        "type": "string",
                    },
                    {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"},
                ],
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "description": f"{kind} is a benchmark resource. "
                        + _description(index, 30),
                        "type": "object",
                        "properties": {
                            "apiVersion": {"description": _description(1, 40), "type": "string"},
                            "kind": {"description": _description(2, 40), "type": "string"},
                            "metadata": {"type": "object"},
                            "spec": _schema(index * 11 + number, 2),
                            "status": {
                                "type": "object",
                                "properties": {
                                    "conditions": _CONDITIONS,
                                    "observedGeneration": {"type": "integer", "format": "int64"},
                                },
                            },
                        },
                    }
                },
            }
        )
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{group}",
            "annotations": {"controller-gen.kubebuilder.io/version": "v0.16.5"},
        },
        "spec": {
            "group": group,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": f"widget{index}",
            },
            "scope": "Namespaced",
            "versions": versions,
        },
    }


def crd_bundle(path: Path, megabytes: float) -> tuple[int, int]:
    """Write CRDs to ``path`` until it holds ``megabytes``; (documents, bytes)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    wanted = int(megabytes * 1024 * 1024)
    parts: list[str] = []
    size = 0
    while size < wanted:
        text = yaml.dump(_crd(len(parts)), Dumper=dumper, sort_keys=False, width=100)
        parts.append(text)
        size += len(text) + 4
    path.write_text("---\n" + "---\n".join(parts), encoding="utf-8")
    return len(parts), path.stat().st_size
