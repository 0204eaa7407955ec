"""Answer rules: one rule per field name, shared by every template.

This module is imported by the templates' ``pre_gen_project`` hooks, so a template used with plain
``cookiecutter`` checks its answers with exactly the code ``scaffolder new`` uses. Keep it to the
standard library: the hook runs in whatever interpreter runs cookiecutter.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from scaffolder.clouds import EKS_VERSIONS, Cloud
from scaffolder.errors import InvalidAnswer, InvalidAnswers

Answers = dict[str, object]

# It becomes Kubernetes object names, image names and cloud resource ids. The rule is RFC 1035's
# label (a letter first), stricter than DNS-1123's (which allows a digit first): Services and
# several cloud resources need it. Short enough to leave room for suffixes such as `-infra` or
# `-nodes` inside 63-character limits.
_SLUG = re.compile(r"[a-z](?:[a-z0-9-]*[a-z0-9])?")
SLUG_MAX = 30
NAME_MAX = 100
#: Slugs a YAML 1.1 reader (PyYAML, kubectl, Spacelift) turns into a boolean or null: unquoted in
#: a generated manifest or config they are no longer the project's name.
YAML_AMBIGUOUS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
#: No answer needs more; longer values are refused before any rule looks at them.
VALUE_MAX = 1000


@dataclass(frozen=True, slots=True)
class Rule:
    """How one field is checked and normalised.

    ``check`` returns the normalised value or raises ``ValueError`` whose text is the rule;
    ``summary`` says the rule in a few words for `scaffolder list` and `new TEMPLATE --help`.
    """

    field: str
    check: Callable[[object], object]
    summary: str


def _kind(value: object) -> str:
    """How a YAML/JSON reader typed a value, for messages about answers of the wrong type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, datetime.date):
        return "a date"
    return f"a value of type {type(value).__name__}"


