"""A PostgreSQL cluster of the test's own, so a test can stop and start it.

    with Cluster() as pg:        # initdb into a temp dir, listen on a free loopback port
        url = pg.url()           # a SQLAlchemy URL of database "escalator" (trust auth)
        pg.stop()                # immediate: every connection drops, as in a crash
        pg.start()

The binaries come from PG_BIN (default: Debian's PostgreSQL 15). initdb refuses root, so
as root the cluster runs as the `postgres` user (runuser), which owns the temp dir.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.tls import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"  # when we are root


class Cluster:
    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"{PG_BIN}/initdb not found: set PG_BIN to PostgreSQL's bin")
        self.root = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", RUN_AS, "--"]
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8")

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(PG_BIN / tool), *args], check=True,
                       capture_output=True, timeout=120, cwd=self.root)

    def start(self) -> Cluster:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=50")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                 "-t", "60", "-o", options, "start")
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.admin_url(), connect_timeout=2).close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop at once (mode immediate): connections drop, no clean shutdown."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, name: str = "escalator") -> str:
        """A database `name` (created on first call), as a SQLAlchemy URL."""
        with psycopg.connect(self.admin_url(), autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             (name,)).fetchone() is None:
                admin.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def close(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
