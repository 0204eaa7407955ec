"""PostgreSQL access: connection settings, a connection pool, migrations and the items table."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger("service.database")

# What `sslmode` may be, with the meaning documented in README.md; the same four in the Node.js
# app. libpq's `allow` and `prefer` fall back to plain text silently, so they are refused.
SSLMODES = ("disable", "require", "verify-ca", "verify-full")
# Waiting for a connection (from the pool, or a new one) never takes longer than this.
CONNECT_TIMEOUT = 2.0
# A query that runs longer is cancelled by the server: no request holds a connection for ever.
STATEMENT_TIMEOUT_MS = 5000
# Any fixed number: replicas starting together take this lock, so one of them migrates.
MIGRATION_LOCK = 727_001
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
ITEM_COLUMNS = """id, name,
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at"""


class DatabaseUnavailable(Exception):
    """The database did not answer in time; the request can be retried later."""


def connection_settings(url: str, password_file: str = "") -> Callable[[], dict[str, Any]]:
    """Keyword arguments for every new connection, checked once: a bad URL fails at start.

    The password comes from `password_file` when it is set, read for each new connection so a
    rotated secret applies without a restart; it overrides any password in the URL.
    """
    if not url:
        raise ValueError("DATABASE_URL is not set")
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise ValueError(f"DATABASE_URL is not a valid PostgreSQL URL: {error}") from None
    sslmode = str(params.get("sslmode", "disable"))
    if sslmode not in SSLMODES:
        allowed = ", ".join(SSLMODES)
        raise ValueError(f"DATABASE_URL: sslmode must be one of {allowed}, not {sslmode!r}")
    fixed: dict[str, Any] = {
        "sslmode": sslmode,
        "connect_timeout": int(CONNECT_TIMEOUT),
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        # A peer that vanishes (a node lost, a failover) is noticed in seconds, not hours.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    if sslmode == "verify-ca" and "sslrootcert" not in params:
        # "Signed by some public CA", whoever it was issued to, proves nothing (libpq refuses
        # verify-ca with its system roots too).
        raise ValueError("DATABASE_URL: sslmode=verify-ca needs sslrootcert=<CA bundle>")
    if sslmode == "verify-full" and "sslrootcert" not in params:
        # Without a CA bundle, trust the system's public CAs (libpq >= 16), not ~/.postgresql.
        fixed["sslrootcert"] = "system"

    def settings() -> dict[str, Any]:
        if not password_file:
            return fixed
        password = Path(password_file).read_text(encoding="utf-8").removesuffix("\n")
        return {**fixed, "password": password.removesuffix("\r")}

    settings()
    return settings


class Database:
    """A small pool of connections, the migrations and the queries of the service."""

    def __init__(self, url: str, password_file: str = "", *, max_size: int = 4) -> None:
        # Why the pool's last connection attempt failed: a pool timeout alone would hide a TLS or
        # password error behind "couldn't get a connection".
        self._connect_error = ""
        database = self

        class Connection(psycopg.Connection[Any]):
            @classmethod
            def connect(cls, *args: Any, **kwargs: Any) -> Any:
                try:
                    connection = super().connect(*args, **kwargs)
                except psycopg.OperationalError as error:
                    database._connect_error = str(error).strip()
                    raise
                database._connect_error = ""
                return connection

        self._pool = ConnectionPool(
            url,
            connection_class=Connection,
            kwargs=connection_settings(url, password_file),
            min_size=1,
            max_size=max_size,
            timeout=CONNECT_TIMEOUT,
            open=False,
            name="database",
        )
        self._migrated = False

    def open(self) -> None:
        """Start connecting in the background; the service starts even if the database is down."""
        self._pool.open(wait=False)

    def close(self) -> None:
        """Close every connection."""
        self._pool.close(timeout=CONNECT_TIMEOUT)

    def check(self) -> None:
        """Raise unless the database answers; migrate first if that has not happened yet."""
        with self._connection() as connection:
            if not self._migrated:
                migrate(connection)
                self._migrated = True
            connection.execute("SELECT 1")

    def list_items(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest items first."""
        with self._connection() as connection:
            cursor = connection.execute(
                f"SELECT {ITEM_COLUMNS} FROM items ORDER BY id DESC LIMIT %s",  # noqa: S608 - constant columns
                (limit,),
            )
            return [_item(row) for row in cursor.fetchall()]

    def add_item(self, name: str) -> dict[str, Any]:
        """Insert one item and return it as stored."""
        with self._connection() as connection:
            cursor = connection.execute(
                f"INSERT INTO items (name) VALUES (%s) RETURNING {ITEM_COLUMNS}",  # noqa: S608 - constant columns
                (name,),
            )
            return _item(cursor.fetchone())

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        # A pool timeout, a lost connection and a cancelled statement all mean "try later".
        try:
            with self._pool.connection(timeout=CONNECT_TIMEOUT) as connection:
                yield connection
        except PoolTimeout as error:
            raise DatabaseUnavailable(self._connect_error or str(error)) from error
        except psycopg.OperationalError as error:
            raise DatabaseUnavailable(str(error).strip() or type(error).__name__) from error


def _item(row: Any) -> dict[str, Any]:
    return {"id": row[0], "name": row[1], "created_at": row[2]}


def migrate(connection: psycopg.Connection[Any], directory: Path = MIGRATIONS) -> list[str]:
    """Apply the migrations not applied yet, in file-name order, each recorded once."""
    applied: list[str] = []
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
        for path in sorted(directory.glob("*.sql")):
            if path.stem in done:
                continue
            connection.execute(path.read_text(encoding="utf-8"))
            connection.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (path.stem,))
            applied.append(path.stem)
    for version in applied:
        log.info("applied migration", extra={"fields": {"migration": version}})
    return applied
