"""The database a workload's DATABASE_URL names is the one the Terraform creates, as it serves.

The URL is read where it is static: a literal `value` of the container's `DATABASE_URL`, or the
key of a Secret in the rendered set (a `secretGenerator`'s env file). Compared, in the
repository whose cluster runs the workload:

- Cloud SQL through the Auth Proxy sidecar (a container of the pod whose image is
  `cloud-sql-proxy`, with a static `--port`): the URL names `127.0.0.1` or `localhost` at that
  port, without TLS (the proxy serves plain connections on the loopback and encrypts the rest).
- RDS (exactly one `aws_db_instance`): the URL's port is the instance's `port` (5432 for
  PostgreSQL when unset); when its parameter group sets `rds.force_ssl = 1`, the URL's
  `sslmode` is `require`, `verify-ca` or `verify-full`. The endpoint host is computed by AWS,
  so the host is not compared.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from scaffolder.validation.infra.estate import KUSTOMIZATIONS, Deployment, Estate, Resource
from scaffolder.validation.kubernetes.objects import FieldPath, Obj, containers, get, workloads
from scaffolder.validation.model import Finding, Rule, Severity
from scaffolder.validation.terraform.syntax import GetAttr, Traversal, Variable, literal_value
from scaffolder.validation.yamlpos import YamlSyntaxError

DATABASE_MISMATCH = Rule(
    "INFRA023",
    "database-url-mismatch",
    Severity.ERROR,
    "A workload's DATABASE_URL host, port or TLS mode disagrees with the Terraform database.",
)
RULES = (DATABASE_MISMATCH,)

_NAME = "DATABASE_URL"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_TLS = {"require", "verify-ca", "verify-full"}
_PORT = re.compile(r"^--port[= ](\d+)$")
_HASHED = re.compile(r"-[a-z0-9]{10}$")
_DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}


@dataclass(frozen=True, slots=True)
class Url:
    """A DATABASE_URL and where it is written: ``(path, line, column)``."""

    host: str | None
    port: int
    sslmode: str
    path: Path
    line: int
    column: int


def _parse(text: str, path: Path, line: int, column: int) -> Url | None:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"postgres", "postgresql"}:
        return None
    query = parse_qs(parts.query)
    # libpq's `host` and `port` parameters override the authority's.
    host = query.get("host", [parts.hostname])[0]
    if "port" in query:
        if not query["port"][0].isdigit():
            return None
        port = int(query["port"][0])
    sslmode = query.get("sslmode", ["prefer"])[0]
    return Url(host, port or 5432, sslmode, path, line, column)


def _env_file_line(estate: Estate, obj: Obj, key: str) -> tuple[Path, int] | None:
    """The env file of the `secretGenerator` that made Secret ``obj``, and the line of ``key``.

    A generated object is placed at the kustomization that generates it.
    """
    source = estate.context.base / obj.source
    if source.name not in KUSTOMIZATIONS:
        return None
    directory = source.parent
    secret = obj.name
    for name in KUSTOMIZATIONS:
        path = directory / name
        if path not in estate.context.files:
            continue
        try:
            documents = estate.context.files.yaml(path)
        except (YamlSyntaxError, OSError, UnicodeDecodeError):
            return None
        data = documents[0].data if documents else None
        generators = data.get("secretGenerator") if isinstance(data, dict) else None
        for generator in generators if isinstance(generators, list) else []:
            if not isinstance(generator, dict) or generator.get("name") != _HASHED.sub("", secret):
                continue
            envs = generator.get("envs")
            for env in envs if isinstance(envs, list) else []:
                file = directory / str(env)
                try:
                    lines = estate.context.files.text(file).splitlines()
                except (OSError, UnicodeDecodeError, KeyError):
                    continue
                for number, content in enumerate(lines, start=1):
                    if content.startswith(f"{key}="):
                        return file, number
        return None
    return None


def _urls(
    estate: Estate,
    obj: Obj,
    objects: tuple[Obj, ...],
    path: FieldPath,
    container: dict[str, object],
) -> Iterator[Url]:
    env = container.get("env")
    for index, item in enumerate(env if isinstance(env, list) else []):
        if not isinstance(item, dict) or item.get("name") != _NAME:
            continue
        if isinstance(item.get("value"), str):
            text = str(item["value"])
            finding = estate.finding(
                obj, DATABASE_MISMATCH, [*path, "env", index, "value"], "", text=text
            )
            url = _parse(text, estate.context.base / finding.path, finding.line, finding.column)
            if url is not None:
                yield url
            continue
        ref = get(item, ["valueFrom", "secretKeyRef"])
        if not isinstance(ref, dict):
            continue
        for secret in objects:
            if secret.kind != "Secret" or secret.name != ref.get("name"):
                continue
            encoded = get(secret.data, ["data", str(ref.get("key"))])
            try:
                text = base64.b64decode("".join(str(encoded).split()), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue
            where = _env_file_line(estate, secret, str(ref.get("key")))
            if where is not None:
                url = _parse(text, where[0], where[1], 1)
                if url is not None:
                    yield url


def _proxy_port(
    estate: Estate, obj: Obj, base: FieldPath, spec: dict[str, object]
) -> tuple[int, str] | None:
    """The port the pod's Cloud SQL Auth Proxy sidecar listens on, and `file:line` setting it."""
    for _, path, _, container in containers(obj, base, spec):
        if "cloud-sql-proxy" not in str(container.get("image", "")):
            continue
        args = container.get("args")
        for index, arg in enumerate(args if isinstance(args, list) else []):
            match = _PORT.match(str(arg))
            if match:
                field = [*path, "args", index]
                at = estate.finding(obj, DATABASE_MISMATCH, field, "", text=str(arg))
                return int(match[1]), estate.cite(at.path, at.line)
    return None


