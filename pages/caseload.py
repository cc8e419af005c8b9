"""Caseload momentum (the default page): who is building momentum, who has stalled, what to raise today."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.flag_state import flags_with_reviews
from ui.layout import demo_banner, empty_state
from ui.pulse_widgets import reminder
from ui.views.caseload import client_table, frames, kpi_tiles, momentum_mix, wins

user = require_user()

demo_banner()
st.header("Caseload momentum")
ctx = page_context(user, "caseload", key="caseload")
if ctx is not None:
    reminder(user, ctx.version)
    f = frames(ctx)
    if f.momentum.empty:
        empty_state(f"No active clients in this selection as of {ctx.as_of:%Y-%m-%d}.")
    else:
        flags = flags_with_reviews(ctx, f.flags, f.momentum)
        kpi_tiles(f.summary, flags)
        st.subheader("Momentum by clinician")
        momentum_mix(ctx, f.momentum)
        st.subheader("Clients")
        st.caption("Select a row to open the client view. Slipping and stalled clients come first.")
        selected = client_table(ctx, f.momentum, flags, f.sparks)
        if selected:
            st.switch_page("pages/client.py", query_params={"client": selected})
        wins(ctx)
