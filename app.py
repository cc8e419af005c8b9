"""Momentum: entry point (`streamlit run app.py`).

Settings and resources → sign-in → role-based navigation. Pages check the
signed-in user themselves too (ui.auth.require_user).
"""

import streamlit as st

from ui.auth import sign_in_form, sign_out, signed_in_user
from ui.layout import sidebar_user

st.set_page_config(page_title="Momentum", page_icon=":material/trending_up:", layout="wide")

user = signed_in_user()
if user is None:
    # the only page before sign-in; calling st.navigation also hides the
    # pages/ folder's automatic links
    st.navigation([st.Page(sign_in_form, title="Sign in", icon=":material/login:")], position="hidden").run()
    st.stop()

sidebar_user(user, sign_out)

PAGES = [
    st.Page("pages/data_status.py", title="Data status", icon=":material/database:", default=True),
]

st.navigation(PAGES).run()
