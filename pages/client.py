"""The client view: trajectories, sessions, goals, homework, flags and wins of one client in scope."""

import streamlit as st

from ui.auth import require_user
from ui.filters import page_context
from ui.layout import demo_banner
from ui.trajectory import trajectories
from ui.views.client import flags_and_wins, goals_and_homework, header, pick_client, timeline

user = require_user()

demo_banner()
st.header("Client view")
ctx = page_context(user, "client", key="client", narrow=False)
if ctx is not None:
    client_id = pick_client(ctx)
    if client_id:
        header(ctx, client_id)
        st.subheader("Outcome trajectories")
        trajectories(ctx, client_id)
        st.subheader("Sessions")
        timeline(ctx, client_id)
        goals_and_homework(ctx, client_id)
        flags_and_wins(ctx, client_id)