def _text(value: object) -> str:
    """An answer as text: strings as they are, integers as their digits (a name `1984`).

    Booleans, null, floats and dates are refused: `yes` or `1.10` unquoted in a YAML answers file
    is almost never what was meant, and guessing would render something else.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"must be text, not {_kind(value)} (quote it in a YAML answers file)")


def _integer(value: object, minimum: int, maximum: int, rule: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{rule}, not {_kind(value)}")
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text) or not minimum <= int(text) <= maximum:
        raise ValueError(rule)
    return int(text)


def _project_name(value: object) -> object:
    text = _text(value)
    if not text.strip() or len(text) > NAME_MAX or not text.isprintable():
        raise ValueError(f"must be 1 to {NAME_MAX} printable characters on one line")
    return text


SLUG_RULE = (
    f"must be an RFC 1035 label of at most {SLUG_MAX} characters (lowercase letters, digits and "
    "hyphens, starting with a letter, not ending with a hyphen)"
)


def _project_slug(value: object) -> object:
    text = _text(value)
    if len(text) > SLUG_MAX or not _SLUG.fullmatch(text):
        raise ValueError(SLUG_RULE)
    if text in YAML_AMBIGUOUS:
        raise ValueError(
            "must not be a word YAML reads as a boolean or null "
            f"({', '.join(sorted(YAML_AMBIGUOUS))}), which would not stay a name in manifests"
        )
    return text


def repair_slug(text: str) -> str | None:
    """A valid slug made from an invalid derived one (`123-billing` -> `billing`), if there is one.

    Used for the default of a re-asked slug, so the prompt never offers a value it would refuse.
    """
    candidate = re.sub(r"[^a-z0-9-]+", "-", text.lower()).lstrip("-0123456789")
    if len(candidate) > SLUG_MAX:
        cut = candidate[:SLUG_MAX]
        candidate = cut.rsplit("-", 1)[0] if "-" in cut else cut
    candidate = candidate.strip("-")
    try:
        return str(_project_slug(candidate))
    except ValueError:
        return None


def _app_port(value: object) -> object:
    # bool is an int subclass; `true` from a YAML answers file is not a port.
    return _integer(
        value, 1024, 65535, "must be an integer from 1024 to 65535 (the container runs as non-root)"
    )


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
    text = _text(value).strip()
    if not re.fullmatch(r"\d{12}", text):
        raise ValueError("must be a 12-digit AWS account id")
    return text


def _kubernetes_version(value: object) -> object:
    # `1.30` unquoted in YAML is the float 1.3: refused by _text rather than read as 1.3.
    text = _text(value).strip()
    if text not in EKS_VERSIONS:
        raise ValueError(f"must be a supported EKS version: {', '.join(EKS_VERSIONS)}")
    return text


def _zones(value: object) -> object:
    zones = [zone.strip() for zone in _text(value).split(",") if zone.strip()]
    if not 2 <= len(zones) <= 3 or len(set(zones)) != len(zones):
        raise ValueError("must be 2 or 3 distinct availability zones, comma-separated")
    return ",".join(zones)


def _gcp_project_id(value: object) -> object:
    text = _text(value)
    if not _GCP_PROJECT.fullmatch(text) or "google" in text:
        raise ValueError(
            "must be a GCP project id: 6 to 30 lowercase letters, digits and hyphens, starting "
            "with a letter, not ending with a hyphen, not containing `google`"
        )
    return text


def _network_cidr(value: object) -> object:
    text = _text(value).strip()
    try:
        network = ipaddress.ip_network(text, strict=True)
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


def _items(value: object) -> list[str]:
    """A comma-separated answer as its items; an empty answer is an empty list."""
    return [item.strip() for item in _text(value).split(",") if item.strip()]


#: GKE takes at most 50 authorized networks while the endpoint is public
#: (https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks).
ADMIN_CIDRS_MAX = 50


def _gke_admin_cidrs(value: object) -> object:
    """IPv4 networks that may reach the GKE control plane; empty is allowed (nobody yet)."""
    entries = _items(value)
    rule = (
        f"must be up to {ADMIN_CIDRS_MAX} IPv4 networks in CIDR notation, comma-separated "
        "(e.g. 203.0.113.7/32), none of them 0.0.0.0/0"
    )
    if len(entries) > ADMIN_CIDRS_MAX:
        raise ValueError(rule)
    networks: list[str] = []
    for entry in entries:
        # The error shows the whole answer; of several entries, it names the one at fault.
        wrong = f"{rule}; `{entry}` is not one" if len(entries) > 1 else rule
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError:
            raise ValueError(wrong) from None
        # The control plane's authorized networks are IPv4 only; /0 would open it to everyone.
        if not isinstance(network, ipaddress.IPv4Network) or network.prefixlen == 0:
            raise ValueError(wrong)
        if str(network) not in networks:
            networks.append(str(network))
    return ",".join(networks)


#: Cloud SQL's availability types: a standby in a second zone with failover, or one zone
#: (https://cloud.google.com/sql/docs/postgres/high-availability).
DATABASE_AVAILABILITY = ("REGIONAL", "ZONAL")


def _database_availability_type(value: object) -> object:
    text = _text(value).strip().upper()
    if text not in DATABASE_AVAILABILITY:
        raise ValueError(
            "must be REGIONAL (a standby in another zone, automatic failover) or ZONAL (one zone)"
        )
    return text


# A repository name as VCS integrations show it (`name` or `owner/name`), and a git branch name.
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?")
_BRANCH = re.compile(r"(?!/)(?!.*(?:\.\.|//|@\{|\.lock$|/$))[A-Za-z0-9._/-]{1,200}")


def _repository(value: object) -> object:
    text = _text(value)
    if not _REPOSITORY.fullmatch(text):
        raise ValueError("must be a repository name such as `billing-api` or `acme/billing-api`")
    return text


def _branch(value: object) -> object:
    text = _text(value)
    if not _BRANCH.fullmatch(text):
        raise ValueError("must be a git branch name such as `main`")
    return text


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
_ADMIN_CIDRS: Mapping[str, tuple[Callable[[object], object], str]] = {
    "GCP": (_gke_admin_cidrs, f"up to {ADMIN_CIDRS_MAX} IPv4 CIDRs, comma-separated, not /0"),
    "AWS": (_eks_admin_cidrs, "public IPv4 CIDRs, comma-separated, not /0; empty: private API"),
}

#: The answer that lets a region missing from the bundled list through, unchecked.
REGION_UNCHECKED = "region_unchecked"


def _true_or_false(value: object) -> object:
    # Rendered as an HCL bool and compared in the templates. A YAML or JSON answers file gives a
    # boolean, which is exactly what the field means; null, numbers and dates are refused.
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str) or value.strip().lower() not in {"true", "false"}:
        shown = f", not {_kind(value)}" if not isinstance(value, str) else ""
        raise ValueError(f"must be true or false{shown}")
    return value.strip().lower()


def _count(minimum: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        return _integer(
            value, minimum, NODES_MAX, f"must be an integer from {minimum} to {NODES_MAX}"
        )

    return check


RULES: Mapping[str, Rule] = {
    rule.field: rule
    for rule in (
        Rule("project_name", _project_name, f"free text, 1 to {NAME_MAX} printable characters"),
        Rule(
            "project_slug",
            _project_slug,
            f"RFC 1035 label, at most {SLUG_MAX} characters, not a YAML boolean or null word",
        ),
        Rule("app_port", _app_port, "integer from 1024 to 65535"),
        Rule("gcp_project_id", _gcp_project_id, "GCP project id: 6 to 30 characters, GCP's rule"),
        Rule(
            "network_cidr",
            _network_cidr,
            f"private IPv4 CIDR, /{NETWORK_MIN_PREFIX} to /{NETWORK_MAX_PREFIX}",
        ),
        # GKE autoscaling allows a minimum of 0 nodes per zone; the maximum must be at least 1.
        Rule("node_min_count", _count(0), f"integer from 0 to {NODES_MAX}"),
        Rule(
            "node_max_count",
            _count(1),
            f"integer from 1 to {NODES_MAX}, at least node_min_count",
        ),
        Rule("repository", _repository, "repository name, `name` or `owner/name`"),
        Rule("aws_account_id", _aws_account_id, "12-digit AWS account id"),
        Rule(
            "kubernetes_version",
            _kubernetes_version,
            f"EKS version in standard support: {', '.join(EKS_VERSIONS)}",
        ),
        Rule(
            "availability_zones",
            _zones,
            "2 or 3 distinct zones of the region, comma-separated",
        ),
        Rule("branch", _branch, "git branch name"),
        Rule(
            "database_availability_type",
            _database_availability_type,
            "REGIONAL (a standby in another zone) or ZONAL",
        ),
        Rule("database_high_availability", _true_or_false, "true or false (Multi-AZ)"),
        Rule(
            REGION_UNCHECKED,
            _true_or_false,
            "true or false: accept a region newer than the bundled list, unchecked",
        ),
        Rule(
            "admin_principal_arns",
            _admin_principal_arns,
            "IAM role or user ARNs, comma-separated",
        ),
    )
}


def _suggest(value: str, known: Sequence[str]) -> str:
    """` (did you mean `x`?)` for a near miss, so a typo is fixed without looking anything up."""
    import difflib

    close = [f"`{match}`" for match in difflib.get_close_matches(value, known, n=3, cutoff=0.75)]
    if not close:
        return ""
    listed = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
    return f" (did you mean {listed}?)"


def _cloud_rules(cloud: Cloud | None, *, region_unchecked: bool = False) -> dict[str, Rule]:
    """Rules whose answer depends on the template's cloud: region, machine type, admin CIDRs.

    With ``region_unchecked``, a region the bundled list does not know (one newer than this
    release) is accepted if it is shaped like one of the cloud's regions.
    """
    if cloud is None:
        return {}
    article = f"{'an' if cloud.name[0] in 'AEIOU' else 'a'} {cloud.name}"
    regions = sorted(cloud.regions)

    def region(value: object) -> object:
        text = _text(value).strip()
        if text in cloud.regions:
            return text
        shape = cloud.region_shape
        if region_unchecked and shape is not None and shape.fullmatch(text):
            return text
        hint = _suggest(text, regions) or f" (one of {', '.join(regions)})"
        if shape is not None and not region_unchecked:
            hint += f"; a region newer than scaffolder's list needs `{REGION_UNCHECKED}=true`"
        raise ValueError(f"must be {article} region{hint}")

    def machine_type(value: object) -> object:
        text = _text(value).strip()
        if not cloud.machine_type.fullmatch(text):
            hint = _suggest(text, cloud.machine_types) or f", e.g. {cloud.example_machine_type}"
            raise ValueError(f"must be {article} machine type{hint}")
        problem = cloud.machine_type_problem(text) if cloud.machine_type_problem else None
        if problem:
            raise ValueError(problem)
        return text

    rules = {
        "region": Rule("region", region, f"{article} region ({len(regions)} bundled)"),
        "node_machine_type": Rule(
            "node_machine_type",
            machine_type,
            f"{article} machine type, e.g. {cloud.example_machine_type}",
        ),
    }
    if cloud.name in _ADMIN_CIDRS:
        rules["admin_cidrs"] = Rule("admin_cidrs", *_ADMIN_CIDRS[cloud.name])
    return rules


def rules_for(cloud: Cloud | None, *, region_unchecked: bool = False) -> dict[str, Rule]:
    """Every field's rule for a template on ``cloud`` (None: a template without a cloud)."""
    return {**RULES, **_cloud_rules(cloud, region_unchecked=region_unchecked)}


