"""Caseload momentum (the default page): what needs attention today, then who is building momentum and who
has stalled."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.flag_state import flags_with_reviews
from ui.layout import demo_banner, empty_state
from ui.pulse_widgets import reminder
from ui.views.caseload import (
    client_table,
    frames,
    kpi_tiles,
    lost_contact,
    momentum_mix,
    needs_attention,
    wins,
    with_lost_contact,
)

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
        momentum = with_lost_contact(f.momentum)
        flags = flags_with_reviews(ctx, f.flags, f.momentum)
        selected = needs_attention(ctx, flags)
        kpi_tiles(f.summary, flags)
        st.subheader("Clients")
        st.caption("Select a row to open the client view. Slipping clients come first: reliably worse, then a "
                   "worsening trend, then the longest without attending.")
        selected = client_table(ctx, momentum, flags, f.sparks) or selected
        selected = lost_contact(ctx, momentum, flags, f.sparks) or selected
        if selected:
            st.switch_page("pages/client.py", query_params={"client": selected})
        st.subheader("Momentum by clinician")
        momentum_mix(ctx, momentum)
        wins(ctx)
