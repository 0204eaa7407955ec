"""Answer rules: one rule per field name, shared by every template.

This module is imported by the templates' ``pre_gen_project`` hooks, so a template used with plain
``cookiecutter`` checks its answers with exactly the code ``scaffolder new`` uses. Keep it to the
standard library: the hook runs in whatever interpreter runs cookiecutter.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scaffolder.clouds import EKS_VERSIONS, Cloud
from scaffolder.errors import InvalidAnswer, InvalidAnswers

Answers = dict[str, object]

# It becomes Kubernetes object names, image names and cloud resource ids: DNS-1123 label, short
# enough to leave room for suffixes such as `-infra` or `-nodes` inside 63-character limits.
_SLUG = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?")
SLUG_MAX = 30
NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Rule:
    """How one field is checked and normalised.

    ``check`` returns the normalised value or raises ``ValueError`` whose text is the rule.
    """

    field: str
    check: Callable[[object], object]


def _project_name(value: object) -> object:
    text = str(value)
    if not text.strip() or len(text) > NAME_MAX or not text.isprintable():
        raise ValueError(f"must be 1 to {NAME_MAX} printable characters on one line")
    return text


def _project_slug(value: object) -> object:
    text = str(value)
    if len(text) > SLUG_MAX or not _SLUG.fullmatch(text):
        raise ValueError(
            f"must be a DNS-1123 label of at most {SLUG_MAX} characters (lowercase letters, "
            "digits and hyphens, starting with a letter, not ending with a hyphen)"
        )
    return text


def _app_port(value: object) -> object:
    # bool is an int subclass; `true` from a YAML answers file is not a port.
    if isinstance(value, bool):
        raise ValueError("must be an integer from 1024 to 65535 (the container runs as non-root)")
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if not 1024 <= port <= 65535:
        raise ValueError("must be an integer from 1024 to 65535 (the container runs as non-root)")
    return port


# GCP: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not
# ending with a hyphen (https://cloud.google.com/resource-manager/docs/creating-managing-projects).
_GCP_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_PRIVATE_NETWORKS = tuple(
    ipaddress.IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
#: The largest network prefix that still fits the derived ranges: nodes and services take a
#: sixteenth each and pods half (``cidrsubnet(network_cidr, 4, 0|1)`` and ``(…, 1, 1)``).
NETWORK_MAX_PREFIX = 16
NETWORK_MIN_PREFIX = 8
NODES_MAX = 1000


def _aws_account_id(value: object) -> object:
    text = str(value).strip()
    if not re.fullmatch(r"\d{12}", text):
        raise ValueError("must be a 12-digit AWS account id")
    return text


def _kubernetes_version(value: object) -> object:
    text = str(value).strip()
    if text not in EKS_VERSIONS:
        raise ValueError(f"must be a supported EKS version: {', '.join(EKS_VERSIONS)}")
    return text


def _zones(value: object) -> object:
    zones = [zone.strip() for zone in str(value).split(",") if zone.strip()]
    if not 2 <= len(zones) <= 3 or len(set(zones)) != len(zones):
        raise ValueError("must be 2 or 3 distinct availability zones, comma-separated")
    return ",".join(zones)


def _gcp_project_id(value: object) -> object:
    text = str(value)
    if not _GCP_PROJECT.fullmatch(text) or "google" in text:
        raise ValueError(
            "must be a GCP project id: 6 to 30 lowercase letters, digits and hyphens, starting "
            "with a letter, not ending with a hyphen, not containing `google`"
        )
    return text


def _network_cidr(value: object) -> object:
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=True)
    except ValueError:
        raise ValueError("must be an IPv4 network in CIDR notation, e.g. 10.10.0.0/16") from None
    if not isinstance(network, ipaddress.IPv4Network) or not any(
        network.subnet_of(private) for private in _PRIVATE_NETWORKS
    ):
        raise ValueError("must be a private IPv4 range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)")
    if not NETWORK_MIN_PREFIX <= network.prefixlen <= NETWORK_MAX_PREFIX:
        raise ValueError(
            f"must have a prefix from /{NETWORK_MIN_PREFIX} to /{NETWORK_MAX_PREFIX}, so the node, "
            "pod and service ranges derived from it fit"
        )
    return str(network)


#: GKE takes at most 50 authorized networks while the endpoint is public
#: (https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks).
ADMIN_CIDRS_MAX = 50


def _gke_admin_cidrs(value: object) -> object:
    """IPv4 networks that may reach the GKE control plane; empty is allowed (nobody yet)."""
    entries = [entry.strip() for entry in str(value).split(",") if entry.strip()]
    rule = (
        f"must be up to {ADMIN_CIDRS_MAX} IPv4 networks in CIDR notation, comma-separated "
        "(e.g. 203.0.113.7/32), none of them 0.0.0.0/0"
    )
    if len(entries) > ADMIN_CIDRS_MAX:
        raise ValueError(rule)
    networks: list[str] = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError:
            raise ValueError(f"{rule}; not one: `{entry}`") from None
        # The control plane's authorized networks are IPv4 only; /0 would open it to everyone.
        if not isinstance(network, ipaddress.IPv4Network) or network.prefixlen == 0:
            raise ValueError(f"{rule}; not one: `{entry}`")
        if str(network) not in networks:
            networks.append(str(network))
    return ",".join(networks)


#: Cloud SQL's availability types: a standby in a second zone with failover, or one zone
#: (https://cloud.google.com/sql/docs/postgres/high-availability).
DATABASE_AVAILABILITY = ("REGIONAL", "ZONAL")


def _database_availability_type(value: object) -> object:
    text = str(value).strip().upper()
    if text not in DATABASE_AVAILABILITY:
        raise ValueError(
            "must be REGIONAL (a standby in another zone, automatic failover) or ZONAL (one zone)"
        )
    return text


# A repository name as VCS integrations show it (`name` or `owner/name`), and a git branch name.
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?")
_BRANCH = re.compile(r"(?!/)(?!.*(?:\.\.|//|@\{|\.lock$|/$))[A-Za-z0-9._/-]{1,200}")


def _repository(value: object) -> object:
    text = str(value)
    if not _REPOSITORY.fullmatch(text):
        raise ValueError("must be a repository name such as `billing-api` or `acme/billing-api`")
    return text


def _branch(value: object) -> object:
    text = str(value)
    if not _BRANCH.fullmatch(text):
        raise ValueError("must be a git branch name such as `main`")
    return text


def _items(value: object) -> list[str]:
    """A comma-separated answer as its items; an empty answer is an empty list."""
    return [item.strip() for item in str(value).split(",") if item.strip()]


_WORLD = (ipaddress.ip_network("0.0.0.0/0"),)


def _eks_admin_cidrs(value: object) -> object:
    # EKS's public endpoint filters IPv4 sources (public_access_cidrs), private ranges never
    # reach it, and the world is what the private endpoint keeps out (the plan policy denies it).
    networks = []
    for item in _items(value):
        try:
            network = ipaddress.ip_network(item, strict=True)
        except ValueError:
            network = None
        if (
            network is None
            or network in _WORLD
            or isinstance(network, ipaddress.IPv6Network)
            or any(network.subnet_of(private) for private in _PRIVATE_NETWORKS)
        ):
            raise ValueError(
                "must be public IPv4 ranges in CIDR notation, comma-separated (e.g. "
                "203.0.113.0/24), never 0.0.0.0/0; empty keeps the API endpoint private"
            )
        networks.append(str(network))
    return ",".join(networks)


# An IAM role or user, as an access entry names it: an assumed-role session ARN (what
# `aws sts get-caller-identity` prints for SSO users) is refused by EKS.
_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(?:role|user)/[A-Za-z0-9+=,.@_/-]{1,512}")


def _admin_principal_arns(value: object) -> object:
    arns = _items(value)
    if not all(_PRINCIPAL.fullmatch(arn) for arn in arns):
        raise ValueError(
            "must be IAM role or user ARNs, comma-separated (e.g. "
            "arn:aws:iam::123456789012:role/admin), not assumed-role session ARNs"
        )
    return ",".join(arns)


#: Who may reach the cluster's API differs by cloud: GKE's authorized networks also filter its
#: private endpoint (private ranges are useful there), EKS's CIDRs filter only the public one.
_ADMIN_CIDRS: Mapping[str, Callable[[object], object]] = {
    "GCP": _gke_admin_cidrs,
    "AWS": _eks_admin_cidrs,
}

#: The answer that lets a region missing from the bundled list through, unchecked.
REGION_UNCHECKED = "region_unchecked"


def _true_or_false(value: object) -> object:
    # Rendered as an HCL bool and compared in the templates; YAML answer files may give a bool.
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ValueError("must be true or false")
    return text


def _count(minimum: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"must be an integer from {minimum} to {NODES_MAX}")
        try:
            number = int(str(value).strip())
        except ValueError:
            number = -1
        if not minimum <= number <= NODES_MAX:
            raise ValueError(f"must be an integer from {minimum} to {NODES_MAX}")
        return number

    return check


RULES: Mapping[str, Rule] = {
    rule.field: rule
    for rule in (
        Rule("project_name", _project_name),
        Rule("project_slug", _project_slug),
        Rule("app_port", _app_port),
        Rule("gcp_project_id", _gcp_project_id),
        Rule("network_cidr", _network_cidr),
        # GKE autoscaling allows a minimum of 0 nodes per zone; the maximum must be at least 1.
        Rule("node_min_count", _count(0)),
        Rule("node_max_count", _count(1)),
        Rule("repository", _repository),
        Rule("aws_account_id", _aws_account_id),
        Rule("kubernetes_version", _kubernetes_version),
        Rule("availability_zones", _zones),
        Rule("branch", _branch),
        Rule("database_availability_type", _database_availability_type),
        Rule("database_high_availability", _true_or_false),
        Rule(REGION_UNCHECKED, _true_or_false),
        Rule("admin_principal_arns", _admin_principal_arns),
    )
}


def _cloud_rules(cloud: Cloud | None, *, region_unchecked: bool = False) -> dict[str, Rule]:
    """Rules whose answer depends on the template's cloud: region, machine type, admin CIDRs.

    With ``region_unchecked``, a region the bundled list does not know (one newer than this
    release) is accepted if it is shaped like one of the cloud's regions.
    """
    if cloud is None:
        return {}
    article = f"{'an' if cloud.name[0] in 'AEIOU' else 'a'} {cloud.name}"

    def region(value: object) -> object:
        text = str(value)
        if text in cloud.regions:
            return text
        shape = cloud.region_shape
        if region_unchecked and shape is not None and shape.fullmatch(text):
            return text
        hint = (
            f"; a region newer than scaffolder's list needs `{REGION_UNCHECKED}=true`"
            if shape is not None and not region_unchecked
            else ""
        )
        raise ValueError(f"must be {article} region, e.g. {cloud.example_region}{hint}")

    def machine_type(value: object) -> object:
        if not cloud.machine_type.fullmatch(str(value)):
            raise ValueError(f"must be {article} machine type, e.g. {cloud.example_machine_type}")
        problem = cloud.machine_type_problem(str(value)) if cloud.machine_type_problem else None
        if problem:
            raise ValueError(problem)
        return str(value)

    rules = {
        "region": Rule("region", region),
        "node_machine_type": Rule("node_machine_type", machine_type),
    }
    if cloud.name in _ADMIN_CIDRS:
        rules["admin_cidrs"] = Rule("admin_cidrs", _ADMIN_CIDRS[cloud.name])
    return rules


def check_answers(
    answers: Mapping[str, object],
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    cloud: Cloud | None = None,
) -> Answers:
    """Check every answer and return the normalised answers.

    Args:
        answers: Field name to value; values are data, never rendered.
        choices: Fields whose value must be one of a fixed list (from ``cookiecutter.json``).
        cloud: The cloud of the template's platform, for `region`, `node_machine_type` and
            `availability_zones`.

    Returns:
        The answers with normalised values (``app_port`` as ``int``).

    Raises:
        InvalidAnswers: One or more fields break their rule; every broken field is listed.
    """
    choices = choices or {}
    unchecked = str(answers.get(REGION_UNCHECKED, "false")).strip().lower() == "true"
    cloud_rules = _cloud_rules(cloud, region_unchecked=unchecked)
    errors: list[InvalidAnswer] = []
    cleaned: Answers = {}
    for field, value in answers.items():
        if field in choices:
            allowed = [str(option) for option in choices[field]]
            if str(value) not in allowed:
                errors.append(
                    InvalidAnswer(
                        field=field, value=value, reason=f"must be one of {', '.join(allowed)}"
                    )
                )
                continue
            cleaned[field] = str(value)
            continue
        rule = cloud_rules.get(field) or RULES.get(field)
        if rule is None:
            cleaned[field] = value
            continue
        try:
            cleaned[field] = rule.check(value)
        except ValueError as error:
            errors.append(InvalidAnswer(field=field, value=value, reason=str(error)))
    low, high = cleaned.get("node_min_count"), cleaned.get("node_max_count")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        errors.append(
            InvalidAnswer(
                field="node_min_count",
                value=low,
                reason=f"must not be larger than node_max_count ({high})",
            )
        )
    region, zones = cleaned.get("region"), cleaned.get("availability_zones")
    if cloud and cloud.zones and isinstance(region, str) and isinstance(zones, str):
        letters = cloud.zones.get(region)
        # An unchecked region's zones are known only by their prefix.
        wrong = [
            z
            for z in zones.split(",")
            if z[:-1] != region or (letters is not None and z[-1] not in letters)
        ]
        if wrong:
            # An unchecked region's zone letters are unknown; a listed one shows its own.
            known = letters or "ab"
            errors.append(
                InvalidAnswer(
                    field="availability_zones",
                    value=zones,
                    reason=f"must be zones of region {region} ({region}{known[0]}, "
                    f"{region}{known[1]}, ...); not in it: {', '.join(wrong)}",
                )
            )
    if errors:
        raise InvalidAnswers(errors=errors)
    return cleaned
