"""A real PostgreSQL server for the app tests: its own data directory, TLS with a test CA.

The server is started from the distribution's binaries (`.ci/run` installs them), listens on
127.0.0.1 only, and runs as an unprivileged user because PostgreSQL refuses to run as root.
Faults are real: `stop()` shuts the server down, `hang()` freezes it with SIGSTOP (connections
stay open, nothing answers), `resume()` and `start()` undo them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

# The `app` role's password on a throwaway server that lives for one test session.
PASSWORD = "app-test-password"


def postgres_bin() -> Path | None:
    """The directory of `initdb` and `postgres`: Debian keeps them out of PATH."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_major)
    return candidates[-1].parent if candidates else None


def _major(path: Path) -> int:
    version = path.parts[-3]
    return int(version) if version.isdigit() else 0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(directory: Path) -> None:
    """A self-signed CA and a server certificate for `localhost` and 127.0.0.1 signed by it."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=scaffolder test CA", "-keyout", "ca.key", "-out", "ca.crt",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", "server.key", "-out", "server.csr", cwd=directory,
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt",
        cwd=directory,
    )  # fmt: skip
    # A second CA that signed nothing here: "the wrong CA" for the refusal tests.
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=some other CA", "-keyout", "other.key", "-out", "other.crt",
        cwd=directory,
    )  # fmt: skip


@dataclass
class PostgresServer:
    """One PostgreSQL server in ``root``; ``start()`` it, then ``url()`` a database."""

    bindir: Path
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def ca(self) -> Path:
        """The CA bundle that verifies the server's certificate."""
        return self.root / "tls" / "ca.crt"

    @property
    def other_ca(self) -> Path:
        """A CA bundle that does not verify it."""
        return self.root / "tls" / "other.crt"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _user(self) -> dict[str, object]:
        # PostgreSQL refuses to run as root: as root, run it as the packages' `postgres` user.
        if os.geteuid() != 0:
            return {}
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            entry = pwd.getpwnam("nobody")
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _own(self, path: Path) -> None:
        user = self._user()
        if user:
            for item in [path, *path.rglob("*")]:
                os.chown(item, int(str(user["user"])), int(str(user["group"])))

    def init(self) -> None:
        """Create the cluster, the TLS files and the `app` role."""
        self.root.mkdir(parents=True, exist_ok=True)
        tls = self.root / "tls"
        make_certificates(tls)
        (tls / "server.key").chmod(0o600)
        self._own(self.root)
        self.root.chmod(0o755)
        subprocess.run(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data),
                "--username=postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            timeout=120,
            **self._user(),  # type: ignore[arg-type]
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.root}'\n"
                f"ssl = on\nssl_cert_file = '{tls / 'server.crt'}'\n"
                f"ssl_key_file = '{tls / 'server.key'}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )
        # Only encrypted connections from the network, with a password.
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
        )
        self.start()
        self.psql(f"CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(self.data)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "server.log").open("ab"),
            **self._user(),  # type: ignore[arg-type]
        )
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-h", str(self.root), "-p", str(self.port)],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline or self.process.poll() is not None:
                log = (self.root / "server.log").read_text(errors="replace")
                raise RuntimeError(f"PostgreSQL did not start:\n{log[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Shut the server down (fast shutdown: sessions are closed)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)
            self.process = None

    def hang(self) -> None:
        """Freeze the server: TCP still accepts, nothing answers."""
        assert self.process is not None
        # The postmaster and every backend: a session on an open connection must hang too.
        for pid in [self.process.pid, *self._children()]:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Undo `hang()`."""
        assert self.process is not None
        for pid in [self.process.pid, *self._children()]:
            os.kill(pid, signal.SIGCONT)

    def _children(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over the local socket; return its unaligned output."""
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                str(self.root),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> None:
        """A fresh database owned by `app`."""
        self.psql(f"CREATE DATABASE {name} OWNER app")

    def url(
        self, database: str, *, password: bool = True, host: str = "localhost", **params: str
    ) -> str:
        """A libpq URL for ``database`` as `app`; both hosts are in the certificate."""
        secret = f":{PASSWORD}" if password else ""
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"postgresql://app{secret}@{host}:{self.port}/{database}" + (
            f"?{query}" if query else ""
        )
