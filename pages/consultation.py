"""The peer-consultation queue: bring a stuck client, see the team's queue, record the next step, follow up."""

import streamlit as st

from ui.auth import require_user
from ui.consultation_queue import item_detail, queue, record_form, saved_notice
from ui.layout import demo_banner
from ui.team import board_context
from ui.views.consultation import bring_form, pick_item, queue_table

user = require_user()

demo_banner()
st.header("Peer consultation")
ctx = board_context(user, "consultation")
if ctx is not None:
    saved_notice()
    with st.expander("Bring a client to the meeting", expanded="client" in st.query_params, icon=":material/group_add:"):
        bring_form(ctx)
    st.subheader("The team's queue")
    items = queue(ctx)
    queue_table(ctx, items)
    item = pick_item(ctx, items, key="queue")
    if item is not None:
        item_detail(ctx, item)
        record_form(ctx, item, key="queue")
