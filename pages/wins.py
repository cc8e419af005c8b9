"""The peer-wins board: post a win, suggested wins, this week's board with celebrate reactions, exports."""

import streamlit as st

from ui.auth import require_user
from ui.layout import demo_banner
from ui.team import board_context, board_frame
from ui.views.wins import board_list, exports, filters, post_form, suggested

user = require_user()

demo_banner()
st.header("Wins board")
ctx = board_context(user, "wins")
if ctx is not None:
    left, right = st.columns([3, 2], gap="large")
    with right:
        post_form(ctx)
        suggested(ctx)
    with left:
        flt = filters(ctx, key="board")
        board = board_frame(ctx, flt)
        board_list(ctx, board)
        exports(ctx, board, flt)
