"""The wellbeing pulse: a clinician's own burnout pulse, their history beside their workload. Only the owner sees it."""

import streamlit as st

from ui.auth import PULSE_ROLES, require_user
from ui.layout import demo_banner
from ui.views.pulse import owner_page, pulse_context

user = require_user(roles=PULSE_ROLES)

demo_banner()
st.header("Wellbeing pulse")
ctx = pulse_context(user, "pulse")
if ctx is not None:
    owner_page(ctx)
