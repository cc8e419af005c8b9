"""Sign-in (streamlit-authenticator) and the access guard every page calls first.

The signed-in user lives in ``st.session_state["momentum_user"]`` only after
the password check *and* Momentum's own checks (account active; demo
accounts only on demo data). Every page begins with :func:`require_user`,
which re-checks the account on every run and stops the page, showing
nothing, when there is no valid user - including when Streamlit runs a page
file directly on a deep link before ``app.py`` has run.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from pipelines import audit
from pipelines.users import User, get_user, password_hashes
from ui.runtime import Runtime, get_runtime

SESSION_KEY = "momentum_user"
COOKIE_NAME = "momentum_auth"
FAILED_MESSAGE = "Username or password is incorrect."


def _authenticator(rt: Runtime) -> stauth.Authenticate:
    credentials = {
        "usernames": {
            name: {"name": name, "password": pw_hash, "email": f"{name}@localhost"}
            for name, pw_hash in password_hashes(rt.state).items()
        }
    }
    return stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=rt.cookie_key,
        cookie_expiry_days=0.34,  # about 8 hours
        auto_hash=False,
    )


def _allowed(rt: Runtime, user: User | None) -> bool:
    return bool(user and user.active and (not user.is_demo or rt.is_demo()))


def current_user() -> User | None:
    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, User) else None


def signed_in_user() -> User | None:
    """The user of this session if still valid (active; demo accounts on demo data only)."""
    rt = get_runtime()
    user = current_user()
    if user is None:
        return None
    fresh = get_user(rt.state, user.username)
    if _allowed(rt, fresh):
        st.session_state[SESSION_KEY] = fresh
        return fresh
    _clear_auth_state()  # disabled since the last run: back to the sign-in form
    return None


def sign_in_form() -> None:
    """The sign-in page: streamlit-authenticator's form, then Momentum's own checks."""
    rt = get_runtime()
    authenticator = _authenticator(rt)
    st.title("Momentum")
    st.caption("Caseload momentum, homework, stalled-progress flags and the peer-wins board.")
    try:
        authenticator.login(location="main", fields={"Form name": "Sign in", "Login": "Sign in"})
    except Exception:  # a malformed cookie or form state: start the sign-in over
        st.session_state["authentication_status"] = None
    status = st.session_state.get("authentication_status")
    username = st.session_state.get("username")
    if status:
        candidate = get_user(rt.state, username) if username else None
        if _allowed(rt, candidate):
            st.session_state[SESSION_KEY] = candidate
            audit.record(rt.state, candidate.username, "login", role=candidate.role)
            st.rerun()
        # a disabled user, or a demo account on real data: same message as a wrong password
        _clear_auth_state()
        audit.record(rt.state, username or "?", "login_refused", reason="inactive or demo account")
        st.error(FAILED_MESSAGE)
    elif status is False:
        audit.record(rt.state, "?", "login_failed")
        st.error(FAILED_MESSAGE)
    if rt.is_demo():
        st.info("Demo data: sign in as **manager**, **supervisor** or **clinician**, password `momentum-demo`.")


def _clear_auth_state() -> None:
    for key in (SESSION_KEY, "authentication_status", "username", "name", "email", "roles"):
        st.session_state.pop(key, None)


def require_user(roles: tuple[str, ...] | None = None) -> User:
    """The access guard: the first call of every page. Stops the page when it fails."""
    user = current_user()
    if user is None:
        _not_signed_in()
    rt = get_runtime()
    fresh = get_user(rt.state, user.username)
    if not _allowed(rt, fresh):
        _clear_auth_state()
        _not_signed_in()
    if roles is not None and fresh.role not in roles:
        st.error("This page is not available for your role.")
        st.stop()
    st.session_state[SESSION_KEY] = fresh
    return fresh


def _not_signed_in() -> None:
    """Stop the page: no data, only a pointer to the sign-in (static text)."""
    st.markdown("You are not signed in. [Go to the sign-in page](/)")
    st.stop()


def sign_out() -> None:
    rt = get_runtime()
    user = current_user()
    if user is not None:
        audit.record(rt.state, user.username, "logout")
    try:
        _authenticator(rt).logout(location="unrendered")
    except Exception:  # the cookie may already be gone
        pass
    _clear_auth_state()
