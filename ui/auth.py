"""Sign-in (streamlit-authenticator), server-side sessions, and the access guard.

streamlit-authenticator checks the password (its bcrypt ``Hasher``) and keeps
the signed sign-in cookie (its cookie controller). Momentum adds,
on the server (pipelines/appstate/auth_sessions.py):

- a session row per sign-in; this browser tab holds only its random id. Every
  run re-checks it, so sign-out, disabling a user, the idle timeout and the
  absolute timeout revoke access even if the cookie is replayed;
- the lockout (5 failures in 15 minutes lock the account for 15 minutes),
  checked *before* the password, with one message and one bcrypt check for a
  locked account, an unknown name and a wrong password alike.

Every page begins with :func:`require_user`, which stops the page, showing
nothing, when there is no valid signed-in user - including when Streamlit runs
a page file directly on a deep link before ``app.py`` has run.
"""

from __future__ import annotations

from datetime import datetime

import jwt
import streamlit as st
import streamlit.components.v1 as components
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import Hasher

from pipelines import clock
from pipelines.appstate import auth_sessions as sessions
from pipelines.appstate import pulse
from pipelines.appstate.users import (
    MAX_PASSWORD_BYTES,
    User,
    get_user,
    password_hashes,
    refuse_at_equal_cost,
    too_long,
)
from pipelines.settings import setting
from ui.exports import forget_user
from ui.runtime import Runtime, app_state_guard, audited, get_runtime

SESSION_KEY = "momentum_user"
SESSION_ID_KEY = "momentum_session_id"
COOKIE_PENDING_KEY = "momentum_cookie_pending"
COOKIE_SET_KEY = "momentum_cookie_set"  # the cookie component's key: True once the browser holds it
COOKIE_CONFIRMED_KEY = "momentum_cookie_confirmed_now"  # True during the one run the confirmation started
CLEAR_COOKIE_KEY = "momentum_clear_cookie"
FLASH_KEY = "momentum_sign_in_notice"
# the wellbeing pulse's owner key (pipelines/appstate/pulse.py): derived from the password at sign-in, held only in
# this server-side session, gone at sign-out or a page reload (the pulse page then asks for the password)
PULSE_KEY = "momentum_pulse_key"
PULSE_ROLES = pulse.RESPONDENT_ROLES  # who answers the pulse (and has a pulse key)
COOKIE_NAME = "momentum_auth"
FAILED_MESSAGE = "Username or password is incorrect."
ENDED_MESSAGES = {
    "idle": "You were signed out after a period without activity. Sign in again to continue.",
    "expired": "Your session reached its 8-hour limit. Sign in again to continue.",
    "disabled": "Your session has ended. Sign in again to continue.",
    "password reset": "Your session has ended. Sign in again to continue.",
}
_STAUTH_KEYS = ("authentication_status", "username", "name", "email", "roles", "logout")


def _authenticator(rt: Runtime, user: User) -> stauth.Authenticate:
    """For the sign-in cookie of ``user``, who has just signed in; at most one per
    script run (its cookie component has a fixed key)."""
    pw_hash = password_hashes(rt.state)[user.username]
    credentials = {"usernames": {user.username: {"name": user.username, "password": pw_hash,
                                                 "email": f"{user.username}@localhost"}}}
    return stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=rt.cookie_key,
        cookie_expiry_days=sessions.absolute_timeout_s() / 86400,
        auto_hash=False,
    )


def _allowed(rt: Runtime, user: User | None) -> bool:
    return bool(user and user.active and (not user.is_demo or rt.is_demo()))


def current_user() -> User | None:
    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, User) else None


def _end_local(reason: str | None = None) -> None:
    """Forget the signed-in user in this browser tab (the screen clears on the next run)."""
    for key in (SESSION_KEY, SESSION_ID_KEY, COOKIE_PENDING_KEY, COOKIE_SET_KEY, PULSE_KEY, *_STAUTH_KEYS):
        st.session_state.pop(key, None)
    if reason in ENDED_MESSAGES:
        st.session_state[FLASH_KEY] = ENDED_MESSAGES[reason]


def _valid_user(rt: Runtime) -> User | None:
    """The signed-in user if their account and their server-side session are both still valid."""
    user = current_user()
    if user is None:
        return None
    check = sessions.check(rt.state, st.session_state.get(SESSION_ID_KEY))
    fresh = get_user(rt.state, user.username)
    if check.valid and _allowed(rt, fresh):
        st.session_state[SESSION_KEY] = fresh
        return fresh
    reason = check.reason if not check.valid else "disabled"
    if check.valid:  # the account changed under a live session: end it too
        sessions.end(rt.state, st.session_state[SESSION_ID_KEY], "disabled")
    audited(user.username, "logoff", reason=reason)
    _end_local(reason)
    return None


def signed_in_user(activity: bool = True) -> User | None:
    """The user of this browser tab, re-checked on the server on every run.

    ``activity``: this run is a user action, so the idle clock starts again.
    """
    rt = get_runtime()
    if current_user() is None and not _resume_from_cookie(rt):
        return None
    user = _valid_user(rt)
    if user is not None and activity:
        sessions.touch(rt.state, st.session_state[SESSION_ID_KEY])
    return user


