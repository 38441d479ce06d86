"""A throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temp folder.

Listens on 127.0.0.1 on a free port, trusts local connections, and runs as the unprivileged
``postgres`` user when started by root. Debian's binaries live in /usr/lib/postgresql/<ver>/bin.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries on this machine, or the server would not start."""


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL bin folder, or the folder of ``initdb`` on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TempPostgres:
    """A running throwaway server; ``stop()`` ends it and removes its folder."""

    bin_dir: Path
    root: Path
    port: int
    user: str | None

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (empty, or a copy of ``template``) and return its URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start(durable: bool = False) -> TempPostgres:
    """Start a server in a new temp folder; PostgresUnavailable if it cannot.

    Not ``durable`` (tests): fsync and synchronous commit off. ``durable`` (benchmarks): the
    server's defaults, so that commits cost what they cost in production.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="frontline-pg-"))
    if user:
        shutil.chown(root, user)
    pg = TempPostgres(bin_dir, root, free_port(), user)
    data = str(root / "data")
    out = pg._run(
        "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "-A", "trust"
    )
    if out.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"initdb failed: {out.stderr.strip()[-500:]}")
    opts = f"-p {pg.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=100"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log = str(root / "server.log")
    out = pg._run("pg_ctl", "-D", data, "-o", opts, "-l", log, "-w", "-t", "60", "start")
    if out.returncode != 0:
        text = Path(log).read_text() if Path(log).exists() else out.stderr
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"pg_ctl start failed: {text.strip()[-500:]}")
    return pg
