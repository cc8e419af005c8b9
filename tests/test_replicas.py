"""Two app replicas behind nginx, one app state in PostgreSQL (docs/scaling.md, "Two replicas").

Two Streamlit processes serve the same data snapshot; their app state is one
PostgreSQL database on the test's own server (tests/pg_server.py); in front of
them runs Debian's nginx with the repository's own configuration
(deploy/nginx-momentum.conf: websockets, and affinity by a route cookie that
nginx hashes). Each browser context gets a route cookie that the proxy sends to
a replica chosen by the test, and nginx's access log shows which replica served
each websocket, so "on the other replica" is checked, not assumed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, get_user
from tests.campaign import load, ws_load
from tests.campaign.ws_client import StreamlitSession
from tests.test_browser import (
    _cookie_settled,
    _fresh,
    _heading,
    _settled,
    _shot,
    _sign_in,
    _username,
)

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "deploy" / "nginx-momentum.conf"
PASSWORD = "replica-test-long-password"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("replicas"),
              pytest.mark.skipif(NGINX is None, reason="no nginx (apt-get install nginx)")]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{what} did not start: " + (log.read_text(errors="replace")[-2000:] if log.exists() else ""))


class Replicas:
    """Two servers, the proxy in front, and a route cookie value for each server."""

    def __init__(self, folder: Path, db: Path, app_db: str):
        self.folder, self.db, self.app_db = folder, db, app_db
        self.procs: list[subprocess.Popen] = []
        self.ports = [_free_port(), _free_port()]
        env = {**os.environ, "MOMENTUM_DB": str(db), "MOMENTUM_APP_DB": app_db, "PYTHONPATH": str(REPO)}
        for i, port in enumerate(self.ports):
            log = folder / f"replica-{i}.log"
            with log.open("wb") as out:
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                     "--server.address", "127.0.0.1", "--server.headless", "true"],
                    cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT))
        for i, port in enumerate(self.ports):
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", f"replica {i}", folder / f"replica-{i}.log")
        self.proxy_port = _free_port()
        self._start_nginx()
        self.url = f"http://127.0.0.1:{self.proxy_port}"
        self.routes = self._routes()

    def _start_nginx(self) -> None:
        site = CONF.read_text()
        site = site.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{self.ports[0]};")
        site = site.replace("server 127.0.0.1:8502;", f"server 127.0.0.1:{self.ports[1]};")
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{self.proxy_port};")
        assert site.count(str(self.ports[0])) == 1 and site.count(f":{self.proxy_port};") == 1, "the config changed"
        (self.folder / "momentum.conf").write_text(site)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\nerror_log {self.folder}/nginx-error.log;\npid {self.folder}/nginx.pid;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "  log_format route '$cookie_momentum_route $upstream_addr $request_uri $status';\n"
            f"  access_log {self.folder}/nginx-access.log route;\n"
            + "".join(f"  {k}_temp_path {self.folder}/{k}-temp;\n"
                      for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {self.folder}/momentum.conf;\n}}\n")
        self.procs.append(subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "nginx.out").open("wb")))
        _wait_http(f"http://127.0.0.1:{self.proxy_port}/_stcore/health", "nginx", self.folder / "nginx-error.log")

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
        pytest.fail(f"the proxy sent 200 route values to one replica only: {found}")

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

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for i in range(2):  # shown beside a failed test only
            print(f"--- replica {i} ---\n" + (self.folder / f"replica-{i}.log").read_text(errors="replace")[-2000:])


@pytest.fixture(scope="module")
def replicas(postgres, demo_db_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replicas")
    data = folder / "data"
    shutil.copytree(demo_db_template, data)
    demo_clinician = get_user(AppState(data / "momentum.app.sqlite"), "clinician").clinician_id
    (data / "momentum.app.sqlite").unlink()  # the app state is PostgreSQL's; nothing may read this one
    url = postgres.new_database()
    state = AppState(url)
    add_user(state, "rep-clinician", "Replica Clinician", "clinician", PASSWORD, demo_clinician)
    add_user(state, "rep-other", "Replica Other", "manager", PASSWORD, None)
    r = Replicas(folder, data / "momentum.duckdb", url)
    yield r
    r.stop()


def _run(coro):
    """asyncio.run in a thread of its own: Playwright's sync API keeps an event loop in this one."""
    out: dict = {}

    def target():
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed to the test's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the websocket sessions did not finish in 300 s"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def _context(chromium, replicas: Replicas, replica: int):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "momentum_route", "value": replicas.routes[replica],
                          "url": replicas.url}])
    return context


