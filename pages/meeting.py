"""Meeting mode: wins one at a time in large type for the peer-celebration meeting; the consultation queue."""

import streamlit as st

from ui.auth import require_user
from ui.consultation_view import saved_notice
from ui.meeting import consultation_meeting, full_screen_toggle, wins_meeting
from ui.wins_board import board_context

user = require_user(roles=("supervisor", "manager"))  # design §6: supervisors run meeting mode

if not full_screen_toggle():
    st.header("Meeting mode")
ctx = board_context(user, "meeting")
if ctx is not None:
    saved_notice()
    celebrate, consult = st.tabs(["Celebrating wins", "Peer consultation"], key="meeting_tab")
    with celebrate:
        wins_meeting(ctx)
    with consult:
        consultation_meeting(ctx)
