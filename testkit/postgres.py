"""A throwaway PostgreSQL cluster for the tests and benchmarks: `initdb` + `pg_ctl` in a temporary folder, listening on
127.0.0.1 (password logins) and a Unix socket (the superuser), stopped and deleted at the end. Never a mock.

PostgreSQL refuses to run as root; when the tests run as root the cluster runs as the `postgres` system user, which
Debian's postgresql package creates.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

OWNER, OWNER_PASSWORD = "lazarus", "owner-pw-7f3b9c1d2e"
READER, READER_PASSWORD = "analyst", "reader-pw-4a8e6b0f5c"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One running server. `database()` makes a fresh database with Lazarus' schema; `url()` logs in to it."""

    def __init__(self) -> None:
        folder = binaries()
        if folder is None:
            raise FileNotFoundError("PostgreSQL's initdb/pg_ctl are not installed (Debian: apt-get install postgresql)")
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="lazarus-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self.start(initialise=True)
        self.admin(f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'")
        self.admin(f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}'")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self, initialise: bool = False) -> None:
        if initialise:
            self.socket_dir.mkdir()
            self.data.mkdir()
            if self._as_postgres:
                shutil.chown(self.data, "postgres", "postgres")
                shutil.chown(self.socket_dir, "postgres", "postgres")
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                      "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")  # fmt: skip
            settings = (
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\nfsync = off\nmax_connections = 60\n"
            )
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(settings)
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "server.log"), "start")

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run `sql` as the superuser over the Unix socket."""
        with psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres", dbname=database,
                             autocommit=True) as con:  # fmt: skip
            con.execute(sql)

    def url(self, database: str, user: str = OWNER, password: str = OWNER_PASSWORD) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def database(self, init: bool = True) -> str:
        """A new empty database owned by the Lazarus role (with the schema unless `init` is False); its name."""
        from addin.pipeline.store.postgres import PostgresStore

        name = f"lazarus_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} OWNER {OWNER}")
        self.admin(f"GRANT CONNECT ON DATABASE {name} TO {READER}")
        if init:
            store = PostgresStore(self.url(name), check_schema=False)
            store.init()
            store.close()
            self.grant_reader(name)
        return name

    def grant_reader(self, database: str) -> None:
        """Let the read-only role SELECT every Lazarus table, and nothing else."""
        self.admin(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}", database)
