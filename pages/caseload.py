"""Caseload momentum (the default page): who is building momentum, who has stalled, what to raise today."""

import streamlit as st

from ui.auth import require_user
from ui.caseload import client_table, flags_with_reviews, frames, kpi_tiles, momentum_mix, wins
from ui.filters import page_context
from ui.layout import demo_banner, empty_state
from ui.pulse_view import reminder

user = require_user()

demo_banner()
st.header("Caseload momentum")
ctx = page_context(user, "caseload", key="caseload")
if ctx is not None:
    reminder(user, ctx.version)
    f = frames(ctx)
    if f["client_momentum"].empty:
        empty_state(f"No active clients in this selection as of {ctx.as_of:%Y-%m-%d}.")
    else:
        flags = flags_with_reviews(ctx, f["active_flags"], f["client_momentum"])
        kpi_tiles(f["client_momentum"], f["course_outcomes"], flags)
        st.subheader("Momentum by clinician")
        momentum_mix(ctx, f["client_momentum"])
        st.subheader("Clients")
        st.caption("Select a row to open the client view. Slipping and stalled clients come first.")
        selected = client_table(ctx, f["client_momentum"], flags, f["caseload_sparklines"])
        if selected:
            st.switch_page("pages/client.py", query_params={"client": selected})
        wins(ctx)
