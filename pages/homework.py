"""Homework completion: over time, by category and clinician, against outcome, and who is dropping."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.views.homework import (
    DROPPING_NOTE,
    against_outcome,
    by_category_and_clinician,
    dropping,
    over_time,
)

user = require_user()

demo_banner()
st.header("Homework")
ctx = page_context(user, "homework", key="homework")
if ctx is not None:
    st.subheader("Completion by week")
    over_time(ctx)
    by_category_and_clinician(ctx)
    st.subheader("Completion and outcome")
    against_outcome(ctx)
    st.subheader("Clients whose completion is dropping")
    st.markdown(DROPPING_NOTE)  # not a caption: a link in faded caption text fails WCAG AA contrast
    selected = dropping(ctx)
    if selected:
        st.switch_page("pages/client.py", query_params={"client": selected})
