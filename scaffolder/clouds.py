"""Facts about the platforms the templates deploy to and their clouds, bundled for offline checks.

A template names its platform in ``_platform`` (``gke``, ``eks``); :data:`PLATFORMS` gives the
platform's cloud, whose regions and machine type shape the ``region`` and ``node_machine_type``
answers are checked against. Region lists are the public regions as of the template version; a
region added later can be used by editing the generated `terraform.tfvars` — the generator only
refuses names it cannot know to be real. Standard library only: the templates' hooks import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

GCP_REGIONS = frozenset(
    {
        "africa-south1",
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
        "australia-southeast1",
        "australia-southeast2",
        "europe-central2",
        "europe-north1",
        "europe-north2",
        "europe-southwest1",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "europe-west6",
        "europe-west8",
        "europe-west9",
        "europe-west10",
        "europe-west12",
        "me-central1",
        "me-central2",
        "me-west1",
        "northamerica-northeast1",
        "northamerica-northeast2",
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    }
)

#: AWS regions and the letters of their availability zones (`eu-west-1a` ...). Some accounts
#: see fewer zones in a few regions; an unavailable zone fails at plan time with AWS's message.
AWS_ZONES = {
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-east-2": "abc",
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ap-southeast-6": "abc",
    "ap-southeast-7": "abc",
    "ca-central-1": "abd",
    "ca-west-1": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-north-1": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "il-central-1": "abc",
    "me-central-1": "abc",
    "me-south-1": "abc",
    "mx-central-1": "abc",
    "sa-east-1": "abc",
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "bc",
    "us-west-2": "abcd",
}
AWS_REGIONS = frozenset(AWS_ZONES)

#: An EC2 instance type's family, generation and attributes: `m7gd.large` is family `m`,
#: generation 7, attributes `gd`
#: (docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html).
_EC2_TYPE = re.compile(r"(?P<family>[a-z]+)(?P<generation>\d+)(?P<attributes>[a-z]*)(?:-flex)?\.")
#: Families whose nodes need an accelerated AMI type and drivers (NVIDIA, Neuron, FPGA, media,
#: macOS) that the eks template does not configure.
_ACCELERATED = frozenset({"p", "g", "gr", "inf", "trn", "dl", "f", "vt", "mac"})


def ec2_architecture(instance_type: str) -> str:
    """``arm64`` for Graviton instance types (attribute `g`, or the `a1` family), else ``x86_64``.

    infra/nodes.tf derives the node group's AMI type with the same rule in HCL; a test runs both.
    """
    match = _EC2_TYPE.match(instance_type)
    if match is None:
        return "x86_64"
    graviton_one = match["family"] == "a" and not match["attributes"]
    if graviton_one or "g" in match["attributes"]:
        return "arm64"
    return "x86_64"


def ec2_type_problem(instance_type: str) -> str | None:
    """Why the eks template's nodes cannot be ``instance_type``, or None when they can."""
    match = _EC2_TYPE.match(instance_type)
    if match and match["family"] in _ACCELERATED:
        return (
            f"is an accelerated instance type (`{match['family']}` family: GPU, Inferentia, "
            "Trainium, FPGA, media or Mac), whose nodes need an accelerated AMI type and "
            "drivers the node group does not set up; use a general-purpose, compute- or "
            "memory-optimised type, x86_64 (m7i.large) or Graviton (m7g.large)"
        )
    return None


def aws_default_zones(region: str) -> str:
    """The first three availability zones of ``region`` (two where it has two), comma-separated.

    Empty for a region missing from :data:`AWS_ZONES`: its zones cannot be guessed, so the
    ``availability_zones`` answer must name them.
    """
    return ",".join(f"{region}{letter}" for letter in AWS_ZONES.get(region, "")[:3])


#: EKS Kubernetes versions in standard support for the template version.
EKS_VERSIONS = ("1.31", "1.32", "1.33", "1.34")


@dataclass(frozen=True, slots=True)
class Cloud:
    """What the answers of a template on this cloud are checked against.

    Attributes:
        name: The cloud as messages name it (``GCP``).
        regions: Every region a ``region`` answer may name.
        machine_type: The shape of a ``node_machine_type`` answer.
        example_region: A region shown in the message about a wrong ``region``.
        example_machine_type: A machine type shown in the message about a wrong one.
        zones: The letters of each region's availability zones, for clouds where the zones are
            answers of their own (``availability_zones``); None where the cloud picks them.
        machine_type_problem: Why a well-formed machine type still cannot be used, or None.
        region_shape: What a region name of the cloud looks like, for a region newer than
            :attr:`regions` that a template lets through unchecked; None where it may not.
        machine_types: Common machine types, only to suggest one for a near miss: the rule is
            the shape, so any type of that shape is accepted.
    """

    name: str
    regions: frozenset[str]
    machine_type: re.Pattern[str]
    example_region: str
    example_machine_type: str
    zones: Mapping[str, str] | None = None
    machine_type_problem: Callable[[str], str | None] | None = None
    region_shape: re.Pattern[str] | None = None
    machine_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Platform:
    """A managed Kubernetes platform a template deploys to, as its ``_platform`` names it."""

    name: str
    cloud: Cloud


GCP = Cloud(
    name="GCP",
    regions=GCP_REGIONS,
    # family-series-vCPUs, shared-core sizes, and custom shapes: e2-standard-4, e2-medium,
    # n2-custom-4-16384, c3-standard-8-lssd, a2-highgpu-1g. The series are GCP's own words, so
    # a typo (`e2-standrd-4`) is refused with a suggestion instead of failing at plan time.
    machine_type=re.compile(
        r"[a-z][a-z0-9]*-(?:(?:standard|highmem|highcpu|megamem|ultramem|hypermem|highgpu"
        r"|megagpu|ultragpu|edgegpu)-\d+g?(?:-lssd|-metal)?|custom-\d+-\d+(?:-ext)?"
        r"|micro|small|medium)"
    ),
    example_region="europe-west1",
    example_machine_type="e2-standard-4",
    machine_types=(
        "e2-micro",
        "e2-small",
        "e2-medium",
        *(
            f"{family}-{series}-{cpus}"
            for family in ("e2", "n2", "n2d", "c3", "c3d", "n4", "t2d")
            for series in ("standard", "highmem", "highcpu")
            for cpus in (2, 4, 8, 16, 32)
        ),
    ),
)
AWS = Cloud(
    name="AWS",
    regions=AWS_REGIONS,
    # family and size: t3.large, m7i.xlarge, c7g.2xlarge, m7i-flex.large.
    machine_type=re.compile(
        r"[a-z][a-z0-9]*(?:-flex)?\.(?:nano|micro|small|medium|\d*x?large|metal)"
    ),
    example_region="eu-west-1",
    example_machine_type="m7i.large",
    zones=AWS_ZONES,
    machine_type_problem=ec2_type_problem,
    # eu-west-1, ap-southeast-7, us-gov-west-1, mx-central-1.
    region_shape=re.compile(r"[a-z]{2}(?:-gov)?-[a-z]+-\d{1,2}"),
    machine_types=tuple(
        f"{family}.{size}"
        for family in ("t3", "t3a", "m5", "m6i", "m7i", "m7i-flex", "c6i", "c7i", "r6i", "r7i")
        for size in ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge")
    ),
)

#: Every platform a template may name in ``_platform``; docs/templates.md shows how to add one.
PLATFORMS: Mapping[str, Platform] = {
    platform.name: platform for platform in (Platform("gke", GCP), Platform("eks", AWS))
}
