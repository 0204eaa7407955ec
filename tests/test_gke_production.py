"""The gke template's production path: Cloud SQL over Private Service Access, reached by the app
through the Cloud SQL Auth Proxy sidecar with IAM database authentication, for every variant of
the answers that shape it (each runtime with each `database_availability_type`, `admin_cidrs` empty or set).

What every cloud template shares is tested in ``test_cloud_templates.py``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from scaffolder.answers import check_answers
from scaffolder.clouds import GCP
from scaffolder.errors import InvalidAnswers
from scaffolder.generation import generate
from scaffolder.validation import validate
from scaffolder.validation.terraform.hcl import parse
from scaffolder.validation.terraform.syntax import (
    Attribute,
    Block,
    Call,
    literal_value,
    string_value,
)

from .conftest import RUNTIMES, require_module, require_tool, run_checkov
from .test_cloud_templates import CLOUDS, _address, _blocks, _closure, _graph, _hcl, _template

Variant = tuple[str, str, str]
#: runtime, database_availability_type, admin_cidrs: both runtimes with both availability types,
#: the admin ranges empty for one and set (two, with a duplicate and spaces) for the other.
VARIANTS: list[Variant] = [
    (runtime, availability, cidrs)
    for runtime in RUNTIMES
    for availability, cidrs in (
        ("REGIONAL", ""),
        ("ZONAL", " 203.0.113.7/32, 198.51.100.0/24,203.0.113.7/32"),
    )
]


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Variant], Path]:
    cache: dict[Variant, Path] = {}

    def render(key: Variant) -> Path:
        if key not in cache:
            runtime, availability, cidrs = key
            out = tmp_path_factory.mktemp(f"gke-{runtime}-{availability}")
            cache[key] = generate(
                "gke",
                out,
                answers={
                    "app_runtime": runtime,
                    "database_availability_type": availability,
                    "admin_cidrs": cidrs,
                },
            )
        return cache[key]

    return render


def _tfvars(project: Path) -> dict[str, object]:
    tfvars = parse((project / "infra/terraform.tfvars").read_text(), "terraform.tfvars")
    return {a.name: literal_value(a.value) for a in tfvars.body if isinstance(a, Attribute)}


def _overlay(project: Path, kubectl: str) -> list[dict]:
    result = subprocess.run(
        [kubectl, "kustomize", str(project / "k8s/overlays/gke")],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.parametrize("key", VARIANTS, ids=["-".join(v[:2]) for v in VARIANTS])
def test_every_variant_validates_formats_and_renders_strictly(
    variant: Callable[[Variant], Path], key: Variant, terraform: str, kubectl: str
) -> None:
    project = variant(key)
    _, availability, cidrs = key
    assert validate([project], cache=False).findings == ()
    fmt = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout
    kubernetes_validate = require_module("kubernetes_validate")
    for obj in _overlay(project, kubectl):
        kubernetes_validate.validate(obj, "1.33", strict=True)
    # The answers arrive in infra/ as written, normalised (no duplicates, no spaces).
    values = _tfvars(project)
    assert values["database_availability_type"] == availability
    expected = list(dict.fromkeys(c.strip() for c in cidrs.split(",") if c.strip()))
    assert values["master_authorized_networks"] == [
        {"cidr_block": cidr, "display_name": f"admin-{n}"} for n, cidr in enumerate(expected, 1)
    ]


def test_checkov_passes_the_zonal_variants_with_the_same_skips(
    variant: Callable[[Variant], Path], checkov: str, tmp_path: Path
) -> None:
    """The default (REGIONAL) variants are checked in test_cloud_templates.py."""
    for key in VARIANTS:
        if key[1] == "ZONAL":
            shutil.copytree(variant(key), tmp_path / key[0], ignore=shutil.ignore_patterns(".env"))
    reports = run_checkov(checkov, tmp_path, "terraform,kubernetes")
    skipped = set()
    for report in reports:
        assert report["results"]["failed_checks"] == [], [
            (c["check_id"], c["file_path"]) for c in report["results"]["failed_checks"]
        ]
        skipped |= {c["check_id"] for c in report["results"]["skipped_checks"]}
    assert skipped == CLOUDS["gke"]["skips"]


def _resource(files: list, kind: str, name: str) -> Block:
    (block,) = [b for b in _blocks(files, "resource", kind) if b.label(1) == name]
    return block


def _attribute(block: Block, path: str) -> object:
    """The literal value at ``settings.ip_configuration.ssl_mode``-style paths."""
    *blocks, name = path.split(".")
    for step in blocks:
        (block,) = list(block.blocks(step))
    return literal_value(block.attributes[name].value)


def test_the_database_is_private_encrypted_backed_up_protected_and_tls_only(
    generated: Callable[[str, str], Path],
) -> None:
    infra = _hcl(generated("gke", "python") / "infra")
    instance = _resource(infra, "google_sql_database_instance", "this")
    assert _attribute(instance, "settings.ip_configuration.ipv4_enabled") is False
    (ip,) = list(next(iter(instance.blocks("settings"))).blocks("ip_configuration"))
    assert _address(ip.attributes["private_network"].value) == "google_compute_network.this.id"
    assert _address(instance.attributes["encryption_key_name"].value) == (
        "google_kms_crypto_key.database.id"
    )
    assert _address(instance.attributes["deletion_protection"].value) == "var.deletion_protection"
    assert (
        _address(next(iter(instance.blocks("settings"))).attributes["availability_type"].value)
        == "var.database_availability_type"
    )
    assert _attribute(instance, "settings.ip_configuration.ssl_mode") == (
        "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    )
    assert _attribute(instance, "settings.connector_enforcement") == "REQUIRED"
    assert _attribute(instance, "settings.backup_configuration.enabled") is True
    assert (
        _attribute(instance, "settings.backup_configuration.point_in_time_recovery_enabled") is True
    )
    flags = {
        string_value(f.attributes["name"].value): string_value(f.attributes["value"].value)
        for f in next(iter(instance.blocks("settings"))).blocks("database_flags")
    }
    assert flags["cloudsql.iam_authentication"] == "on"
    graph = _graph(infra)
    needs = _closure(graph, "google_sql_database_instance.this")
    # Created after its private network path and after Cloud SQL may use the key (kms.tf).
    assert {
        "google_service_networking_connection.database",
        "google_kms_crypto_key_iam_member.sql",
        "google_kms_crypto_key.database",
    } <= needs
    key = _resource(infra, "google_kms_crypto_key_iam_member", "sql")
    assert (
        string_value(key.attributes["role"].value) == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    )
    assert "google_project_service_identity.sql" in _closure(
        graph, "google_kms_crypto_key_iam_member.sql"
    )
    # The Workload Identity binding waits for the cluster that creates the identity pool.
    assert "google_container_cluster.this" in _closure(
        graph, "google_service_account_iam_member.app_workload_identity"
    )
    user = _resource(infra, "google_sql_user", "app")
    assert string_value(user.attributes["type"].value) == "CLOUD_IAM_SERVICE_ACCOUNT"
    assert literal_value(user.attributes["database_roles"].value) == ["cloudsqlsuperuser"]


def test_the_app_reaches_cloud_sql_through_the_proxy_sidecar_without_a_secret(
    generated: Callable[[str, str], Path], kubectl: str
) -> None:
    project = generated("gke", "python")
    objects = {(o["kind"], o["metadata"]["name"]): o for o in _overlay(project, kubectl)}
    assert not [kind for kind, _ in objects if kind == "Secret"]
    pod = objects[("Deployment", "my-service")]["spec"]["template"]["spec"]
    (proxy,) = pod["initContainers"]
    # A native sidecar: an init container that keeps running.
    assert proxy["restartPolicy"] == "Always"
    assert proxy["image"].startswith("gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.")
    args = proxy["args"]
    assert {"--auto-iam-authn", "--private-ip"} <= set(args)
    port = next(int(a.split("=", 1)[1]) for a in args if a.startswith("--port="))
    assert proxy["startupProbe"]["httpGet"]["path"] == "/startup"
    assert proxy["securityContext"]["runAsNonRoot"] is True
    assert proxy["securityContext"]["readOnlyRootFilesystem"] is True

    # The instance the proxy dials is the one infra/ creates: <project>:<region>:<name>-db.
    infra = _hcl(project / "infra")
    values = _tfvars(project)
    instance = _resource(infra, "google_sql_database_instance", "this")
    name = _template(instance.attributes["name"].value)
    assert name == "${var.name}-db"
    connection = f"{values['project_id']}:{values['region']}:{values['name']}-db"
    assert args[-1] == connection

    # DATABASE_URL: the proxy on loopback, the IAM user, the database, no password.
    (env,) = pod["containers"][0]["env"]
    assert env["name"] == "DATABASE_URL" and "valueFrom" not in env
    url = urlsplit(env["value"])
    assert (url.scheme, url.hostname, url.port, url.password) == (
        "postgresql",
        "127.0.0.1",
        port,
        None,
    )
    assert parse_qs(url.query) == {"sslmode": ["disable"]}
    # google_sql_user.app is the app account's email without `.gserviceaccount.com`.
    user = _resource(infra, "google_sql_user", "app")
    trim = user.attributes["name"].value
    assert isinstance(trim, Call) and trim.name == "trimsuffix", trim
    assert _address(trim.args[0]) == "google_service_account.app.email"
    assert literal_value(trim.args[1]) == ".gserviceaccount.com"
    account = objects[("ServiceAccount", "my-service")]["metadata"]["annotations"][
        "iam.gke.io/gcp-service-account"
    ]
    assert unquote(url.username or "") == account.removesuffix(".gserviceaccount.com")
    assert url.path == "/" + str(values["name"]).replace("-", "_")

    # Under the base's default deny, the sidecar may reach the metadata server, Google APIs
    # and the instance's server-side proxy port.
    policy = objects[("NetworkPolicy", "my-service-cloud-sql-proxy")]
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert {80, 988, 443, 3307} <= ports
    # And the Kubernetes stack checks the overlay against infra's output before deploying.
    config = yaml.safe_load((project / ".spacelift/config.yml").read_text())
    hooks = config["stacks"]["my-service-k8s"]["before_init"]
    (check,) = [hook for hook in hooks if "$DATABASE_INSTANCE" in hook]
    overlay = project / "k8s/overlays/gke"
    for instance, passes in ((connection, True), (f"{connection}-other", False)):
        result = subprocess.run(
            ["sh", "-c", check],
            cwd=overlay,
            env={"PATH": os.environ["PATH"], "DATABASE_INSTANCE": instance},
            check=False,
        )
        assert (result.returncode == 0) is passes, instance
    outputs = {b.label(0) for b in _blocks(infra, "output")}
    assert {"database_instance", "database_name", "database_user"} <= outputs


def _postgres_bin(name: str) -> str:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<major>/bin."""
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    return require_tool(name, found)


