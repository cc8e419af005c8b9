"""Sign-in, sessions, the deep-link guard and the key flows in a real headless Chromium.

Uses Debian's chromium through Playwright (`executable_path`); skips with a
reason only when no Chromium is installed. Screenshots of every page go to
test-artifacts/, or to $MOMENTUM_SCREENSHOTS (`make screenshots` refreshes
docs/screenshots/ that way).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from pipelines.settings import paths
from tests.apptest import app_rows as _app_rows
from tests.conftest import REPO

# make test's pytest-xdist runs them in four test processes (four xdist groups of about equal length), each
# with its own Chromium and its own warm shared server when one of its tests needs it; the accessibility
# sweep is split by role across three of them
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
SECOND_PROCESS = pytest.mark.xdist_group("second")
THIRD_PROCESS = pytest.mark.xdist_group("third")
FOURTH_PROCESS = pytest.mark.xdist_group("fourth")

ARTIFACTS = Path(os.environ.get("MOMENTUM_SCREENSHOTS") or REPO / "test-artifacts")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_template(demo_db_template):
    return demo_db_template


def _start(demo_template, tmp_path, **env_extra):
    """A fresh Streamlit server on its own copy of the demo database."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    port = _free_port()
    env = {**os.environ, "MOMENTUM_DB": str(folder / "momentum.duckdb"), "PYTHONPATH": str(REPO), **env_extra}
    # the server's output goes to a file: a pipe nobody reads blocks the server once it is full
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + log.read_text(errors="replace")[-2000:])
    proc.log = log
    return proc, url, paths(folder / "momentum.duckdb")


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    # pytest shows this only for a failed test, beside its own output
    print("--- the server's last output ---\n" + proc.log.read_text(errors="replace")[-3000:])


@pytest.fixture
def fresh_server(demo_template, tmp_path):
    """A server of its own, for a test that needs a first request or changes what others rely on."""
    proc, url, _paths = _start(demo_template, tmp_path)
    yield url
    _stop(proc)


@pytest.fixture
def fresh_server_db(demo_template, tmp_path):
    proc, url, db = _start(demo_template, tmp_path)
    yield url, db
    _stop(proc)


@pytest.fixture(scope="module")
def shared_server_db(demo_template, tmp_path_factory):
    """One server for the tests that sign in, read and write only what no other test here reads
    (each its own table or its own user): started once, warm after the first test."""
    proc, url, db = _start(demo_template, tmp_path_factory.mktemp("shared"))
    yield url, db
    _stop(proc)


@pytest.fixture
def server(shared_server_db):
    return shared_server_db[0]


@pytest.fixture
def server_db(shared_server_db):
    return shared_server_db


@pytest.fixture
def short_idle_server(demo_template, tmp_path):
    proc, url, db = _start(demo_template, tmp_path, MOMENTUM_IDLE_TIMEOUT_S="20")
    yield url, db
    _stop(proc)


def _shot(page, name: str) -> None:
    (ARTIFACTS / name).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# -- waiting on the app, not on the clock ---------------------------------------
# Streamlit marks its root with the script's state (data-test-script-state; no root yet: still loading) and every
# element left from the previous run with data-stale="true" until the new run replaces
# it. "Settled" is: the script is not running, no stale element is left, every chart has
# drawn its SVG and every table its canvas (those in view: the grid draws only
# what can be seen, not inside a closed expander) - and that has held for QUIET_MS since the
# wait began, so a rerun that is about to start (a cookie reported back, a click on its
# way to the server) is not mistaken for the end of one.

QUIET_MS = 400
SETTLED_JS = """([quiet, start]) => {
  const inView = e => { const r = e.getBoundingClientRect();
    return e.checkVisibility({visibilityProperty: true}) && r.height > 0 && r.top < innerHeight && r.bottom > 0; };
  const busy = !document.querySelector("[data-testid='stApp']")  // not drawn yet (a page loading)
    || document.querySelector("[data-testid='stApp']:not([data-test-script-state='notRunning'])")
    || document.querySelector("[data-testid='stElementContainer'][data-stale='true']")
    || document.querySelector("[data-testid='stSkeleton']")
    || [...document.querySelectorAll("[data-testid='stPlotlyChart']")].some(e => inView(e) && !e.querySelector('.main-svg'))
    || [...document.querySelectorAll("[data-testid='stDataFrame']")].some(e => inView(e) && !e.querySelector('canvas'));
  const now = performance.now();
  if (window.__momentumQuietSince === undefined || window.__momentumWaitStart !== start) {
    window.__momentumWaitStart = start; window.__momentumQuietSince = now;
  }
  if (busy) { window.__momentumQuietSince = now; return false; }
  return now - window.__momentumQuietSince >= quiet;
}"""


BUSY_JS = """() => ({
  script: document.querySelector("[data-testid='stApp']")?.getAttribute('data-test-script-state'),
  stale: document.querySelectorAll("[data-testid='stElementContainer'][data-stale='true']").length,
  skeletons: document.querySelectorAll("[data-testid='stSkeleton']").length,
  charts_not_drawn: [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .filter(e => !e.querySelector('.main-svg')).map(e => Math.round(e.getBoundingClientRect().top)),
  tables_not_drawn: [...document.querySelectorAll("[data-testid='stDataFrame']")]
    .filter(e => !e.querySelector('canvas')).map(e => Math.round(e.getBoundingClientRect().top)),
  viewport: innerHeight})"""


def _settled(page, timeout: float = 60000) -> None:
    """Wait until the app has finished its run and drawn what it sent (see above)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(SETTLED_JS, arg=[QUIET_MS, time.monotonic()], timeout=timeout, polling=100)
    except PlaywrightTimeout:
        _shot(page, "not_settled")
        pytest.fail(f"{page.url} did not settle in {timeout / 1000:.0f} s: {page.evaluate(BUSY_JS)} "
                    f"(screenshot: not_settled.png)")


def _fresh(page):
    """Elements of the current run only: during a rerun the previous run's stay on the page, stale."""
    return page.locator("[data-testid='stElementContainer']:not([data-stale='true'])")


def _username(page):
    """The sign-in form's username field of the current run (a rerun leaves the previous run's on the page,
    stale, for a moment: two fields then match the label)."""
    return _fresh(page).get_by_label("Username").first


def _heading(page, name: str):
    return _fresh(page).get_by_role("heading", name=name, exact=True)


def _settle(page, text: str) -> None:
    """The page shows ``text`` and has finished drawing."""
    _fresh(page).get_by_text(text).first.wait_for(timeout=60000)
    _settled(page)


def _sign_in(page, username: str, password: str = "momentum-demo") -> None:
    _username(page).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _signed_in_page(chromium, server: str, username: str, settle: bool = True, password: str = "momentum-demo",
                    height: int = 1000):
    context = chromium.new_context(viewport={"width": 1400, "height": height})
    page = context.new_page()
    page.goto(server)
    _username(page).wait_for(timeout=60000)
    _sign_in(page, username, password)
    _heading(page, "Caseload momentum").wait_for(timeout=60000)
    if settle:
        _cookie_settled(page)
    return context, page


