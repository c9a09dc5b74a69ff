"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl on a free port in a temp dir.

The binaries are found on PATH or under Debian's /usr/lib/postgresql/<version>/bin (where `apt-get
install postgresql` puts them; `.ci/run` installs it when they are missing). Debian's initdb refuses
to run as root, so as root the cluster belongs to the `postgres` user (or `nobody`) and every
command runs through `runuser`. Only TCP on 127.0.0.1 is used, with a password (scram-sha-256), so
a test can check that the password never shows in an error.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import asyncpg

FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off",)  # tests: durability not needed
SUPERUSER = "paymo"


def find_bindir() -> Path | None:
    """The directory with initdb and pg_ctl: PATH first, then the newest Debian version."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        bindir = Path(on_path).resolve().parent
        if (bindir / "initdb").exists():
            return bindir
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.split("/")[3]))

    return Path(max(found, key=version)).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _owner() -> str | None:
    """Who runs the server: ourselves, unless we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL")


def _runuser() -> str:
    """runuser (util-linux), wherever root's PATH leaves it."""
    for found in (shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser"):
        if found and Path(found).exists():
            return found
    raise RuntimeError(
        "running as root, and runuser (util-linux), which starts PostgreSQL as its owner, is missing"
    )


class PostgresCluster:
    """One cluster; `with PostgresCluster.create() as pg:` starts it and removes it at the end."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.owner = _owner()
        # Under /tmp when another user runs the server: a root-only TMPDIR would be out of its reach.
        self.root = Path(tempfile.mkdtemp(prefix="paymo-pg-", dir="/tmp" if self.owner else None))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.password = "pg-canary-" + secrets.token_hex(8)
        self.databases = 0

    @classmethod
    def create(cls, *, durable: bool = False) -> PostgresCluster:
        bindir = find_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL binaries not found (apt-get install postgresql)")
        cluster = cls(bindir, durable=durable)
        try:
            cluster.init()
            cluster.start()
        except BaseException:
            cluster.remove()
            raise
        return cluster

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()

    # -- commands ---------------------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.owner is not None:
            command = [_runuser(), "-u", self.owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()}\n{log}")
        return done

    def init(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self.owner is not None:
            info = pwd.getpwnam(self.owner)
            for path in (self.root, pwfile):
                os.chown(path, info.pw_uid, info.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        pwfile.unlink()

    def options(self) -> str:
        base = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c max_connections=200"
        )
        return base if self.durable else " ".join((base, *FAST))

    def start(self) -> None:
        data, log = str(self.data), str(self.log)
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", log, "-o", self.options())

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases --------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    async def create_database(self) -> str:
        """A new empty database; its name."""
        self.databases += 1
        name = f"t{self.databases}_{int(time.time() * 1000) % 100000}"
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return name

    async def drop_database(self, name: str) -> None:
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
