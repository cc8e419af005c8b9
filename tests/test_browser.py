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
import urllib.request
from pathlib import Path

import pytest

from pipelines.demo import ensure_demo_database
from pipelines.settings import paths
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("MOMENTUM_SCREENSHOTS") or REPO / "test-artifacts")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-demo")
    ensure_demo_database(paths(folder / "momentum.duckdb"))
    return folder


def _start(demo_template, tmp_path, **env_extra):
    """A fresh Streamlit server on its own copy of the demo database."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    port = _free_port()
    env = {**os.environ, "MOMENTUM_DB": str(folder / "momentum.duckdb"), "PYTHONPATH": str(REPO), **env_extra}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    return proc, url, paths(folder / "momentum.duckdb")


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def server(demo_template, tmp_path):
    proc, url, _paths = _start(demo_template, tmp_path)
    yield url
    _stop(proc)


@pytest.fixture
def server_db(demo_template, tmp_path):
    proc, url, db = _start(demo_template, tmp_path)
    yield url, db
    _stop(proc)


@pytest.fixture
def short_idle_server(demo_template, tmp_path):
    proc, url, _paths = _start(demo_template, tmp_path, MOMENTUM_IDLE_TIMEOUT_S="10")
    yield url
    _stop(proc)


def _app_rows(db, sql: str) -> list[tuple]:
    from pipelines.store import AppState

    with AppState(db.app_db).reading() as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page, username: str, password: str = "momentum-demo") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _signed_in_page(chromium, server: str, username: str, settle: bool = True):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server)
    page.get_by_label("Username").wait_for(timeout=60000)
    _sign_in(page, username)
    # .first: while the cookie component's report-back reruns the page, the heading can be drawn twice
    page.get_by_role("heading", name="Caseload momentum").first.wait_for(timeout=60000)
    if settle:
        _cookie_settled(context, page)
    return context, page


def _cookie_settled(context, page) -> None:
    """Wait until the sign-in cookie is set. The cookie component reports back once
    and reruns the page it was on; a navigation clicked before that can be undone."""
    for _ in range(120):
        if any(c["name"] == "momentum_auth" for c in context.cookies()):
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(1500)


def _settle(page, text: str) -> None:
    page.get_by_text(text).first.wait_for(timeout=60000)
    page.wait_for_timeout(2500)  # charts draw after the data arrives


def test_deep_link_first_request_after_start_shows_no_data(server, chromium):
    page = chromium.new_page()
    page.goto(f"{server}/flags")  # the very first request to this server
    page.wait_for_timeout(5000)  # let every script run that would run
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
    page.get_by_label("Username").wait_for(timeout=60000)
    _shot(page, "sign_in")
    _sign_in(page, "supervisor")
    page.get_by_role("heading", name="Caseload momentum").wait_for(timeout=60000)
    _settle(page, "Momentum by clinician")
    page.get_by_text("Suggested wins").first.wait_for(timeout=60000)
    page.locator("[data-testid='stDataFrame'] canvas").first.wait_for(timeout=60000)
    page.wait_for_timeout(5000)  # the tables draw on a canvas after their data arrives
    _shot(page, "caseload")
    body = page.inner_text("body")
    assert "Demo data" in body and "Active clients" in body
    # selecting a row of the client table opens that client's view
    table = page.locator("[data-testid='stDataFrame']").first
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
        page.wait_for_timeout(2500)  # tables draw on a canvas after their data
        _shot(page, name)
    # a reload is a new Streamlit session: the cookie finds the live server-side session
    page.reload()
    page.get_by_role("heading", name="Data status").wait_for(timeout=60000)
    cookies = context.cookies()
    assert any(c["name"] == "momentum_auth" for c in cookies)
    page.get_by_role("link", name="Caseload momentum").click()
    page.get_by_role("heading", name="Caseload momentum").wait_for(timeout=60000)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for(timeout=60000)
    page.go_back()
    page.wait_for_timeout(4000)
    _shot(page, "after_sign_out_back")
    body = page.inner_text("body")
    assert "Active clients" not in body and "Load history" not in body and "C0" not in body
    # the cookie saved before sign-out, replayed in a fresh browser: worth nothing
    thief = chromium.new_context()
    thief.add_cookies([c for c in cookies if c["name"] == "momentum_auth"])
    stolen = thief.new_page()
    stolen.goto(server)
    stolen.get_by_label("Username").wait_for(timeout=60000)
    stolen.wait_for_timeout(2000)
    assert "Active clients" not in stolen.inner_text("body")
    thief.close()
    context.close()


def test_wrong_password_then_lockout_after_five_failures(server_db, chromium):
    server, db = server_db
    page = chromium.new_page()
    page.goto(server)
    page.get_by_label("Username").wait_for(timeout=60000)
    for attempt in range(5):
        _sign_in(page, "clinician", f"wrong-password-{attempt}")
        page.get_by_text("Username or password is incorrect.").wait_for(timeout=30000)
        # the message stays up from the attempt before: wait until the server has counted this one
        for _ in range(120):
            if _app_rows(db, "SELECT count(*) FROM login_failures")[0][0] == attempt + 1:
                break
            page.wait_for_timeout(250)
        assert _app_rows(db, "SELECT count(*) FROM login_failures")[0][0] == attempt + 1
        page.wait_for_timeout(500)
    _shot(page, "wrong_password")
    _sign_in(page, "clinician")  # the right password, but the account is locked now
    page.wait_for_timeout(3000)
    _shot(page, "locked")
    body = page.inner_text("body")
    assert "Username or password is incorrect." in body and "Active clients" not in body
    assert page.get_by_role("button", name="Sign out").count() == 0
    page.close()


def test_idle_logoff_clears_the_screen(short_idle_server, chromium):
    context, page = _signed_in_page(chromium, short_idle_server, "clinician", settle=False)
    page.get_by_text("Active clients").first.wait_for(timeout=30000)
    page.get_by_text("without activity").wait_for(timeout=30000)  # idle 10 s; checked every second
    page.wait_for_timeout(1000)
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


def _shows_data(page) -> bool:
    body = page.inner_text("body")
    return "Active clients" in body or page.get_by_role("button", name="Sign out").count() > 0


def test_a_cookie_replayed_after_sign_out_is_refused_twenty_times_of_twenty(server, chromium):
    context, page = _signed_in_page(chromium, server, "clinician")
    cookies = [c for c in context.cookies() if c["name"] == "momentum_auth"]
    assert cookies
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for(timeout=60000)
    context.close()
    accepted = 0
    for _ in range(20):
        thief = chromium.new_context()
        thief.add_cookies(cookies)
        stolen = thief.new_page()
        stolen.goto(server)
        stolen.get_by_label("Username").wait_for(timeout=60000)
        stolen.wait_for_timeout(1000)
        accepted += _shows_data(stolen)
        thief.close()
    print(f"\nreplayed cookie accepted {accepted} of 20 times")
    assert accepted == 0


def test_a_disabled_users_open_session_ends_within_sixty_seconds(server_db, chromium):
    from pipelines.store import AppState
    from pipelines.users import set_active

    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    assert _shows_data(page)
    t0 = time.monotonic()
    set_active(AppState(db.app_db), "supervisor", False)  # as `python -m pipelines users disable` does
    page.get_by_label("Username").wait_for(timeout=70000)  # no user action: the idle timer's check
    seconds = time.monotonic() - t0
    page.wait_for_timeout(500)
    print(f"\ndisabled user's open session ended after {seconds:.1f} s (goal <= 60 s)")
    assert seconds <= 60 and not _shows_data(page)
    assert "C0" not in page.inner_text("body")
    context.close()


def test_the_absolute_timeout_ends_a_busy_session(short_absolute_server, chromium):
    context, page = _signed_in_page(chromium, short_absolute_server, "clinician", settle=False)
    t0 = time.monotonic()
    links = ["Homework", "Caseload momentum", "Stalled-progress flags"]
    ended = None
    for i in range(40):  # keep clicking: activity must not extend an absolute timeout
        if page.get_by_label("Username").count():
            ended = time.monotonic() - t0
            break
        link = page.get_by_role("link", name=links[i % len(links)])
        if link.count():
            link.first.click()
        page.wait_for_timeout(2000)
    print(f"\nsession with an absolute limit of 20 s, clicked every 2 s, ended after {ended:.1f} s" if ended else "\nthe session did not end")
    assert ended is not None and 15 <= ended <= 50
    assert "C0" not in page.inner_text("body")
    context.close()


def test_flag_review_round_trip(server_db, chromium):
    from pipelines.flag_reviews import reviews_for
    from pipelines.store import AppState

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


def test_manager_uploads_a_dirty_csv_and_sees_its_rejects_with_reasons(server_db, chromium, tmp_path):
    import duckdb

    from pipelines.store import AppState, DataStore
    from pipelines.users import add_user

    server, db = server_db
    # a real manager: loading a non-sample file ends demo mode, and demo accounts with it
    add_user(AppState(db.app_db), "office", "Office Manager", "manager", "a-long-office-password")
    snapshot = DataStore(db).current_snapshot()
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        (clinician,) = con.execute("SELECT clinician_id FROM clients WHERE client_id = 'C00001'").fetchall()[0]
    finally:
        con.close()
    dirty = tmp_path / "appointments.csv"
    dirty.write_text(
        "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at\n"
        f"S9000001,C00001,{clinician},2026-11-20 10:00,50,attended,individual,in_person,\n"
        f"S9000002,C00001,{clinician},2026-02-30 10:00,50,attended,individual,in_person,\n"
        f"S9000003,C99999,{clinician},2026-11-20 11:00,50,attended,individual,in_person,\n",
        encoding="utf-8",
    )
    context = chromium.new_context(viewport={"width": 1400, "height": 2200})
    page = context.new_page()
    page.goto(server)
    page.get_by_label("Username").wait_for(timeout=60000)
    _sign_in(page, "office", "a-long-office-password")
    page.get_by_role("heading", name="Caseload momentum").wait_for(timeout=60000)
    _cookie_settled(context, page)
    page.get_by_role("link", name="Data status").click()
    page.get_by_text("Load exports").wait_for(timeout=60000)
    page.locator("input[type='file']").set_input_files(str(dirty))
    page.get_by_text("appointments.csv").first.wait_for(timeout=30000)
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text("Some rows or files were rejected").wait_for(timeout=120000)
    page.get_by_text("Rejected rows").first.wait_for(timeout=60000)
    page.wait_for_timeout(3000)
    _shot(page, "data_upload_rejects")
    con = duckdb.connect(str(DataStore(db).current_snapshot()), read_only=True)
    try:
        reasons = [r[0] for r in con.execute(
            "SELECT reason FROM rejected_rows r JOIN loads l USING (load_id) "
            "WHERE l.source_file LIKE '%appointments.csv' ORDER BY row_number").fetchall()]
        loaded = con.execute("SELECT count(*) FROM sessions WHERE session_id = 'S9000001'").fetchall()[0][0]
    finally:
        con.close()
    assert loaded == 1 and len(reasons) == 2
    assert "not a real date" in reasons[0] and "C99999" in reasons[1]
    body = page.inner_text("body")
    assert "Rejected rows" in body and "Download these rejected rows (CSV)" in body
    context.close()


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
            page.wait_for_timeout(1500)
    assert _app_rows(db, "SELECT text FROM app_wins") == []
    # a plain win posts; so does markup, which shows as literal text
    plain = "A client walked to the session on their own today."
    _post_win(page, plain)
    page.locator("[data-testid='stText']", has_text=plain).first.wait_for(timeout=30000)
    page.get_by_text("Posted to the board.").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
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
    page.wait_for_timeout(2000)
    _shot(page, "wins_board")
    page.get_by_role("button", name="Celebrate · 1").first.click()
    page.wait_for_timeout(2500)
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
    first = card.inner_text()
    panel.get_by_role("button", name="Next").click()
    panel.get_by_text(f"2 of {total}", exact=True).wait_for(timeout=30000)
    panel.get_by_role("button", name="Previous").click()
    panel.get_by_text(f"1 of {total}", exact=True).wait_for(timeout=30000)
    assert card.inner_text() == first
    panel.get_by_role("button", name="Previous").click()  # wraps round to the last win
    panel.get_by_text(f"{total} of {total}", exact=True).wait_for(timeout=30000)
    panel.get_by_role("button", name="Next").click()
    panel.get_by_text(f"1 of {total}", exact=True).wait_for(timeout=30000)
    assert card.inner_text() == first
    # full screen hides the sidebar; the card stays in large type
    page.get_by_text("Full screen").click()
    page.wait_for_timeout(2000)
    assert not page.locator("section[data-testid='stSidebar']").is_visible()
    size = page.get_by_test_id("meeting-win-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 32, size
    page.get_by_role("button", name="Mark celebrated").click()
    page.get_by_role("button", name="Celebrated in the meeting of").wait_for(timeout=30000)
    _shot(page, "meeting_mode")
    assert len(_app_rows(db, "SELECT win_id, meeting_date FROM win_celebrations")) == 1
    context.close()


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
    ((client, flag),) = _app_rows(db, "SELECT client_id, from_flag FROM consultations")
    assert client.startswith("C") and flag
    # the meeting: the item one at a time, then the group's ideas and agreed next step
    page.get_by_role("link", name="Meeting mode").click()
    page.get_by_role("tab", name="Peer consultation").click()
    page.get_by_text("Question for the group").first.wait_for(timeout=60000)
    page.get_by_text("Ten sessions without change").first.wait_for(timeout=30000)
    page.get_by_label("Ideas from the group").fill("Revisit the formulation; consider behavioural activation")
    page.get_by_label("Agreed next step").fill("Review goals together at the next session")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved the agreed next step").wait_for(timeout=30000)
    assert _app_rows(db, "SELECT next_step, recorded_by FROM consultation_notes") == [
        ("Review goals together at the next session", "supervisor")]
    page.get_by_role("link", name="Peer consultation").click()
    page.get_by_text("The team's queue").wait_for(timeout=60000)
    page.get_by_text("Not resumed yet").or_(page.get_by_text("Momentum resumed")).first.wait_for(timeout=30000)
    page.wait_for_timeout(3000)
    _shot(page, "consultation")
    context.close()


def _momentum_cookies(context) -> list[dict]:
    return [c for c in context.cookies() if c["name"] == "momentum_auth"]


def test_two_tab_sign_out_leaves_no_tab_signed_in(server, chromium):
    """Sign in twice in two tabs of one browser, sign out in the first: a new tab shows the sign-in form.

    The second sign-in overwrote the browser's one cookie; sign-out in the first tab once ended only
    the first tab's session, and the cookie left behind found the second one."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.goto(server)
        page.get_by_label("Username").wait_for(timeout=60000)
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
    assert len(values) == 2
    cookie_before = _momentum_cookies(context)
    first.bring_to_front()
    first.get_by_role("button", name="Sign out").click()
    first.get_by_label("Username").wait_for(timeout=60000)
    # the cookie is expired in the browser
    for _ in range(120):
        if not _momentum_cookies(context):
            break
        first.wait_for_timeout(250)
    assert _momentum_cookies(context) == []
    fresh = context.new_page()
    fresh.goto(server)
    fresh.get_by_label("Username").wait_for(timeout=60000)
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
    stolen.get_by_label("Username").wait_for(timeout=60000)
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