@pytest.mark.browser
def test_a_session_and_a_win_cross_replicas_and_sign_out_on_one_ends_it_on_the_other(replicas, chromium):
    """Signed in through replica 0, the sign-in cookie opens the same session on replica 1; a win posted on
    0 shows on 1; signing out on 0 revokes the cookie for 1."""
    a = _context(chromium, replicas, 0)
    page_a = a.new_page()
    page_a.goto(replicas.url)
    _username(page_a).wait_for(timeout=60000)
    _sign_in(page_a, "rep-clinician", PASSWORD)
    _heading(page_a, "Caseload momentum").wait_for(timeout=60000)
    _cookie_settled(page_a)
    cookie = [c for c in a.cookies() if c["name"] == "momentum_auth"]
    assert cookie

    b = _context(chromium, replicas, 1)
    b.add_cookies(cookie)
    page_b = b.new_page()
    page_b.goto(replicas.url)
    _heading(page_b, "Caseload momentum").wait_for(timeout=60000)  # no sign-in: the session is in PostgreSQL
    # the cookie component reports the cookie back once and reruns the page it was on: a navigation
    # clicked before that run ends can be undone by it
    _settled(page_b)

    text = f"Replica win {uuid.uuid4().hex[:8]}"
    page_a.get_by_role("link", name="Wins board").click()
    _heading(page_a, "Wins board").wait_for(timeout=60000)
    page_a.get_by_label("What happened?").fill(text)
    page_a.get_by_role("button", name="Post win").click()
    _fresh(page_a).get_by_text(text).first.wait_for(timeout=60000)
    page_b.get_by_role("link", name="Wins board").click()
    try:
        _fresh(page_b).get_by_text(text).first.wait_for(timeout=60000)
    except Exception:
        _shot(page_b, "replica_b_wins")
        raise AssertionError(f"page_b at {page_b.url}: " + page_b.inner_text("body")[:3000]) from None

    page_a.get_by_role("button", name="Sign out").click()
    _username(page_a).wait_for(timeout=60000)
    page_b.reload()
    _username(page_b).wait_for(timeout=60000)  # the same cookie on replica 1 finds no session now
    assert page_b.get_by_role("button", name="Sign out").count() == 0
    a.close()
    b.close()
    # nginx logs a websocket when it closes: each context's went to its own replica only
    assert replicas.websockets_served(replicas.routes[0], wait_for=0) == {0}
    assert replicas.websockets_served(replicas.routes[1], wait_for=1) == {1}


def test_the_lockout_counts_failures_from_both_replicas(replicas):
    """Three wrong passwords through one replica and two through the other lock the account: the right
    password is then refused on both."""
    async def attempt(replica: int, password: str) -> None:
        cookies = {"momentum_route": replicas.routes[replica]}
        async with StreamlitSession(replicas.url, timeout_s=60, cookies=cookies) as s:
            await s.connect()
            await ws_load.sign_in(s, "rep-other", password)

    for replica in (0, 1, 0, 1, 0):
        with pytest.raises(ws_load.StepFailed, match="error box"):
            _run(attempt(replica, "not the password"))
    for replica in (0, 1):
        with pytest.raises(ws_load.StepFailed, match="error box"):
            _run(attempt(replica, PASSWORD))
    entries = audit.recent(AppState(replicas.app_db), limit=50)
    mine = [e for e in entries if e["actor"] == "rep-other"]
    assert [e["action"] for e in mine].count("lockout") == 1
    assert sum('"locked"' in e["detail"] for e in mine) == 2, mine
    assert replicas.websockets_served(replicas.routes[0], wait_for=0) == {0}
    assert replicas.websockets_served(replicas.routes[1], wait_for=1) == {1}


def test_the_audit_chain_stays_whole_under_writes_from_both_replicas(replicas):
    """Sessions on both replicas at once, signing in and celebrating: every write is in the one chain,
    and the chain verifies."""
    state = AppState(replicas.app_db)
    before = len([e for e in audit.recent(state, limit=100000) if e["action"] == "win_reaction"])
    args = ws_load.parse_args(["--sessions", "4", "--duration-s", "12", "--ramp-s", "0.5", "--think-s", "0.2"])

    async def both() -> list:
        level = load.Level(4, args, None)
        return await asyncio.gather(*(
            ws_load.run_session(replicas.url, i, ("rep-clinician", PASSWORD), level, "meeting",
                                cookies={"momentum_route": replicas.routes[i % 2]}) for i in range(4)))

    done = _run(both())
    assert all(s.failure is None for s in done), [s.failure for s in done]
    clicks = sum(len(s.celebrated) for s in done)
    assert clicks > 0
    reactions = [e for e in audit.recent(state, limit=100000) if e["action"] == "win_reaction"]
    assert len(reactions) - before == clicks
    ok, bad, n = audit.verify(state)
    assert ok, f"the audit chain breaks at entry {bad} of {n}"
    assert replicas.websockets_served(replicas.routes[0], wait_for=0) == {0}
    assert replicas.websockets_served(replicas.routes[1], wait_for=1) == {1}
