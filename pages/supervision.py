"""Supervision prep: pick a supervisee, then the top flags, momentum changes and wins, and the agenda."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.views.supervision import (
    downloads,
    items_for,
    outcome_figures,
    overview,
    pick,
    section,
    since_label,
)

user = require_user(roles=("supervisor", "manager"))

demo_banner()
st.header("Supervision prep")
ctx = page_context(user, "supervision", key="prep", narrow=False)
if ctx is not None:
    who = pick(ctx)
    if who is not None:
        items, summary = items_for(ctx, who)
        overview(summary, items)
        outcome_figures(ctx, who)
        downloads(ctx, who, items)
        st.caption("Select a row to open the client.")
        selected = None
        for part in ("flag", "momentum", "win"):
            selected = section(items, part, since_label(ctx)) or selected
        if selected:
            st.switch_page("pages/client.py", query_params={"client": selected})
