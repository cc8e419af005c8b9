"""Clinician outcomes: how complete the outcome data is, the clients whose measure is overdue, the
severity-adjusted effect size per clinician against the practice, and the outcomes of finished courses,
for the clinicians in the user's scope."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.views.clinician_outcomes import adjusted, completeness, outcomes, overdue

user = require_user()

demo_banner()
st.header("Clinician outcomes")
ctx = page_context(user, "clinician_outcomes", key="outcomes")
if ctx is not None:
    st.subheader("Data completeness")
    completeness(ctx)
    st.subheader("Clients whose outcome measure is overdue")
    selected = overdue(ctx)
    if selected:
        st.switch_page("pages/client.py", query_params={"client": selected})
    st.subheader("Outcomes adjusted for case mix")
    adjusted(ctx)
    st.subheader("Outcomes of finished courses")
    outcomes(ctx)
