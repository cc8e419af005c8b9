"""Two app replicas behind Debian's nginx, one app state in PostgreSQL (docs/scaling.md, "Two replicas").

Used by tests/test_replicas.py (through the proxy in a browser and over websockets)
and by ``python -m tests.campaign.ws_load --replicas`` (the meeting load through the
proxy). The proxy runs the repository's own configuration
(deploy/nginx-momentum.conf: websockets, affinity by a route cookie that nginx
hashes) with the ports rewritten; :attr:`Replicas.routes` holds a route-cookie
value that lands on each replica, and nginx's access log says which replica
served each websocket.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "deploy" / "nginx-momentum.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


class ReplicasError(RuntimeError):
    """A replica or the proxy did not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise ReplicasError(f"{what} did not start: " + (log.read_text(errors="replace")[-2000:] if log.exists() else ""))


class Replicas:
    """Two Streamlit servers on ``db`` and the app state ``app_db``, the proxy in front, and a route cookie
    value for each server. ``code`` is the checkout they run (the repository, or a copy of it)."""

    def __init__(self, folder: Path, db: Path, app_db: str, code: Path = REPO, env: dict | None = None):
        if NGINX is None:
            raise ReplicasError("no nginx (apt-get install nginx)")
        self.folder, self.db, self.app_db = folder, db, app_db
        self.procs: list[subprocess.Popen] = []
        self.servers: list[subprocess.Popen] = []
        self.ports = [free_port(), free_port()]
        env = {**os.environ, **(env or {}), "MOMENTUM_DB": str(db), "MOMENTUM_APP_DB": app_db,
               "PYTHONPATH": str(code)}
        try:
            for i, port in enumerate(self.ports):
                with (folder / f"replica-{i}.log").open("wb") as out:
                    self.servers.append(subprocess.Popen(
                        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                         "--server.address", "127.0.0.1", "--server.headless", "true"],
                        cwd=code, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
            self.procs.extend(self.servers)
            for i, port in enumerate(self.ports):
                wait_http(f"http://127.0.0.1:{port}/_stcore/health", f"replica {i}", folder / f"replica-{i}.log")
            self.proxy_port = free_port()
            self._start_nginx()
            self.url = f"http://127.0.0.1:{self.proxy_port}"
            self.routes = self._routes()
        except BaseException:
            self.stop(quiet=True)
            raise

    def _start_nginx(self) -> None:
        site = CONF.read_text()
        site = site.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{self.ports[0]};")
        site = site.replace("server 127.0.0.1:8502;", f"server 127.0.0.1:{self.ports[1]};")
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{self.proxy_port};")
        if site.count(str(self.ports[0])) != 1 or site.count(f":{self.proxy_port};") != 1:
            raise ReplicasError(f"{CONF} changed: its upstream ports or listen line are not where they were")
        (self.folder / "momentum.conf").write_text(site)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\nerror_log {self.folder}/nginx-error.log;\npid {self.folder}/nginx.pid;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "  log_format route '$cookie_momentum_route $upstream_addr $request_uri $status';\n"
            f"  access_log {self.folder}/nginx-access.log route;\n"
            + "".join(f"  {k}_temp_path {self.folder}/{k}-temp;\n"
                      for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {self.folder}/momentum.conf;\n}}\n")
        self.procs.append(subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "nginx.out").open("wb")))
        wait_http(f"http://127.0.0.1:{self.proxy_port}/_stcore/health", "nginx", self.folder / "nginx-error.log")

    def _routes(self) -> list[str]:
        """A route cookie value that the proxy's consistent hash sends to each replica."""
        found: dict[int, str] = {}
        for n in range(200):
            value = f"route{n}"
            req = urllib.request.Request(f"http://127.0.0.1:{self.proxy_port}/_stcore/health",
                                         headers={"Cookie": f"momentum_route={value}"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                upstream = resp.headers["X-Momentum-Replica"]
            found.setdefault(self.ports.index(int(upstream.rsplit(":", 1)[1])), value)
            if len(found) == 2:
                return [found[0], found[1]]
        raise ReplicasError(f"the proxy sent 200 route values to one replica only: {found}")

    def websockets_served(self, route: str, wait_for: int | None = None) -> set[int]:
        """The replicas (0, 1) that served websockets of this route, from nginx's access log (a websocket
        is logged when it closes: ``wait_for`` waits up to 30 s until that replica's line is there)."""
        deadline = time.monotonic() + 30
        while True:
            log = (self.folder / "nginx-access.log").read_text()
            ports = {int(m.group(1)) for m in re.finditer(
                rf"^{re.escape(route)} 127\.0\.0\.1:(\d+) /_stcore/stream", log, re.M)}
            served = {self.ports.index(p) for p in ports}
            if wait_for is None or wait_for in served or time.monotonic() > deadline:
                return served
            time.sleep(0.2)

    def websockets_by_replica(self) -> list[int]:
        """How many websockets each replica served, from nginx's access log (each is logged when it closes)."""
        log = (self.folder / "nginx-access.log").read_text()
        ports = [int(p) for p in re.findall(r"^\S* 127\.0\.0\.1:(\d+) /_stcore/stream", log, re.M)]
        return [ports.count(port) for port in self.ports]

    def stop(self, quiet: bool = False) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    if proc in self.servers:
                        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and any children
                    else:
                        proc.terminate()
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not quiet:
            for i in range(len(self.servers)):  # shown beside a failed test only
                log = self.folder / f"replica-{i}.log"
                print(f"--- replica {i} ---\n" + (log.read_text(errors="replace")[-2000:] if log.exists() else ""))