def _cookie_settled(page) -> None:
    """Wait until the sign-in cookie is set and the rerun it causes has finished. The cookie
    component reports back once and reruns the page it was on; a navigation clicked before
    that can be undone."""
    page.wait_for_function("() => document.cookie.includes('momentum_auth=')", timeout=60000)
    _settled(page)


def _add_user(db, username: str, role: str, clinician_of: str) -> str:
    """A user of its own for a test that changes an account (locks it, disables it), linked to the
    same clinician as the demo account ``clinician_of``; returns the password."""
    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import add_user, get_user

    state = AppState(db.app_db)
    password = f"{username}-long-test-password"
    add_user(state, username, username.title(), role, password, get_user(state, clinician_of).clinician_id)
    return password


@SECOND_PROCESS
def test_deep_link_first_request_after_start_shows_no_data(fresh_server, chromium):
    page = chromium.new_page()
    page.goto(f"{fresh_server}/flags")  # the very first request to this server
    _settled(page)  # every script that would run has run (the page's own, stopped by its guard)
    _shot(page, "deep_link_first_request")
    body = page.inner_text("body")
    assert "Stalled-progress flags" not in body and "Reason and evidence" not in body
    assert "DETERIORATION" not in body and "C0" not in body  # no flag, no client id
    page.close()


def test_supervisor_pages_reload_sign_out_back_and_replayed_cookie(server, chromium):
    # tall: Streamlit scrolls inside the page, so a full-page shot is the viewport
    context = chromium.new_context(viewport={"width": 1400, "height": 2200})
    page = context.new_page()
    page.goto(server)
    _username(page).wait_for(timeout=60000)
    _settled(page)
    _shot(page, "sign_in")
    _sign_in(page, "supervisor")
    _heading(page, "Caseload momentum").wait_for(timeout=60000)
    _cookie_settled(page)
    _settle(page, "Momentum by clinician")
    _fresh(page).get_by_text("Suggested wins").first.wait_for(timeout=60000)
    _settled(page)
    _shot(page, "caseload")
    body = page.inner_text("body")
    assert "Demo data" in body and "Active clients" in body
    # selecting a row of the client table opens that client's view
    table = _fresh(page).locator("[data-testid='stDataFrame']").first
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box, below the header
    _settle(page, "Outcome trajectories")
    assert "/client?client=C" in page.url
    _shot(page, "client")
    for link, heading, name in [("Stalled-progress flags", "Review a flag", "flags"),
                                ("Homework", "Clients whose completion is dropping", "homework"),
                                ("Workload", "Weekly metrics, last 12 weeks", "workload"),
                                ("Data status", "Data status", "data_status")]:
        page.get_by_role("link", name=link).click()
        _settle(page, heading)
        _shot(page, name)
    # a reload is a new Streamlit session: the cookie finds the live server-side session
    page.reload()
    _heading(page, "Data status").wait_for(timeout=60000)
    cookies = context.cookies()
    assert any(c["name"] == "momentum_auth" for c in cookies)
    _settled(page)
    page.get_by_role("link", name="Caseload momentum").click()
    _heading(page, "Caseload momentum").wait_for(timeout=60000)
    _settled(page)
    page.get_by_role("button", name="Sign out").click()
    _username(page).wait_for(timeout=60000)
    page.go_back()
    _username(page).wait_for(timeout=60000)
    _settled(page)
    _shot(page, "after_sign_out_back")
    body = page.inner_text("body")
    assert "Active clients" not in body and "Load history" not in body and "C0" not in body
    # the cookie saved before sign-out, replayed in a fresh browser: worth nothing
    thief = chromium.new_context()
    thief.add_cookies([c for c in cookies if c["name"] == "momentum_auth"])
    stolen = thief.new_page()
    stolen.goto(server)
    _username(stolen).wait_for(timeout=60000)
    _settled(stolen)
    assert "Active clients" not in stolen.inner_text("body")
    thief.close()
    context.close()


def test_wrong_password_then_lockout_after_five_failures(server_db, chromium):
    server, db = server_db
    password = _add_user(db, "lockout", "clinician", "clinician")  # its own account: the lock lasts 15 min
    page = chromium.new_page()
    page.goto(server)
    _username(page).wait_for(timeout=60000)

    def failures() -> int:
        return _app_rows(db, "SELECT count(*) FROM login_failures WHERE username = 'lockout'")[0][0]

    for attempt in range(5):
        _sign_in(page, "lockout", f"wrong-password-{attempt}")
        page.get_by_text("Username or password is incorrect.").wait_for(timeout=30000)
        # the message stays up from the attempt before: wait until the server has counted this one
        deadline = time.monotonic() + 30
        while failures() < attempt + 1 and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # polling the app state, which the page cannot show
        assert failures() == attempt + 1
        _settled(page)
    _shot(page, "wrong_password")
    _sign_in(page, "lockout", password)  # the right password, but the account is locked now
    deadline = time.monotonic() + 30
    while _app_rows(db, "SELECT count(*) FROM audit_log WHERE actor = 'lockout' AND action = 'login_failed' "
                        "AND detail LIKE '%locked%'")[0][0] == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # the server has answered this attempt once it is audited
    _settled(page)
    _shot(page, "locked")
    body = page.inner_text("body")
    assert "Username or password is incorrect." in body and "Active clients" not in body
    assert page.get_by_role("button", name="Sign out").count() == 0
    page.close()


@SECOND_PROCESS
def test_idle_logoff_clears_the_screen(short_idle_server, chromium):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    server, db = short_idle_server
    context, page = _signed_in_page(chromium, server, "clinician", settle=False)
    page.get_by_text("Active clients").first.wait_for(timeout=60000)
    try:
        # idle 20 s after the last user action, checked every 2 s (a loaded machine can take more than
        # 10 s to draw the caseload after sign-in); the sign-in's own reruns
        # (the cookie reporting back) count as actions, and a busy machine slows all of them
        page.get_by_text("without activity").wait_for(timeout=90000)
    except PlaywrightTimeout:
        _shot(page, "idle_logoff_not_shown")
        now = time.time()
        rows = [(user, round(now - started, 1), round(now - seen, 1), ended is not None, reason)
                for user, started, seen, ended, reason in _app_rows(
                    db, "SELECT username, started_at, last_seen_at, ended_at, end_reason FROM auth_sessions")]
        pytest.fail(f"no idle sign-out after 90 s; sessions (user, s since start, s since last action, "
                    f"ended, reason): {rows}; page: {page.evaluate(BUSY_JS)}")
    try:
        _username(page).wait_for(timeout=60000)  # the sign-in form, drawn with the message
    except PlaywrightTimeout:  # seen once in a while under load: keep what the page showed, to find why
        _shot(page, "idle_logoff_no_form")
        pytest.fail(f"the idle message showed but no sign-in form came within 60 s: {page.evaluate(BUSY_JS)}; "
                    f"page text: {page.inner_text('body')[:400]!r} (screenshot: idle_logoff_no_form.png)")
    _settled(page)
    _shot(page, "idle_logoff")
    body = page.inner_text("body")
    assert "Active clients" not in body and "C0" not in body
    assert page.get_by_label("Username").count() == 1
    context.close()


