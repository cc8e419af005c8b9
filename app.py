"""Momentum: entry point (`streamlit run app.py`).

Settings and resources → sign-in → role-based navigation. Pages check the
signed-in user themselves too (ui.auth.require_user).
"""

import streamlit as st

from ui.auth import sign_in, sign_out
from ui.layout import sidebar_user

st.set_page_config(page_title="Momentum", page_icon=":material/trending_up:", layout="wide")

user = sign_in()
sidebar_user(user, sign_out)

PAGES = {
    "data_status": st.Page("pages/data_status.py", title="Data status", icon=":material/database:", default=True),
}

navigation = st.navigation(list(PAGES.values()))
navigation.run()
