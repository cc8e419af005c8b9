"""A throwaway PostgreSQL server for the tests.

``initdb`` into a new temporary folder, the server listening only on a unix
socket in that folder (no TCP port), started with ``pg_ctl -w`` and stopped
(then the folder removed) at the end of the test session. PostgreSQL refuses to
run as root: as root, initdb and pg_ctl run as the ``postgres`` user (Debian's
``postgresql`` package creates it), which owns the folder.

:func:`find_bin_dir` looks for the binaries on PATH, then in
``/usr/lib/postgresql/*/bin`` (Debian's place, not on PATH). Without them the
tests that need a server skip, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

PORT = 5432  # only names the socket file: the server listens on no TCP port
SUPERUSER = "postgres"


class Unavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def find_bin_dir() -> Path | None:
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)  # /usr/local/bin/initdb may be a symlink
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


class PgServer:
    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        if self.bin_dir is None:
            raise Unavailable("no PostgreSQL binaries (initdb, pg_ctl, postgres) on PATH or in "
                              "/usr/lib/postgresql/*/bin; install Debian's postgresql package")
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(SUPERUSER)
            except KeyError:
                raise Unavailable("PostgreSQL refuses to run as root and there is no postgres user") from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise Unavailable("PostgreSQL refuses to run as root and runuser is not installed")
            self.as_user = [runuser, "-u", SUPERUSER, "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="momentum-pg-"))  # short: a socket path has a length limit
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.started = False

    def _run(self, *args: str) -> None:
        out = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120, check=False,
                             cwd=self.folder)  # a folder the postgres user can enter
        if out.returncode != 0:
            log = self.log.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed ({out.returncode}): {out.stderr.strip()}\n{log}")

    def start(self) -> PgServer:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        # durability settings off: a test server's data is thrown away
        options = (f"-k {self.folder} -p {PORT} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(Exception):
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.folder}&port={PORT}"

    def new_database(self) -> str:
        """A new, empty database; returns its URL."""
        import psycopg
        from psycopg import sql

        name = f"momentum_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)