def test_the_role_the_iam_user_gets_lets_its_migration_create_its_table(
    generated: Callable[[str, str], Path], kubectl: str
) -> None:
    """A real PostgreSQL 15+ set up as Cloud SQL sets one up (the database owned by
    `cloudsqlsuperuser`, the IAM user created without privileges): the app's user cannot create
    in `public` until it has the roles infra/database.tf gives it, and then it can."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    psql = require_tool("psql", shutil.which("psql"))
    project = generated("gke", "python")
    roles = literal_value(
        _resource(_hcl(project / "infra"), "google_sql_user", "app")
        .attributes["database_roles"]
        .value
    )
    assert isinstance(roles, list) and roles
    objects = {(o["kind"], o["metadata"]["name"]): o for o in _overlay(project, kubectl)}
    (env,) = objects[("Deployment", "my-service")]["spec"]["template"]["spec"]["containers"][0][
        "env"
    ]
    url = urlsplit(env["value"])
    user, database = unquote(url.username or ""), url.path.lstrip("/")

    # initdb refuses to run as root: run the server as the `postgres` account then, in a
    # directory it can reach (pytest's own is private to root).
    with tempfile.TemporaryDirectory(prefix="scaffolder-pg-") as directory:
        tmp_path = Path(directory)
        as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            as_owner = ["runuser", "-u", "postgres", "--"]
            os.chown(tmp_path, owner.pw_uid, owner.pw_gid)
        _check_privileges(as_owner, initdb, pg_ctl, psql, tmp_path, user, database, roles)


def _check_privileges(
    as_owner: list[str],
    initdb: str,
    pg_ctl: str,
    psql: str,
    tmp_path: Path,
    user: str,
    database: str,
    roles: list[object],
) -> None:
    data, sockets = tmp_path / "data", tmp_path
    subprocess.run(
        [*as_owner, initdb, "-D", str(data), "-A", "trust", "-U", "admin"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_owner,
            pg_ctl,
            "-D",
            str(data),
            "-w",
            "-l",
            str(tmp_path / "log"),
            "-o",
            f"-k {sockets} -c listen_addresses=''",
            "start",
        ],
        check=True,
        capture_output=True,
    )

    def sql(role: str, db: str, statement: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                psql,
                "-h",
                str(sockets),
                "-U",
                role,
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-q",
                "-c",
                statement,
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    try:
        version = sql(
            "admin", "postgres", "SELECT 'version=' || current_setting('server_version_num')"
        )
        assert version.returncode == 0, version.stderr
        # PostgreSQL 15 took CREATE on `public` away from everyone but the database owner.
        assert int(version.stdout.split("version=")[1].split()[0]) >= 150000
        setup = [
            "CREATE ROLE cloudsqlsuperuser NOLOGIN CREATEROLE CREATEDB",
            f"CREATE DATABASE {database} OWNER cloudsqlsuperuser",
            f'CREATE ROLE "{user}" LOGIN',
        ]
        for statement in setup:
            done = sql("admin", "postgres", statement)
            assert done.returncode == 0, done.stderr
        table = "CREATE TABLE migration_probe (id integer)"
        refused = sql(user, database, table)
        assert refused.returncode != 0
        assert "permission denied for schema public" in refused.stderr
        for role in roles:
            done = sql("admin", database, f'GRANT {role} TO "{user}"')
            assert done.returncode == 0, done.stderr
        created = sql(user, database, table)
        assert created.returncode == 0, created.stderr
    finally:
        subprocess.run(
            [*as_owner, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("admin_cidrs", "", ""),
        ("admin_cidrs", " 203.0.113.7/32 , ", "203.0.113.7/32"),
        (
            "admin_cidrs",
            "203.0.113.7/32,198.51.100.0/24,203.0.113.7/32",
            "203.0.113.7/32,198.51.100.0/24",
        ),
        (
            "admin_cidrs",
            ",".join(f"198.51.100.{n}/32" for n in range(50)),
            ",".join(f"198.51.100.{n}/32" for n in range(50)),
        ),
        ("database_availability_type", "zonal", "ZONAL"),
        ("database_availability_type", " REGIONAL ", "REGIONAL"),
    ],
)
def test_new_answers_are_normalised(field: str, value: str, expected: str) -> None:
    assert check_answers({field: value}, cloud=GCP) == {field: expected}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # One entry: the answer is shown once, at the end; of several, the wrong one is named.
        ("admin_cidrs", "0.0.0.0/0", "none of them 0.0.0.0/0: `0.0.0.0/0`"),
        (
            "admin_cidrs",
            "203.0.113.7/32,10.0.0.1/8",
            "`10.0.0.1/8` is not one: `203.0.113.7/32,10.0.0.1/8`",
        ),
        ("admin_cidrs", "::/0", "none of them 0.0.0.0/0: `::/0`"),
        ("admin_cidrs", "203.0.113.300/32", "none of them 0.0.0.0/0: `203.0.113.300/32`"),
        (
            "admin_cidrs",
            ",".join(f"198.51.100.{n}/32" for n in range(51)),
            "up to 50 IPv4 networks",
        ),
        ("database_availability_type", "HA", "must be REGIONAL (a standby in another zone"),
        ("database_availability_type", "", "or ZONAL (one zone)"),
    ],
)
def test_bad_new_answers_name_the_field_and_the_rule(field: str, value: str, message: str) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        check_answers({field: value}, cloud=GCP)
    assert [error.field for error in caught.value.errors] == [field]
    assert f"`{field}` must" in str(caught.value) and message in str(caught.value)
    if value and len(value) < 80:  # a long answer is shown cut short
        assert str(caught.value).count(f"`{value}`") == 1, str(caught.value)