def idle_watch() -> None:
    """Run by a timer fragment: clear the screen once the session has ended (idle or expired)."""
    rt = get_runtime()
    if current_user() is not None and _valid_user(rt) is None:
        st.rerun(scope="app")


def idle_check_interval_s() -> float:
    return max(1.0, min(30.0, sessions.idle_timeout_s() / 10))


def issue_cookie_once(rt: Runtime) -> None:
    """After sign-in: set the sign-in cookie, tie it to the session, and keep asking the
    browser on every run until it confirms it holds the cookie.

    The cookie lets a page reload find the live session again; it never grants access on
    its own. The browser sets it from a component frame, which may load after the next
    rerun has begun (a busy server, another component reporting back first); a cookie
    asked for in one run only was then never set. So the token is made once, at the first
    run after sign-in, and the same request is rendered on every run until the component
    reports back that the cookie is set.
    """
    st.session_state.pop(COOKIE_CONFIRMED_KEY, None)  # said for one run only
    pending = st.session_state.get(COOKIE_PENDING_KEY)
    if not pending:
        return
    user = current_user()
    if user is None:
        st.session_state.pop(COOKIE_PENDING_KEY, None)
        return
    if st.session_state.get(COOKIE_SET_KEY) is True:  # the browser has confirmed it
        st.session_state.pop(COOKIE_PENDING_KEY, None)
        st.session_state[COOKIE_CONFIRMED_KEY] = True
        return
    if not isinstance(pending, dict):  # the first run after sign-in
        exp = clock.epoch() + sessions.absolute_timeout_s()
        token = jwt.encode({"username": user.username, "exp_date": exp}, rt.cookie_key, algorithm="HS256")
        sessions.attach_cookie(rt.state, st.session_state[SESSION_ID_KEY], exp)
        pending = st.session_state[COOKIE_PENDING_KEY] = {"token": token, "exp": exp}
    manager = _authenticator(rt, user).cookie_controller.cookie_model.cookie_manager
    manager.set(COOKIE_NAME, pending["token"], key=COOKIE_SET_KEY, secure=cookie_secure(), same_site="strict",
                expires_at=datetime.fromtimestamp(pending["exp"]))  # the token's own expiry, not a clock read


def cookie_confirmed_this_run() -> bool:
    """Is this the run the cookie component's report started? It comes right after sign-in, and the
    widget values it carries can be ones the browser had not yet taken from the run before (see
    ui/filters.page_context)."""
    return bool(st.session_state.get(COOKIE_CONFIRMED_KEY))


def secure_cookie_wanted(choice: str, url: str | None, headers) -> bool:
    """MOMENTUM_COOKIE_SECURE: on, off, or auto - on when the page is served over HTTPS, seen from
    its URL or the reverse proxy's X-Forwarded-Proto header."""
    choice = choice.strip().lower()
    if choice in ("on", "off"):
        return choice == "on"
    if choice != "auto":
        raise ValueError(f"MOMENTUM_COOKIE_SECURE={choice!r}: use auto, on or off")
    forwarded = str((headers or {}).get("X-Forwarded-Proto", "") or "").split(",")[0].strip().lower()
    return forwarded == "https" or str(url or "").lower().startswith("https://")


def cookie_secure() -> bool:
    return secure_cookie_wanted(setting("MOMENTUM_COOKIE_SECURE"), st.context.url, st.context.headers)


def _clear_cookie_in_browser() -> None:
    """Expire the sign-in cookie in this browser, for every tab (no report back, so no rerun)."""
    expire = f"{COOKIE_NAME}=; Max-Age=0; Path=/; SameSite=Strict" + ("; Secure" if cookie_secure() else "")
    components.html(f"<script>document.cookie = {expire!r}; try {{ window.parent.document.cookie = {expire!r}; }} "
                    "catch (e) {}</script>", height=0)