@pytest.fixture
def short_absolute_server(demo_template, tmp_path):
    proc, url, _paths = _start(demo_template, tmp_path, MOMENTUM_SESSION_MAX_S="20", MOMENTUM_IDLE_TIMEOUT_S="60")
    yield url
    _stop(proc)


@pytest.fixture
def disable_check_server(demo_template, tmp_path):
    """Idle timeout 60 s, so the timer that also ends a disabled user's session runs every 6 s
    (with the default 15 minutes it runs every 30 s: test_the_timer_that_ends_a_disabled_session...)."""
    proc, url, db = _start(demo_template, tmp_path, MOMENTUM_IDLE_TIMEOUT_S="60")
    yield url, db
    _stop(proc)


def _shows_data(page) -> bool:
    body = page.inner_text("body")
    return "Active clients" in body or page.get_by_role("button", name="Sign out").count() > 0


# 3 replays in `make test`; `make campaign` replays 20 (MOMENTUM_COOKIE_REPLAYS)
REPLAYS = int(os.environ.get("MOMENTUM_COOKIE_REPLAYS", "3"))


@pytest.fixture
def secure_cookie_server(demo_template, tmp_path):
    proc, url, _db = _start(demo_template, tmp_path, MOMENTUM_COOKIE_SECURE="on")
    yield url
    _stop(proc)


@SECOND_PROCESS
def test_the_sign_in_cookie_carries_secure_when_the_setting_asks(secure_cookie_server, chromium):
    """MOMENTUM_COOKIE_SECURE=on (for a proxy that sends no X-Forwarded-Proto): the cookie the browser
    holds carries Secure. Chromium accepts a Secure cookie from 127.0.0.1 over HTTP, as from HTTPS.
    (auto behind a proxy's X-Forwarded-Proto: tests/test_auth_sessions.py; Playwright's extra headers
    do not reach the WebSocket the app reads its headers from.)"""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(secure_cookie_server)
    _username(page).wait_for(timeout=60000)
    _sign_in(page, "clinician")
    _heading(page, "Caseload momentum").wait_for(timeout=60000)
    for _ in range(240):  # document.cookie cannot see the flag: ask the browser's own jar
        if _momentum_cookies(context):
            break
        page.wait_for_timeout(250)
    assert [(c["secure"], c["sameSite"]) for c in _momentum_cookies(context)] == [(True, "Strict")]
    context.close()


class _Throttle:
    """Slow a server process down from outside, as a busy machine would: stopped (SIGSTOP) for
    ``stopped_s``, then let run (SIGCONT) for ``running_s``, over and over, until closed. Nothing in the
    product knows it is being slowed."""

    def __init__(self, pid: int, stopped_s: float = 0.3, running_s: float = 0.1) -> None:
        import signal
        import threading

        self.pid, self.stopped_s, self.running_s, self.signal = pid, stopped_s, running_s, signal
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.is_set():
            # sleeps, not self.done.wait(...): under Debian's faketime (make test run on another date) a
            # wait that times out never returns, and the server would stay stopped
            os.kill(self.pid, self.signal.SIGSTOP)
            time.sleep(self.stopped_s)
            os.kill(self.pid, self.signal.SIGCONT)
            time.sleep(self.running_s)

    def close(self) -> None:
        self.done.set()
        self.thread.join()
        os.kill(self.pid, self.signal.SIGCONT)


@pytest.fixture
def slowed_server(demo_template, tmp_path):
    """A server of its own, so that slowing it down slows no other test."""
    proc, url, _db = _start(demo_template, tmp_path)
    yield proc, url
    _stop(proc)


@THIRD_PROCESS
def test_the_sign_in_cookie_arrives_while_the_server_is_slowed(slowed_server, chromium):
    """The load run saw the sign-in cookie fail to arrive under load: the cookie request was drawn in the
    first run after sign-in only, and a rerun that began before the cookie component's frame had loaded
    (a click, another component reporting back) took it away. Here the server runs a quarter of the time
    while the user signs in and clicks straight on to another page, and the cookie component's frame is
    held back until that page has drawn (as a starved browser loads it late); the cookie must still
    arrive, and a reload must then find the session without a new sign-in."""
    proc, server = slowed_server
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server)
    _username(page).wait_for(timeout=60000)
    held = []
    page.route("**/component/**", lambda route: held.append(route))  # the cookie component's frame: not answered yet
    throttle = _Throttle(proc.pid)
    try:
        _sign_in(page, "supervisor")
        _heading(page, "Caseload momentum").wait_for(timeout=120000)
        page.get_by_role("link", name="Stalled-progress flags").click()
        _heading(page, "Stalled-progress flags").wait_for(timeout=120000)
        _fresh(page).get_by_text("Review a flag").first.wait_for(timeout=120000)  # the new page's run has drawn
        assert held, "the cookie component never asked for its frame"
        for route in held:
            route.continue_()
        page.unroute("**/component/**")
        deadline = time.monotonic() + 120
        while not _momentum_cookies(context) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        arrived = bool(_momentum_cookies(context))
    finally:
        throttle.close()
    assert arrived, "the sign-in cookie did not arrive within 120 s while the server was slowed"
    page.reload()
    _heading(page, "Stalled-progress flags").wait_for(timeout=60000)  # the page the user was on, signed in
    _settled(page)
    assert _username(page).count() == 0
    context.close()


def test_a_cookie_replayed_after_sign_out_is_refused_every_time(server, chromium):
    context, page = _signed_in_page(chromium, server, "clinician")
    cookies = [c for c in context.cookies() if c["name"] == "momentum_auth"]
    assert cookies
    # served over plain HTTP with MOMENTUM_COOKIE_SECURE=auto: no Secure flag (the browser would not send it)
    assert [(c["secure"], c["sameSite"]) for c in cookies] == [(False, "Strict")]
    page.get_by_role("button", name="Sign out").click()
    _username(page).wait_for(timeout=60000)
    context.close()
    accepted = 0
    for _ in range(REPLAYS):
        thief = chromium.new_context()
        thief.add_cookies(cookies)
        stolen = thief.new_page()
        stolen.goto(server)
        _username(stolen).wait_for(timeout=60000)
        _settled(stolen)  # a cookie that still worked would have resumed the session by now
        accepted += _shows_data(stolen)
        thief.close()
    print(f"\nreplayed cookie accepted {accepted} of {REPLAYS} times")
    assert accepted == 0


@SECOND_PROCESS
def test_the_timer_that_ends_a_disabled_session_runs_at_least_every_30_s_by_default(monkeypatch):
    from ui.auth import idle_check_interval_s

    monkeypatch.delenv("MOMENTUM_IDLE_TIMEOUT_S", raising=False)
    assert idle_check_interval_s() <= 30  # so a disabled user's open session ends within 60 s by default


