"""Meeting mode: wins one at a time in large type for the peer-celebration meeting; the consultation queue."""

import streamlit as st

from ui.auth import require_user
from ui.consultation_queue import saved_notice
from ui.team import board_context
from ui.views.meeting import consultation_meeting, full_screen, wins_meeting

user = require_user(roles=("supervisor", "manager"))  # design §6: supervisors run meeting mode

full = full_screen()
if not full:
    st.header("Meeting mode")
ctx = board_context(user, "meeting")
if ctx is not None:
    if full:  # the projected screen: the win, previous/next and the counter
        wins_meeting(ctx, full=True)
    else:
        saved_notice()
        # only the open tab runs: the keyboard shortcuts (arrows, M) must never act on a hidden tab
        celebrate, consult = st.tabs(["Celebrating wins", "Peer consultation"], key="meeting_tab", on_change="rerun")
        if celebrate.open is not False:
            with celebrate:
                wins_meeting(ctx)
        if consult.open:
            with consult:
                consultation_meeting(ctx)