def _resume_from_cookie(rt: Runtime) -> bool:
    """A page reload: a valid sign-in cookie whose server-side session is still live."""
    token = st.context.cookies.get(COOKIE_NAME)
    if not token:
        return False
    try:
        claims = jwt.decode(token, rt.cookie_key, algorithms=["HS256"])
        username, exp = str(claims["username"]), float(claims["exp_date"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return False
    if exp <= clock.epoch():
        return False
    session_id = sessions.find_by_cookie(rt.state, username, exp)
    user = get_user(rt.state, username)
    if session_id is None or not sessions.check(rt.state, session_id).valid or not _allowed(rt, user):
        return False
    st.session_state[SESSION_KEY] = user
    st.session_state[SESSION_ID_KEY] = session_id
    audited(username, "session_resumed", role=user.role)
    return True


def sign_in_form() -> None:
    """The sign-in page: the form, the lockout, and Momentum's own account checks."""
    rt = get_runtime()
    # no cookie component on this page: its first report back would trigger a
    # rerun that could cut a sign-in short (the cookie is set after sign-in)
    st.title("Momentum")
    st.caption("Caseload momentum, homework, stalled-progress flags and the peer-wins board.")
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        _clear_cookie_in_browser()
    notice = st.session_state.pop(FLASH_KEY, None)
    if notice:
        st.info(notice, icon=":material/logout:")
    with st.form("sign_in", clear_on_submit=False):
        st.subheader("Sign in")
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    st.caption("After 5 failed attempts an account is locked for 15 minutes.")
    if submitted:
        _attempt(rt, username.strip().lower(), password)
    if rt.is_demo():
        st.info("Demo data: sign in as **manager**, **supervisor** or **clinician**, password `momentum-demo`.")


def _attempt(rt: Runtime, name: str, password: str) -> None:
    candidate = get_user(rt.state, name) if name else None
    locked = sessions.locked_until(rt.state, name) if name else None
    ok = False
    if candidate is not None and _allowed(rt, candidate) and locked is None and password and not too_long(password):
        # streamlit-authenticator's bcrypt check against the stored hash
        ok = bool(Hasher.check_pw(password, password_hashes(rt.state)[candidate.username]))
    else:
        refuse_at_equal_cost(password)
    if ok:
        st.session_state[SESSION_KEY] = candidate
        st.session_state[SESSION_ID_KEY] = sessions.start(rt.state, candidate.username, None,
                                                          role=candidate.role)  # audited with it
        st.session_state[COOKIE_PENDING_KEY] = True
        if candidate.role in PULSE_ROLES:
            st.session_state[PULSE_KEY] = pulse.derive_key(candidate.username, password)
        st.rerun()
    if candidate is None:
        audited(name or "?", "login_failed", reason="unknown user")
    elif locked is not None:
        audited(name, "login_failed", reason="locked")
    elif not _allowed(rt, candidate):
        audited(name, "login_failed", reason="inactive or demo account")
    elif too_long(password):  # bcrypt reads at most 72 bytes: refused like a wrong password
        sessions.record_failure(rt.state, name)
        audited(name, "login_failed", reason=f"password longer than {MAX_PASSWORD_BYTES} bytes")
        if sessions.locked_until(rt.state, name) is not None:
            audited(name, "lockout", minutes=sessions.LOCKOUT_S // 60)
    else:
        sessions.record_failure(rt.state, name)
        audited(name, "login_failed", reason="wrong password")
        if sessions.locked_until(rt.state, name) is not None:
            audited(name, "lockout", minutes=sessions.LOCKOUT_S // 60)
    st.error(FAILED_MESSAGE)


def require_user(roles: tuple[str, ...] | None = None) -> User:
    """The access guard: the first call of every page. Stops the page when it fails."""
    rt = get_runtime()
    with app_state_guard():
        user = _valid_user(rt)
    if user is None:
        _not_signed_in()
    if roles is not None and user.role not in roles:
        st.error("This page is not available for your role.")
        st.stop()
    return user


def _not_signed_in() -> None:
    """Stop the page: no data, only a pointer to the sign-in (static text)."""
    st.markdown("You are not signed in. [Go to the sign-in page](/)")
    st.stop()


def pulse_key() -> pulse.OwnerKey | None:
    """The signed-in person's pulse key, if this session holds it."""
    key = st.session_state.get(PULSE_KEY)
    return key if isinstance(key, pulse.OwnerKey) else None


def unlock_pulse(user: User, password: str) -> bool:
    """After a page reload: the password again, checked like a sign-in (lockout included), gives the key back."""
    rt = get_runtime()
    if sessions.locked_until(rt.state, user.username) is not None or not password:
        refuse_at_equal_cost(password)
        return False
    if too_long(password):  # bcrypt reads at most 72 bytes: a failure, as at sign-in
        refuse_at_equal_cost(password)
        reason = f"password longer than {MAX_PASSWORD_BYTES} bytes"
    elif Hasher.check_pw(password, password_hashes(rt.state)[user.username]):
        st.session_state[PULSE_KEY] = pulse.derive_key(user.username, password)
        return True
    else:
        reason = "wrong password"
    sessions.record_failure(rt.state, user.username)
    audited(user.username, "login_failed", reason=f"{reason} (pulse unlock)")
    return False


def sign_out() -> None:
    """End, on the server, this session and every session of the user that a sign-in cookie could
    find (another tab of this browser may have set the cookie the browser holds now); then clear
    the cookie in the browser and this tab."""
    rt = get_runtime()
    user = current_user()
    session_id = st.session_state.get(SESSION_ID_KEY)
    ended = 0
    if session_id and user is not None:
        ended = sessions.sign_out(rt.state, session_id, user.username)
    elif session_id:
        sessions.end(rt.state, session_id, "logout")
    if user is not None:
        audited(user.username, "logout", sessions_ended=ended, exports_deleted=forget_user(user.username))
    _end_local()
    st.session_state[CLEAR_COOKIE_KEY] = True