@SECOND_PROCESS
def test_a_disabled_users_open_session_ends_within_sixty_seconds(disable_check_server, chromium):
    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import set_active

    server, db = disable_check_server
    context, page = _signed_in_page(chromium, server, "supervisor")
    assert _shows_data(page)
    t0 = time.monotonic()
    set_active(AppState(db.app_db), "supervisor", False)  # as `python -m pipelines users disable` does
    _username(page).wait_for(timeout=70000)  # no user action: the idle timer's check
    seconds = time.monotonic() - t0
    _settled(page)
    print(f"\ndisabled user's open session ended after {seconds:.1f} s (goal <= 60 s)")
    assert seconds <= 60 and not _shows_data(page)
    assert "C0" not in page.inner_text("body")
    # ended because the account was disabled, not because it sat idle for 60 s
    assert seconds < 60
    assert {r[0] for r in _app_rows(db, "SELECT end_reason FROM auth_sessions WHERE username = 'supervisor'")} == {
        "disabled"}
    context.close()


@SECOND_PROCESS
def test_the_absolute_timeout_ends_a_busy_session(short_absolute_server, chromium):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context, page = _signed_in_page(chromium, short_absolute_server, "clinician", settle=False)
    t0 = time.monotonic()
    pages = [("Homework", "Homework"), ("Caseload momentum", "Caseload momentum"),
             ("Stalled-progress flags", "Stalled-progress flags")]
    ended = None
    for i in range(40):  # keep moving between pages: activity must not extend an absolute timeout
        if page.get_by_label("Username").count():
            ended = time.monotonic() - t0
            break
        link_name, heading = pages[i % len(pages)]
        link = page.get_by_role("link", name=link_name)
        if link.count():
            try:  # the session may end between the count and the click: the link is then gone for good
                link.first.click(timeout=5000)
            except PlaywrightTimeout:
                continue
            # the page it opened, or the sign-in form once the session has ended; a click can be undone by a
            # rerun already on its way (the sign-in cookie reporting back), so a page that does not come is
            # clicked again on the next round rather than failing the test (CI's loaded run waited 30 s once)
            try:
                _heading(page, heading).or_(page.get_by_label("Username")).first.wait_for(timeout=10000)
            except PlaywrightTimeout:
                pass
        page.wait_for_timeout(1000)  # a user's pace between clicks, not a wait for the app
    print(f"\nsession with an absolute limit of 20 s, clicked every second or so, ended after {ended:.1f} s"
          if ended else "\nthe session did not end")
    assert ended is not None and 15 <= ended <= 50
    assert "C0" not in page.inner_text("body")
    context.close()


def test_flag_review_round_trip(server_db, chromium):
    from pipelines.appstate.db import AppState
    from pipelines.appstate.flag_reviews import reviews_for

    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.get_by_role("link", name="Stalled-progress flags").click()
    _settle(page, "Review a flag")
    page.get_by_text("Acknowledge", exact=True).click()
    page.get_by_label("Note").fill("Bring to Thursday supervision")
    page.get_by_role("button", name="Save review").click()
    page.get_by_text("Saved: acknowledge").wait_for(timeout=30000)
    _shot(page, "flag_reviewed")
    state = AppState(db.app_db)
    with state.reading() as con:
        rows = con.execute("SELECT client_id, action, note, reviewed_by FROM flag_reviews").fetchall()
    assert [tuple(r)[1:] for r in rows] == [("acknowledge", "Bring to Thursday supervision", "supervisor")]
    assert len(reviews_for(state, [rows[0][0]])) == 1
    context.close()


@THIRD_PROCESS
def test_manager_uploads_a_dirty_csv_sees_its_rejects_then_maps_an_unknown_export(fresh_server_db, chromium, tmp_path):
    import duckdb

    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import add_user
    from pipelines.store import DataStore

    server, db = fresh_server_db  # its own server: loading a non-sample file ends demo mode for everyone
    # a real manager: loading a non-sample file ends demo mode, and demo accounts with it
    add_user(AppState(db.app_db), "office", "Office Manager", "manager", "a-long-office-password")
    snapshot = DataStore(db).current_snapshot()
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        (clinician,) = con.execute("SELECT clinician_id FROM clients WHERE client_id = 'C00001'").fetchall()[0]
    finally:
        con.close()
    dirty = (
        "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at\n"
        f"S9000001,C00001,{clinician},2026-11-20 10:00,50,attended,individual,in_person,\n"
        f"S9000002,C00001,{clinician},2026-02-30 10:00,50,attended,individual,in_person,\n"
        f"S9000003,C99999,{clinician},2026-11-20 11:00,50,attended,individual,in_person,\n"
    ).encode()
    # a file name with Markdown in it (an image, colour, an autolink): the progress lines and the results
    # show it as written; an image rendered from it would make the browser ask for momentum-probe.png
    hostile = "appointments ![p](momentum-probe.png) :red[x] www.evil-example.org.csv"
    requests: list[str] = []
    context = chromium.new_context(viewport={"width": 1400, "height": 2200})
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server)
    _username(page).wait_for(timeout=60000)
    _sign_in(page, "office", "a-long-office-password")
    _heading(page, "Caseload momentum").wait_for(timeout=60000)
    _cookie_settled(page)
    page.get_by_role("link", name="Data status").click()
    page.get_by_text("Load exports").wait_for(timeout=60000)
    page.locator("input[type='file']").first.set_input_files({"name": hostile, "mimeType": "text/csv", "buffer": dirty})
    page.get_by_text(re.compile(r"^appoint.*\.csv$")).first.wait_for(timeout=30000)  # its name, shortened
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text("Some rows or files were rejected").wait_for(timeout=120000)
    _settle(page, "Rejected rows")
    _shot(page, "data_upload_rejects")
    con = duckdb.connect(str(DataStore(db).current_snapshot()), read_only=True)
    try:
        reasons = [r[0] for r in con.execute(
            "SELECT reason FROM rejected_rows r JOIN loads l USING (load_id) "
            "WHERE l.source_file LIKE '%appointments%' ORDER BY row_number").fetchall()]
        loaded = con.execute("SELECT count(*) FROM sessions WHERE session_id = 'S9000001'").fetchall()[0][0]
    finally:
        con.close()
    assert loaded == 1 and len(reasons) == 2
    assert "not a real date" in reasons[0] and "client_id of this row is not in clients" in reasons[1]
    body = page.inner_text("body")
    assert "Rejected rows" in body and "Download these rejected rows (CSV)" in body
    page.get_by_text("Loaded, with rejected rows or files").click()  # the progress lines, kept in the box
    page.get_by_text("reading (sessions)", exact=False).first.wait_for(timeout=30000)
    body = page.inner_text("body").replace("\u2060", "")  # plain_md's invisible word joiners
    assert body.count(hostile) >= 2, body  # in the progress lines and the load chooser, as written
    assert not [u for u in requests if "momentum-probe" in u], requests
    assert page.locator("a[href*='evil-example']").count() == 0
    assert page.locator("img[src*='momentum-probe']").count() == 0
    _map_an_unknown_export(page, db, tmp_path)
    context.close()


VISITS_HEADER = "Visit Person,Therapist Name,When,Minutes,Outcome,Billing Email"
VISIT_PEOPLE = ["Wren Hollis", "Tamsin Quarry", "Oren Blackwood"]


