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
import shutil
import threading
import uuid

import pytest

from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, get_user
from tests.campaign import load, ws_load
from tests.campaign.replicas import NGINX, Replicas, ReplicasError
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

PASSWORD = "replica-test-long-password"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("replicas"),
              pytest.mark.skipif(NGINX is None, reason="no nginx (apt-get install nginx)")]


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
    try:
        r = Replicas(folder, data / "momentum.duckdb", url)
    except ReplicasError as exc:
        pytest.fail(str(exc))
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

    # letters only: the PHI guard holds back about 1 random hex tag in 20 (5.1 % of 20,000 tried; 7 or 8 digits
    # are a possible record number), and the win was then never posted while the guard's message showed the
    # text on replica A
    text = f"Replica win {uuid.uuid4().hex[:8].translate(str.maketrans('0123456789', 'ghijklmnop'))}"
    page_a.get_by_role("link", name="Wins board").click()
    _heading(page_a, "Wins board").wait_for(timeout=60000)
    page_a.get_by_label("What happened?").fill(text)
    page_a.get_by_role("button", name="Post win").click()
    _fresh(page_a).get_by_text("Posted to the board.").first.wait_for(timeout=60000)  # stored, not held back
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
