"""Workload and burnout signals: who is overloaded (one row per clinician, the signals that fired), the
team wellbeing pulse (aggregates only), and each clinician's weekly metrics as 12-week trends."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.pulse_widgets import team_pulse
from ui.views.workload import HEURISTIC_NOTE, signals, trends

user = require_user()

demo_banner()
st.header("Workload and burnout signals")
st.markdown(HEURISTIC_NOTE)  # not a caption: its link must keep full contrast
ctx = page_context(user, "workload", key="workload")
if ctx is not None:
    st.subheader("Signals by clinician")
    signals(ctx)
    team_pulse(ctx)
    st.subheader("Weekly metrics, last 12 weeks")
    trends(ctx)