def _published(db, count_sql: str, timeout_s: float = 180) -> None:
    """Wait until the published snapshot answers ``count_sql`` with a count above zero (a load has
    finished and been published), polling the file the pages read."""
    import duckdb

    from pipelines.store import DataStore

    deadline = time.monotonic() + timeout_s
    while True:
        snapshot = DataStore(db).current_snapshot()
        if snapshot is not None:
            try:
                con = duckdb.connect(str(snapshot), read_only=True)
                try:
                    if con.execute(count_sql).fetchall()[0][0] > 0:
                        return
                finally:
                    con.close()
            except duckdb.Error:
                pass  # the pointer moved on and the old snapshot was removed between the two reads
        if time.monotonic() > deadline:
            pytest.fail(f"no published snapshot answered {count_sql!r} within {timeout_s:.0f} s")
        time.sleep(0.2)


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    _fresh(page).get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    _settled(page)


def _map_an_unknown_export(page, db, tmp_path) -> None:
    """The column-mapping step, end to end: a file no profile knows is mapped, previewed and saved as a
    profile; it then loads by upload, and a second file with the same header loads by the command line."""
    import duckdb

    from pipelines.appstate.db import AppState
    from pipelines.store import DataStore
    from tests.conftest import run_cli

    visits = "\n".join([VISITS_HEADER,
                        "Wren Hollis,Clinician Fir,11/16/2026 09:00,50,Kept,wh@example.org",
                        "Tamsin Quarry,clinician  fir,11/17/2026 09:00,50,Gone Missing,tq@example.org",
                        "Wren Hollis,Clinician Fir,11/18/2026 09:00,50,Kept,wh@example.org"]).encode() + b"\n"
    page.locator("input[type='file']").nth(1).set_input_files(
        {"name": "visits.csv", "mimeType": "text/csv", "buffer": visits})
    _settle(page, "These rows are")
    for label, option in (("client_id (required)", "Visit Person"), ("clinician_id (required)", "Therapist Name"),
                          ("start (required)", "When"), ("status (required)", "Outcome")):
        _choose(page, label, option)
    for box in ("The client column holds names (turn them into codes)",
                "The clinician column holds names (match them to the staff list)", "Add clients first seen here"):
        if not _fresh(page).get_by_role("checkbox", name=box).is_checked():
            page.get_by_text(box, exact=True).click()
            _settled(page)
    page.get_by_text("MM/DD/YYYY", exact=True).click()
    _settled(page)
    _choose(page, "“Gone Missing” means", "no_show")
    _settle(page, "3 of 3 rows would load")
    name_field = page.get_by_role("textbox", name="Save as profile")
    name_field.fill("acme-visits")
    name_field.press("Enter")
    _settled(page)
    _shot(page, "data_mapping_preview")
    page.get_by_role("button", name="Save this profile").click()
    _settle(page, "Saved profile acme-visits")
    assert (db.practice_profiles / "acme-visits.toml").is_file()
    # the same file through Load exports: recognised by its header now
    loads = page.locator("[data-testid='stFileUploader']").nth(0)
    loads.locator("input[type='file']").set_input_files(
        {"name": "visits.csv", "mimeType": "text/csv", "buffer": visits})
    loads.get_by_text("visits.csv").wait_for(timeout=60000)  # uploaded before Load is pressed
    _settled(page)
    page.get_by_role("button", name="Load", exact=True).click()
    _published(db, "SELECT count(*) FROM loads WHERE profile = 'acme-visits'")
    _settled(page)
    page.locator("[role='gridcell']", has_text="read as the acme-visits sessions export").first.wait_for(
        state="attached", timeout=60000)  # the results table's notes (a canvas grid: its cells are hidden)
    # and a later export with the same header, by the command line
    later = tmp_path / "visits-later.csv"
    later.write_text(VISITS_HEADER + "\nOren Blackwood,Clinician Fir,11/19/2026 09:00,50,Kept,ob@example.org\n",
                     encoding="utf-8")
    done = run_cli("ingest", str(later), "--db", str(db.data_db))
    assert done.returncode == 0 and "read as the acme-visits sessions export" in done.stderr, done.stderr
    con = duckdb.connect(str(DataStore(db).current_snapshot()), read_only=True)
    try:
        statuses = con.execute("SELECT s.status, count(*) FROM sessions s JOIN loads l USING (load_id) "
                               "WHERE l.profile = 'acme-visits' GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    assert statuses == [("attended", 3), ("no_show", 1)]
    with AppState(db.app_db).reading() as state:
        saved = state.execute("SELECT actor, detail FROM audit_log WHERE action = 'profile_saved'").fetchall()
    assert [tuple(r)[0] for r in saved] == ["office"] and "Visit Person" in saved[0][1]
    found = [(p.name, who) for p in db.data_db.parent.rglob("*") if p.is_file() for who in
             [*VISIT_PEOPLE, "@example.org"] if who.lower().encode() in p.read_bytes().lower()]
    assert found == []


# -- team meetings: the wins board, meeting mode, the consultation queue ------


def _post_win(page, text: str) -> None:
    page.get_by_label("What happened?").fill(text)
    page.get_by_role("button", name="Post win").click()


def test_posting_a_win_the_phi_guard_xss_and_a_celebrate_reaction(server_db, chromium):
    server, db = server_db
    alerts: list[str] = []
    context, page = _signed_in_page(chromium, server, "clinician")
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.get_by_role("link", name="Wins board").click()
    _settle(page, "Post a win")
    # the guard stops an email, a phone number and a full date, naming each
    for text, said in [("Thank jo.smith@example.org for the referral", "an email address"),
                       ("Call back on 07700 900123 went well", "a phone number"),
                       ("Finally attended on 12/03/2026 after a long gap", "a full date")]:
        _post_win(page, text)
        page.get_by_text(said).first.wait_for(timeout=30000)
        if said == "a full date":
            _shot(page, "wins_phi_guard")
            assert page.get_by_role("button", name="Post with confirmation").is_disabled()
            page.get_by_role("button", name="Edit instead").click()
            page.get_by_role("button", name="Post with confirmation").wait_for(state="detached", timeout=30000)
            _settled(page)
    assert _app_rows(db, "SELECT text FROM app_wins") == []
    # a plain win posts; so does markup, which shows as literal text
    plain = "A client walked to the session on their own today."
    _post_win(page, plain)
    page.locator("[data-testid='stText']", has_text=plain).first.wait_for(timeout=30000)
    page.get_by_text("Posted to the board.").wait_for(timeout=30000)
    _settled(page)
    xss = "<img src=x onerror=alert(1)>"
    _post_win(page, xss)
    page.locator("[data-testid='stText']", has_text=xss).first.wait_for(timeout=30000)  # shown as written
    assert page.locator("img[src='x']").count() == 0 and alerts == []
    assert {r[0] for r in _app_rows(db, "SELECT text FROM app_wins")} == {
        "A client walked to the session on their own today.", xss}
    # celebrate the first win on the board (the newest: the markup one), then take it back
    page.get_by_role("button", name="Celebrate").first.click()
    page.get_by_role("button", name="Celebrate · 1").first.wait_for(timeout=30000)
    assert _app_rows(db, "SELECT username FROM win_reactions") == [("clinician",)]
    _settled(page)
    _shot(page, "wins_board")
    page.get_by_role("button", name="Celebrate · 1").first.click()
    page.get_by_role("button", name="Celebrate · 1").wait_for(state="detached", timeout=30000)
    _settled(page)
    assert _app_rows(db, "SELECT username FROM win_reactions") == []
    assert alerts == []
    context.close()


def test_meeting_mode_navigation_full_screen_and_mark_celebrated(server_db, chromium):
    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.get_by_role("link", name="Meeting mode").click()
    card = page.get_by_test_id("meeting-win-text")
    card.wait_for(timeout=60000)
    panel = page.locator("[role='tabpanel']:visible").first  # the wins tab
    position = panel.get_by_text(re.compile(r"^1 of \d+$"))
    position.wait_for(timeout=30000)
    total = int(position.inner_text().split()[-1])
    assert total >= 3

    def at(n: int) -> str:
        """Wait until the whole page shows win n (the counter, then the card)."""
        panel.get_by_text(f"{n} of {total}", exact=True).wait_for(timeout=30000)
        _settled(page)
        return card.inner_text()

    first = at(1)
    next_, previous = page.locator(".st-key-meeting_pos_next button"), page.locator(".st-key-meeting_pos_prev button")
    next_.click()
    at(2)
    previous.click()
    assert at(1) == first
    previous.click()  # wraps round to the last win
    at(total)
    next_.click()
    assert at(1) == first
    # the keyboard moves between wins: the arrow keys, and PageUp/PageDown from a presentation clicker
    page.keyboard.press("ArrowRight")
    at(2)
    page.keyboard.press("PageDown")
    at(3)
    page.keyboard.press("PageUp")
    at(2)
    page.keyboard.press("ArrowLeft")
    assert at(1) == first
    # full screen keeps only the win, previous/next and the counter, in large type
    page.get_by_role("button", name="Full screen").click()
    page.locator("section[data-testid='stSidebar']").wait_for(state="hidden", timeout=30000)
    _fresh(page).get_by_text(f"1 of {total}", exact=True).wait_for(timeout=30000)
    _settled(page)
    assert not page.locator("section[data-testid='stSidebar']").is_visible()
    assert not page.get_by_role("heading", name="Meeting mode").is_visible()
    assert not page.get_by_text("Wins posted between").is_visible()
    on_screen = [b.inner_text() for b in page.get_by_role("button").all()
                 if b.is_visible() and b.bounding_box()["x"] >= 0]  # the shortcut-only buttons sit off screen
    assert [re.sub(r"\s+", " ", t).strip() for t in on_screen] == ["arrow_back Previous ←", "arrow_forward Next →"], on_screen
    size = page.get_by_test_id("meeting-win-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 32, size
    page.keyboard.press("ArrowRight")
    _fresh(page).get_by_text(f"2 of {total}", exact=True).wait_for(timeout=30000)
    _settled(page)
    _shot(page, "meeting_mode")
    page.keyboard.press("m")  # mark celebrated: its button is off the projected screen, kept for the key
    page.get_by_role("button", name=re.compile("Celebrated in the meeting of")).wait_for(state="attached",
                                                                                      timeout=30000)
    assert len(_app_rows(db, "SELECT win_id, meeting_date FROM win_celebrations")) == 1
    _settled(page)
    page.keyboard.press("Escape")  # leaves full screen
    _heading(page, "Meeting mode").wait_for(timeout=30000)
    _settled(page)
    context.close()


@THIRD_PROCESS
def test_bringing_a_flagged_client_to_consultation_and_recording_the_next_step(server_db, chromium):
    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.get_by_role("link", name="Stalled-progress flags").click()
    _settle(page, "Review a flag")
    page.get_by_role("link", name="Bring this client to peer consultation").click()
    page.get_by_label("Your question for the group").wait_for(timeout=60000)
    assert "client=C" in page.url and "flag=" in page.url
    page.get_by_label("Your question for the group").fill("Ten sessions without change: what would you try next?")
    page.get_by_role("button", name="Add to the queue").click()
    page.get_by_text("Client added to the consultation queue").wait_for(timeout=30000)
    # the demo's queue holds three items already (one still open); this is the fourth
    ((client, flag),) = _app_rows(db, "SELECT client_id, from_flag FROM consultations WHERE brought_by = 'supervisor'")
    assert client.startswith("C") and flag
    # the meeting: the item one at a time, then the group's ideas and agreed next step
    page.get_by_role("link", name="Meeting mode").click()
    page.get_by_role("tab", name="Peer consultation").click()
    page.get_by_text("Question for the group").first.wait_for(timeout=60000)
    _settled(page)
    page.locator(".st-key-meeting_item_pos_next button").click()  # first brought, first discussed: the demo's, then ours
    page.get_by_text("Ten sessions without change").first.wait_for(timeout=30000)
    _settled(page)
    page.get_by_label("Ideas from the group").fill("Revisit the formulation; consider behavioural activation")
    page.get_by_label("Agreed next step").fill("Review goals together at the next session")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved the agreed next step").wait_for(timeout=30000)
    assert _app_rows(db, "SELECT next_step, recorded_by FROM consultation_notes WHERE next_step LIKE 'Review goals%'") == [
        ("Review goals together at the next session", "supervisor")]
    page.get_by_role("link", name="Peer consultation").click()
    page.get_by_text("The team's queue").wait_for(timeout=60000)
    page.get_by_text("Not resumed yet").or_(page.get_by_text("Momentum resumed")).first.wait_for(timeout=30000)
    _settled(page)
    _shot(page, "consultation")
    context.close()


def _momentum_cookies(context) -> list[dict]:
    return [c for c in context.cookies() if c["name"] == "momentum_auth"]


@THIRD_PROCESS
def test_two_tab_sign_out_leaves_no_tab_signed_in(server, chromium):
    """Sign in twice in two tabs of one browser, sign out in the first: a new tab shows the sign-in form.

    The second sign-in overwrote the browser's one cookie; sign-out in the first tab once ended only
    the first tab's session, and the cookie left behind found the second one."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.goto(server)
        _username(page).wait_for(timeout=60000)
    values: list[str] = []
    for page in (first, second):
        page.bring_to_front()  # the tab a person is using: its cookie component is not throttled
        _sign_in(page, "clinician")
        page.get_by_role("heading", name="Caseload momentum").first.wait_for(timeout=60000)
        # wait until this tab's own cookie is in the jar (the second replaces the first's)
        for _ in range(480):
            now = [c["value"] for c in _momentum_cookies(context)]
            if now and now[0] not in values:
                values.append(now[0])
                break
            page.wait_for_timeout(250)
        # and until the rerun the cookie's report causes has finished: a tab whose report is still on
        # its way sets the cookie again on that run, the likely cause of a cookie found in the jar
        # after the first tab's sign-out (1 of 3 browser-suite runs under load)
        _settled(page)
    assert len(values) == 2
    cookie_before = _momentum_cookies(context)
    first.bring_to_front()
    first.get_by_role("button", name="Sign out").click()
    _username(first).wait_for(timeout=60000)
    # the cookie is expired in the browser
    for _ in range(120):
        if not _momentum_cookies(context):
            break
        first.wait_for_timeout(250)
    assert _momentum_cookies(context) == []
    fresh = context.new_page()
    fresh.goto(server)
    _username(fresh).wait_for(timeout=60000)
    expect_signed_out = fresh.get_by_role("button", name="Sign out")
    assert expect_signed_out.count() == 0 and "Active clients" not in fresh.inner_text("body")
    # the second tab's session ended too: its next action - or its idle check, whichever comes
    # first - shows the sign-in form
    from playwright.sync_api import Error as PlaywrightError

    second.bring_to_front()
    link = second.get_by_role("link", name="Homework")
    if link.count():
        try:
            link.click(timeout=5000)
        except PlaywrightError:
            pass  # the idle check redrew the tab first
    second.get_by_label("Username").or_(second.get_by_text("You are not signed in")).first.wait_for(timeout=60000)
    # and the cookie saved before sign-out finds nothing in a fresh browser
    thief = chromium.new_context()
    thief.add_cookies(cookie_before)
    stolen = thief.new_page()
    stolen.goto(server)
    _username(stolen).wait_for(timeout=60000)
    assert stolen.get_by_role("button", name="Sign out").count() == 0
    thief.close()
    context.close()


def _fetch_status(url: str) -> int:
    """A plain HTTP GET with no cookie and no session, as anyone holding the URL could send."""
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@FOURTH_PROCESS
def test_an_export_url_fetched_without_a_session_gets_nothing(server_db, chromium):
    """The agenda download's /media/<id> URL was once served to anyone, unaudited, long after sign-out."""
    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.get_by_role("link", name="Supervision prep", exact=True).click()
    button = page.get_by_role("button", name="Download agenda (CSV)")
    button.wait_for(timeout=60000)
    with page.expect_download(timeout=60000) as info:
        button.click()
    download = info.value
    assert download.path().read_bytes().startswith(b"section,")  # the browser got the file
    url = download.url
    assert "/media/" in url
    assert _fetch_status(url) == 404  # served to the browser that made it (a check and the download), then gone
    with page.expect_download(timeout=60000) as again:  # the button makes a fresh one on each click
        button.click()
    second = again.value.url
    page.get_by_role("button", name="Sign out").click()
    _username(page).wait_for(timeout=60000)
    context.close()
    assert _fetch_status(second) == 404  # fetched by the browser already, and the session has ended
    actions = [r[0] for r in _app_rows(db, "SELECT action FROM audit_log ORDER BY seq")]
    assert actions.count("export") == 2 and actions.count("export_fetched") >= 2


@FOURTH_PROCESS
def test_an_unfetched_export_is_gone_after_sign_out(server_db, chromium):
    """An export made but not yet fetched (its URL copied, say) is deleted at sign-out."""
    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.route("**/media/**", lambda route: route.abort())  # the browser never fetches the file
    page.get_by_role("link", name="Supervision prep", exact=True).click()
    button = page.get_by_role("button", name="Download agenda (CSV)")
    button.wait_for(timeout=60000)
    with page.expect_request("**/media/**", timeout=60000) as request:  # the click makes the file
        button.click()
    url = request.value.url
    page.get_by_role("button", name="Sign out").click()
    _username(page).wait_for(timeout=60000)
    context.close()
    assert _fetch_status(url) == 404


@pytest.fixture
def december_server(demo_template, tmp_path):
    """A server whose today is 3 December 2026: November's pulse has closed."""
    proc, url, db = _start(demo_template, tmp_path, MOMENTUM_TODAY="2026-12-03")
    yield url, db
    _stop(proc)


@FOURTH_PROCESS
def test_filling_the_pulse_the_owners_history_and_the_five_rule_a_manager_sees(december_server, chromium):
    from pipelines.appstate import pulse
    from pipelines.appstate.db import AppState
    from schemas.wellbeing import CBI

    server, db = december_server
    calm = {i.id: ("Seldom" if i.options == "frequency" else "To a low degree") for i in CBI.items}
    # November, now closed: North 5 answers, East 4, South 6
    pulse.seed(AppState(db.app_db), [(None, "2026-11", team, calm) for team, n in
                                     (("North", 5), ("East", 4), ("South", 6)) for _ in range(n)])
    context, page = _signed_in_page(chromium, server, "clinician")
    page.get_by_text("Your wellbeing pulse for Dec 2026 is open").wait_for(timeout=60000)
    page.get_by_role("link", name="Take the pulse").click()
    page.get_by_text("6 periods answered").wait_for(timeout=60000)
    for scale in CBI.scales:
        for n, item in enumerate(scale.items, start=1):
            answer = "Sometimes" if item.options == "frequency" else "Somewhat"
            group = page.get_by_role("radiogroup", name=f"{n}. {item.text}")
            group.get_by_text(answer, exact=True).click()
    page.get_by_role("button", name="Submit my pulse").click()
    page.get_by_text("Your pulse for Dec 2026 is in").wait_for(timeout=60000)
    page.get_by_text("7 periods answered").wait_for(timeout=60000)
    assert "Latest, Dec 2026: work-related 50" in page.inner_text("body")
    page.get_by_text("Anything you did for yourself lately?").wait_for(timeout=30000)
    _shot(page, "pulse")
    assert _app_rows(db, "SELECT count(*) FROM pulse_owner_copies WHERE period = '2026-12'") == [(1,)]
    context.close()
    # the manager: the team pulse with the 5 rule, and no way to the clinician's own page
    context, page = _signed_in_page(chromium, server, "manager")
    page.get_by_role("link", name="Workload").click()
    page.get_by_text("Latest closed period, Nov 2026").wait_for(timeout=60000)
    body = page.inner_text("body")
    assert "North: 5 responses" in body and "East: fewer than 5 responses" in body
    assert "Whole practice: withheld" in body  # the practice minus North and South would be East's 4
    assert "Wellbeing pulse" not in page.locator("[data-testid='stSidebarNav']").inner_text()
    _shot(page, "workload_team_pulse")
    page.goto(f"{server}/pulse")  # a typed link: a new session, resumed from the cookie
    _settled(page)  # every script that would run has run
    body = page.inner_text("body")
    assert "Your pulse over time" not in body and "periods answered" not in body and "Submit my pulse" not in body
    context.close()


# -- supervisor-first screens ------------------------------------------------------


def _click_row(page, table, row: int) -> None:
    """Click the selection box of a table's ``row`` (0-based), below its header; rows are 35 px."""
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 * row + 17)


@THIRD_PROCESS
def test_risk_first_a_selected_flag_opens_its_review_and_no_table_offers_a_csv(server, chromium):
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.get_by_role("link", name="Stalled-progress flags").click()
    _settle(page, "Review a flag")
    block = page.locator(".st-key-risk_block")
    assert "risk item" in block.inner_text() and "review first" in block.inner_text()
    # the risk block is the first thing under the filters, above the rest of the queue
    tables = _fresh(page).locator("[data-testid='stDataFrame']")
    assert block.bounding_box()["y"] < tables.nth(1).bounding_box()["y"]
    reviewing_risk = _fresh(page).get_by_text(re.compile(r"^🆘 Risk item: "))  # the review's own line
    reviewing_risk.wait_for(timeout=30000)  # the review opens on the first risk item
    _click_row(page, tables.nth(1), 0)  # the first flag of the queue below the risk block
    reviewing_risk.wait_for(state="detached", timeout=30000)
    _settled(page)
    assert "Reason and evidence" in page.inner_text("body")
    _shot(page, "flags_risk_first")
    # a table's toolbar: search and full screen, but no CSV download that the audit would not see
    tables.nth(1).hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    toolbar.wait_for(timeout=30000)
    assert page.locator("[data-testid='stElementToolbar'] button[aria-label^='Download']").count() == 0
    context.close()


@THIRD_PROCESS
def test_a_client_the_picker_does_not_list_opens_by_its_typed_code(server_db, chromium):
    """The demo manager's caseload is longer than the picker's 1,000 listed clients (active first): a code
    typed into the picker opens that client; a code outside the caseload is refused."""
    import duckdb

    from pipelines.models import queries

    url, db = server_db
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        cur = con.cursor()
        courses = queries.course_outcomes(cur, queries.all_clinicians_scope(cur), queries.default_as_of(cur))
    finally:
        con.close()
    ordered = courses.sort_values(["is_active", "client_id"], ascending=[False, True])["client_id"].tolist()
    assert len(ordered) > 1000
    unlisted = ordered[-1]
    context, page = _signed_in_page(chromium, url, "manager")
    page.get_by_role("link", name="Client view").click()
    _settle(page, "Outcome trajectories")
    picker = _fresh(page).get_by_role("combobox", name="Client", exact=True)
    picker.click()
    page.keyboard.type(unlisted)
    page.keyboard.press("Enter")
    _fresh(page).get_by_test_id("stMetricValue").filter(has_text=unlisted).wait_for(timeout=60000)
    _settled(page)
    assert f"client={unlisted}" in page.url and "not in your caseload" not in page.inner_text("body")
    _shot(page, "client_typed_code")
    picker = _fresh(page).get_by_role("combobox", name="Client", exact=True)
    picker.click()
    page.keyboard.type("C99999")
    page.keyboard.press("Enter")
    _settle(page, "That client is not in your caseload, so nothing is shown.")
    assert unlisted not in " ".join(_fresh(page).get_by_test_id("stMetricValue").all_inner_texts())
    context.close()


@FOURTH_PROCESS
def test_freshness_prep_page_and_filters_that_follow_through_pages_and_a_shared_url(server_db, chromium):
    from pipelines.appstate import audit
    from pipelines.appstate.db import AppState

    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor", height=1800)  # tall: a full-page shot
    sidebar = page.locator("section[data-testid='stSidebar']")
    assert "Data through 2026-11-20 · 2 days old" in sidebar.inner_text()
    # narrow the caseload to one supervisee: the URL carries it, and the next page keeps it
    page.get_by_label("Clinicians").click()
    option = page.get_by_role("option").filter(has_not_text="Select all").first
    name = option.inner_text().strip()
    option.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('clinicians=')", timeout=30000)
    _settled(page)
    shared = page.url
    page.get_by_role("link", name="Stalled-progress flags").click()
    _settle(page, "Review a flag")
    page.wait_for_function("() => location.search.includes('clinicians=')", timeout=30000)
    assert name in page.locator("[data-testid='stMultiSelect']").first.inner_text()
    # the supervision prep page: one supervisee's top items
    page.get_by_role("link", name="Supervision prep", exact=True).click()
    _settle(page, "Flags to discuss")
    _fresh(page).get_by_text("Momentum changes since").first.wait_for(timeout=30000)
    _shot(page, "supervision_prep")
    context.close()
    # the shared link, opened by a colleague who signs in: the same narrowed view
    other, page = _signed_in_page(chromium, shared, "supervisor")
    picked = page.locator("[data-testid='stMultiSelect']").first
    try:
        picked.filter(has_text=name).wait_for(timeout=30000)
    except Exception:
        _shot(page, "shared_link_not_narrowed")
        # what each run of the page drew, as the audit log has it (the scope of every view): which run lost the link
        views = [(e.get("at"), e.get("action"), e.get("detail")) for e in audit.recent(AppState(db.app_db), 12)]
        pytest.fail(f"the shared link {shared} opened as {page.url}, showing {picked.inner_text()!r}, not {name!r}; "
                    f"the last audit records: {views}")
    other.close()
    # a link that names a clinician outside the scope: refused, said, audited
    target = _app_rows(db, "SELECT clinician_id FROM users WHERE username = 'manager'")[0][0]
    tamper, page = _signed_in_page(chromium, f"{server}/?clinicians={target}", "clinician", settle=False)
    _settle(page, "outside your scope")
    assert any(e["action"] == "filter_refused" for e in audit.recent(AppState(db.app_db), 20))
    tamper.close()


SWEEP_SHOTS = bool(os.environ.get("MOMENTUM_SWEEP_SHOTS"))  # every page as every role, into ARTIFACTS/sweep
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}, "resultTypes": ["violations"]}


