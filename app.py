"""Momentum: entry point (`streamlit run app.py`).

Settings and resources → sign-in → role-based navigation → idle logoff.
Pages check the signed-in user themselves too (ui.auth.require_user).
"""

import streamlit as st

from schemas.instruments import INSTRUMENTS_PROBLEM
from ui.auth import (
    idle_check_interval_s,
    idle_watch,
    issue_cookie_once,
    sign_in_form,
    sign_out,
    signed_in_user,
)
from ui.freshness import freshness_indicator
from ui.layout import sidebar_user
from ui.navigation import pages_for
from ui.plain_text import plain_md
from ui.runtime import app_state_guard, get_runtime

st.set_page_config(page_title="Momentum", page_icon=":material/trending_up:", layout="wide")

if INSTRUMENTS_PROBLEM:  # a practice's own instruments that cannot be used: nothing is shown until fixed
    st.error(f"Momentum cannot start: {plain_md(INSTRUMENTS_PROBLEM)}", icon=":material/error:")
    st.stop()

# an app-state write that fails (disk full, damaged file) ends the run with one
# clear message; page views are audited before anything is shown (ui.runtime.audited)
with app_state_guard():
    user = signed_in_user()
    if user is None:
        # the only page before sign-in; calling st.navigation also hides the
        # pages/ folder's automatic links
        st.navigation([st.Page(sign_in_form, title="Sign in", icon=":material/login:")], position="hidden").run()
        st.stop()

    issue_cookie_once(get_runtime())
    # the idle check: a timer that is not a user action, so it does not reset the idle clock
    st.fragment(run_every=idle_check_interval_s())(idle_watch)()

    sidebar_user(user, sign_out)
    freshness_indicator()

    st.navigation(pages_for(user), expanded=True).run()  # every page listed: no "View more"
