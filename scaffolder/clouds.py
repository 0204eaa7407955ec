"""Facts about the clouds the templates target, bundled so answers are checked offline.

Region lists are the public regions as of the template version; a region added later can be
used by editing the generated `terraform.tfvars` — the generator only refuses names it cannot
know to be real. Standard library only: the templates' hooks import it.
"""

from __future__ import annotations

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
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
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

#: EKS Kubernetes versions in standard support for the template version.
EKS_VERSIONS = ("1.31", "1.32", "1.33", "1.34")

#: Which region list a template's `region` answer is checked against (`_cloud` in its
#: cookiecutter.json).
REGIONS = {"gcp": GCP_REGIONS, "aws": AWS_REGIONS}