def _reference(expr: object, type_: str) -> str | None:
    """The name of the ``type_`` resource an attribute expression refers to, if it does."""
    if (
        isinstance(expr, Traversal)
        and isinstance(expr.source, Variable)
        and expr.source.name == type_
        and expr.steps
        and isinstance(expr.steps[0], GetAttr)
    ):
        return expr.steps[0].name
    return None


def _rds(
    estate: Estate, deployment: Deployment
) -> tuple[Resource, int, str, tuple[bool, str] | None] | None:
    """The one RDS instance: its port, `file:line` of it, and (force_ssl, `file:line`)."""
    instances = [r for r in deployment.resources if r.type == "aws_db_instance"]
    if len(instances) != 1:
        return None
    instance = instances[0]
    _, engine = estate.attribute(instance, "engine")
    attribute = instance.block.attributes.get("port")
    if attribute is not None:
        port = literal_value(attribute.value)
        if not isinstance(port, int) or isinstance(port, bool):
            return None
        where = estate.where(instance.file, attribute.value.line)
    elif engine in _DEFAULT_PORTS:
        port = _DEFAULT_PORTS[engine]
        where = estate.where(instance.file, instance.block.line)
    else:
        return None
    group = instance.block.attributes.get("parameter_group_name")
    named = _reference(group.value, "aws_db_parameter_group") if group is not None else None
    force: tuple[bool, str] | None = None
    for resource in deployment.resources:
        if resource.type != "aws_db_parameter_group" or resource.name != named:
            continue
        for parameter in resource.block.blocks("parameter"):
            _, name = estate.attribute_of(resource, parameter, "name")
            value_attribute, value = estate.attribute_of(resource, parameter, "value")
            if name == "rds.force_ssl" and value in {"0", "1"} and value_attribute is not None:
                force = (value == "1", estate.where(resource.file, value_attribute.value.line))
    return instance, port, where, force


def check(estate: Estate) -> Iterator[Finding]:
    """INFRA023 at a DATABASE_URL that the Terraform database does not serve."""
    for deployment in estate.deployments():
        objects = deployment.objects.objects
        cloud_sql = any(r.type == "google_sql_database_instance" for r in deployment.resources)
        rds = _rds(estate, deployment)
        for obj, base, spec in workloads(deployment.objects):
            proxy = _proxy_port(estate, obj, base, spec) if cloud_sql else None
            for _, path, what, container in containers(obj, base, spec):
                for url in _urls(estate, obj, objects, path, container):
                    yield from _judge(estate, what, url, proxy, rds)


def _judge(
    estate: Estate,
    what: str,
    url: Url,
    proxy: tuple[int, str] | None,
    rds: tuple[Resource, int, str, tuple[bool, str] | None] | None,
) -> Iterator[Finding]:
    def at(message: str) -> Finding:
        return estate.context.finding(DATABASE_MISMATCH, url.path, url.line, url.column, message)

    if proxy is not None:
        port, where = proxy
        listens = f"the Cloud SQL proxy listens on 127.0.0.1:{port} ({where})"
        if url.host not in _LOOPBACK or url.port != port:
            yield at(f"{what}'s {_NAME} connects to {url.host}:{url.port}, but {listens}")
        elif url.sslmode in _TLS:
            yield at(
                f"{what}'s {_NAME} asks for sslmode={url.sslmode}, but {listens} without TLS "
                "(it encrypts the connection to Cloud SQL itself): use sslmode=disable"
            )
        return
    if rds is None:
        return
    instance, port, where, force = rds
    if url.port != port:
        yield at(
            f"{what}'s {_NAME} connects to port {url.port}, but `{instance.address}` "
            f"listens on {port} ({where})"
        )
    if force is not None and force[0] and url.sslmode not in _TLS:
        yield at(
            f"{what}'s {_NAME} uses sslmode={url.sslmode}, but `{instance.address}` sets "
            f"`rds.force_ssl = 1` ({force[1]}): use sslmode=verify-full (or require, verify-ca)"
        )