def is_region_unchecked(answers: Mapping[str, object]) -> bool:
    """Whether the answers let a region newer than the bundled list through (`region_unchecked`)."""
    return str(answers.get(REGION_UNCHECKED, "false")).strip().lower() == "true"


def describe(field: str, *, choices: Mapping[str, Sequence[str]], cloud: Cloud | None) -> str:
    """A field's rule in a few words; the summaries name the cross-field rules too."""
    if field in choices:
        return f"one of {', '.join(choices[field])}"
    rule = rules_for(cloud).get(field)
    return rule.summary if rule else "free text"


@dataclass(frozen=True, slots=True)
class CrossRule:
    """A rule between two fields, checked as soon as both are known.

    ``check`` gets both normalised values and returns None, or what is wrong said of each field:
    of the later one (which an interactive prompt asks again, and which is blamed by default) and
    of the earlier one (blamed when only it was given, or when it is the one being asked).
    """

    fields: tuple[str, str]
    check: Callable[[object, object, Cloud | None], tuple[str, str] | None]


def _min_max(low: object, high: object, _cloud: Cloud | None) -> tuple[str, str] | None:
    if isinstance(low, int) and isinstance(high, int) and low > high:
        return (
            f"must be at least node_min_count ({low})",
            f"must not be larger than node_max_count ({high})",
        )
    return None