def test_an_export_url_fetched_without_a_session_gets_nothing(server_db, chromium):
    """The agenda download's /media/<id> URL was once served to anyone, unaudited, long after sign-out."""
    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.get_by_role("link", name="Stalled-progress flags").click()
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
    page.get_by_label("Username").wait_for(timeout=60000)
    context.close()
    assert _fetch_status(second) == 404  # fetched by the browser already, and the session has ended
    actions = [r[0] for r in _app_rows(db, "SELECT action FROM audit_log ORDER BY seq")]
    assert actions.count("export") == 2 and actions.count("export_fetched") >= 2


def test_an_unfetched_export_is_gone_after_sign_out(server_db, chromium):
    """An export made but not yet fetched (its URL copied, say) is deleted at sign-out."""
    server, db = server_db
    context, page = _signed_in_page(chromium, server, "supervisor")
    page.route("**/media/**", lambda route: route.abort())  # the browser never fetches the file
    page.get_by_role("link", name="Stalled-progress flags").click()
    button = page.get_by_role("button", name="Download agenda (CSV)")
    button.wait_for(timeout=60000)
    with page.expect_request("**/media/**", timeout=60000) as request:  # the click makes the file
        button.click()
    url = request.value.url
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for(timeout=60000)
    context.close()
    assert _fetch_status(url) == 404
