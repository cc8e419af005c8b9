"""Stalled-progress flags: the review queue, review actions and the supervision agenda."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.views.flags import queue, queue_table, review_form, supervision_agenda

user = require_user()

demo_banner()
st.header("Stalled-progress flags")
ctx = page_context(user, "flags", key="flags")
if ctx is not None:
    flags = queue(ctx)
    queue_table(flags)
    review_form(ctx, flags)
    if user.role in ("supervisor", "manager"):
        supervision_agenda(ctx)
