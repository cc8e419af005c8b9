"""Server-side sessions and the sign-in lockout (pipelines/appstate/auth_sessions.py)."""

from __future__ import annotations

import pytest

from pipelines.appstate import auth_sessions as sessions
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, reset_password, set_active

T0 = 1_800_000_000.0


@pytest.fixture
def state(app_state) -> AppState:
    st = app_state  # SQLite and PostgreSQL (tests/conftest.py)
    add_user(st, "sam", "Sam", "supervisor", "a-long-password", clinician_id="T002")
    return st


def test_a_session_is_valid_until_it_ends(state):
    sid = sessions.start(state, "sam", 123.5, now=T0)
    assert sessions.check(state, sid, now=T0 + 10) == sessions.SessionCheck(True, "sam")
    sessions.end(state, sid, "logout", now=T0 + 20)
    assert sessions.check(state, sid, now=T0 + 21) == sessions.SessionCheck(False, "sam", "logout")
    assert sessions.check(state, "made-up", now=T0) .reason == "unknown"
    assert sessions.check(state, None).reason == "unknown"


def test_idle_timeout_counts_from_the_last_user_action(state, monkeypatch):
    monkeypatch.setenv("MOMENTUM_IDLE_TIMEOUT_S", "60")
    sid = sessions.start(state, "sam", None, now=T0)
    sessions.touch(state, sid, now=T0 + 50)
    assert sessions.check(state, sid, now=T0 + 100).valid  # 50 s since the last action
    check = sessions.check(state, sid, now=T0 + 111)
    assert not check.valid and check.reason == "idle"
    sessions.touch(state, sid, now=T0 + 112)  # an ended session does not come back
    assert not sessions.check(state, sid, now=T0 + 113).valid


def test_absolute_timeout_ends_even_a_busy_session(state):
    sid = sessions.start(state, "sam", None, now=T0)
    for minute in range(1, 8 * 60, 10):
        sessions.touch(state, sid, now=T0 + minute * 60)
    assert sessions.check(state, sid, now=T0 + 8 * 3600 - 5).valid
    sessions.touch(state, sid, now=T0 + 8 * 3600 - 4)
    assert sessions.check(state, sid, now=T0 + 8 * 3600).reason == "expired"


def test_the_cookie_only_finds_a_live_session(state):
    sid = sessions.start(state, "sam", 1234.25)
    assert sessions.find_by_cookie(state, "sam", 1234.25) == sid
    assert sessions.find_by_cookie(state, "sam", 1234.5) is None
    assert sessions.find_by_cookie(state, "other", 1234.25) is None
    sessions.end(state, sid, "logout")
    assert sessions.find_by_cookie(state, "sam", 1234.25) is None  # a replayed cookie finds nothing


def test_disabling_a_user_or_resetting_the_password_ends_their_sessions(state):
    first = sessions.start(state, "sam", 1.0)
    set_active(state, "sam", False)
    assert sessions.check(state, first).reason == "disabled"
    set_active(state, "sam", True)
    second = sessions.start(state, "sam", 2.0)
    reset_password(state, "sam", "another-long-password")
    assert sessions.check(state, second).reason == "password reset"


def test_five_failures_in_fifteen_minutes_lock_for_fifteen_minutes(state):
    for i in range(4):
        sessions.record_failure(state, "sam", now=T0 + i * 60)
    assert sessions.locked_until(state, "sam", now=T0 + 240) is None
    sessions.record_failure(state, "sam", now=T0 + 300)
    assert sessions.locked_until(state, "sam", now=T0 + 301) == T0 + 300 + 15 * 60
    assert sessions.locked_until(state, "sam", now=T0 + 300 + 15 * 60 - 1) is not None
    assert sessions.locked_until(state, "sam", now=T0 + 300 + 15 * 60 + 1) is None
    assert sessions.locked_until(state, "someone-else", now=T0 + 301) is None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(state):
    for i in range(5):
        sessions.record_failure(state, "sam", now=T0 + i * 300)  # 5 failures over 20 minutes
    assert sessions.locked_until(state, "sam", now=T0 + 1201) is None


def test_a_successful_sign_in_clears_earlier_failures(state):
    for i in range(4):
        sessions.record_failure(state, "sam", now=T0 + i)
    sessions.start(state, "sam", None, now=T0 + 10)
    sessions.record_failure(state, "sam", now=T0 + 11)
    assert sessions.locked_until(state, "sam", now=T0 + 12) is None


def test_sign_out_ends_every_session_a_cookie_of_the_user_could_find(state):
    """Two tabs of one browser signed in twice share one cookie jar: the cookie holds whichever sign-in
    came last. Signing out in either tab must leave no session that cookie could find."""
    add_user(state, "kim", "Kim", "supervisor", "another-long-password", clinician_id="T003")
    tab_a = sessions.start(state, "sam", None, now=T0)
    sessions.attach_cookie(state, tab_a, T0 + 1000)
    tab_b = sessions.start(state, "sam", None, now=T0 + 5)
    sessions.attach_cookie(state, tab_b, T0 + 1005)  # the browser's cookie is now tab B's
    other = sessions.start(state, "kim", None, now=T0)
    sessions.attach_cookie(state, other, T0 + 1000)
    ended = sessions.sign_out(state, tab_a, "sam", now=T0 + 10)
    assert ended == 2
    assert sessions.find_by_cookie(state, "sam", T0 + 1005) is None  # tab B's cookie finds nothing
    assert sessions.find_by_cookie(state, "sam", T0 + 1000) is None
    assert not sessions.check(state, tab_b, now=T0 + 11).valid
    assert sessions.check(state, other, now=T0 + 11).valid  # someone else's session is untouched


@pytest.mark.parametrize(("choice", "url", "headers", "secure"), [
    ("auto", "http://127.0.0.1:8501/", {}, False),
    ("auto", "https://momentum.example.org/", {}, True),
    ("auto", "http://127.0.0.1:8501/", {"X-Forwarded-Proto": "https"}, True),
    ("auto", "http://127.0.0.1:8501/", {"X-Forwarded-Proto": "https, http"}, True),
    ("auto", "http://127.0.0.1:8501/", {"X-Forwarded-Proto": "http"}, False),
    ("on", "http://127.0.0.1:8501/", {}, True),
    ("OFF", "https://momentum.example.org/", {"X-Forwarded-Proto": "https"}, False),
])
def test_the_cookie_is_secure_when_served_over_https_or_by_setting(choice, url, headers, secure):
    from ui.auth import secure_cookie_wanted

    assert secure_cookie_wanted(choice, url, headers) is secure


def test_a_mistyped_cookie_setting_is_a_clear_error():
    from ui.auth import secure_cookie_wanted

    with pytest.raises(ValueError, match="use auto, on or off"):
        secure_cookie_wanted("yes", None, {})


def test_passwords_are_hashed_at_bcrypts_cost_of_12():
    """The tests hash at bcrypt's least cost (conftest's TEST_BCRYPT_ROUNDS); the product, in a
    process of its own, at 12, refused sign-ins included."""
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("from pipelines.appstate import users; "
            "print(users.hash_password('a-long-enough-password')); print(users._dummy_hash().decode())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    made, dummy = out.stdout.split()
    assert made.startswith("$2b$12$") and dummy.startswith("$2b$12$"), out.stdout