def _zones_in_region(region: object, zones: object, cloud: Cloud | None) -> tuple[str, str] | None:
    if not (cloud and cloud.zones and isinstance(region, str) and isinstance(zones, str)):
        return None
    letters = cloud.zones.get(region)
    # An unchecked region (not in the bundled table) has zones known only by their prefix.
    wrong = [
        z
        for z in zones.split(",")
        if z[:-1] != region or (letters is not None and z[-1] not in letters)
    ]
    if not wrong:
        return None
    examples = ", ".join(f"{region}{letter}" for letter in letters or "ab") + (
        "" if letters else ", ..."
    )
    return (
        f"must be zones of region {region} ({examples}); not in it: {', '.join(wrong)}",
        f"must be the region of availability_zones ({zones})",
    )


CROSS_RULES = (
    CrossRule(("node_min_count", "node_max_count"), _min_max),
    CrossRule(("region", "availability_zones"), _zones_in_region),
)


def check_answers(
    answers: Mapping[str, object],
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    cloud: Cloud | None = None,
    given: Collection[str] | None = None,
) -> Answers:
    """Check every answer and return the normalised answers.

    Args:
        answers: Field name to value; values are data, never rendered.
        choices: Fields whose value must be one of a fixed list (from ``cookiecutter.json``).
        cloud: The cloud of the template's platform, for `region`, `node_machine_type` and
            `availability_zones`.
        given: The fields the user answered, when the others are defaults: a rule between a
            given answer and a default is reported on the given one.

    Returns:
        The answers with normalised values (``app_port`` as ``int``).

    Raises:
        InvalidAnswers: One or more fields break their rule; every broken field is listed.
    """
    choices = choices or {}
    rules = rules_for(cloud, region_unchecked=is_region_unchecked(answers))
    errors: list[InvalidAnswer] = []
    cleaned: Answers = {}
    for field, value in answers.items():
        try:
            cleaned[field] = check_field(field, value, choices=choices, rules=rules)
        except ValueError as error:
            errors.append(InvalidAnswer(field=field, value=value, reason=str(error)))
    for rule in CROSS_RULES:
        first, second = rule.fields
        if first in cleaned and second in cleaned:
            reasons = rule.check(cleaned[first], cleaned[second], cloud)
            if reasons is None:
                continue
            if given is not None and first in given and second not in given:
                errors.append(InvalidAnswer(field=first, value=cleaned[first], reason=reasons[1]))
            else:
                errors.append(InvalidAnswer(field=second, value=cleaned[second], reason=reasons[0]))
    if errors:
        raise InvalidAnswers(errors=errors)
    return cleaned


def check_field(
    field: str,
    value: object,
    *,
    choices: Mapping[str, Sequence[str]],
    rules: Mapping[str, Rule],
) -> object:
    """One field's normalised value.

    Raises:
        ValueError: The value breaks the field's rule; the text is the rule.
    """
    if isinstance(value, str) and len(value) > VALUE_MAX:
        # Checked first so a huge value costs no regular expression and no suggestion search.
        raise ValueError(f"must be at most {VALUE_MAX} characters, not {len(value)}")
    if field in choices:
        allowed = [str(option) for option in choices[field]]
        text = value if isinstance(value, str) else None
        if text is None or text.strip() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return text.strip()
    rule = rules.get(field)
    return value if rule is None else rule.check(value)