def _axe_problems(page, where: str) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2 A and AA on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS).response
    return [f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} elements, e.g. {[n['target'] for n in v['nodes'][:3]]})"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


# one role per test, each in a different test process (the sweep is the longest browser work)
@pytest.mark.parametrize("role", [
    pytest.param("supervisor", marks=SECOND_PROCESS),
    pytest.param("manager", marks=THIRD_PROCESS),
    pytest.param("clinician", marks=FOURTH_PROCESS),
])
def test_every_page_for_every_role_passes_axe_core_wcag_a_and_aa(server, chromium, role):
    """axe-core's WCAG 2 A and AA rules on every page the role can open (and, for the clinician, the
    sign-in page): no serious or critical violation. SWEEP_SHOTS: full-page screenshots of each."""
    context = chromium.new_context(viewport={"width": 1400, "height": 3000})
    page = context.new_page()
    page.goto(server)  # the process's shared server: what other tests wrote there changes no page's structure
    _username(page).wait_for(timeout=60000)
    found: list[str] = []
    if role == "clinician":
        _settled(page)
        found += _axe_problems(page, "sign in")
    _sign_in(page, role)
    _heading(page, "Caseload momentum").wait_for(timeout=60000)
    _cookie_settled(page)
    links = page.locator("[data-testid='stSidebarNav'] a")
    pages = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert len(pages) >= 9, pages
    for title, href in pages:
        page.locator(f"[data-testid='stSidebarNav'] a[href='{href}']").click()
        page.wait_for_function("(h) => location.href.split('?')[0] === h.split('?')[0]", arg=href, timeout=60000)
        _settled(page)
        if SWEEP_SHOTS:  # to look at every page as every role, full height
            _shot(page, f"sweep/{role}_{urllib.parse.urlparse(href).path.strip('/') or 'caseload'}")
        found += _axe_problems(page, f"{role} · {title}")
    context.close()
    assert not found, "\n".join(found)
