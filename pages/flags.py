"""Stalled-progress flags: the review queue (risk items first) and review actions."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.views.flags import queue, queue_table, review_form

user = require_user()

demo_banner()
st.header("Stalled-progress flags")
ctx = page_context(user, "flags", key="flags")
if ctx is not None:
    flags = queue(ctx)
    queue_table(ctx, flags)
    review_form(ctx, flags)
    if user.role in ("supervisor", "manager"):
        st.page_link("pages/supervision.py", label="Preparing for supervision? Open Supervision prep",
                     icon=":material/checklist:")
