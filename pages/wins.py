"""The peer-wins board: post a win, suggested wins, this week's board with celebrate reactions, exports."""

import streamlit as st

from ui.auth import require_user
from ui.layout import demo_banner, empty_state
from ui.team import board_context, board_with_fallback
from ui.views.wins import board_list, exports, filters, post_form, suggested

user = require_user()

demo_banner()
st.header("Wins board")
ctx = board_context(user, "wins")
if ctx is not None:
    flt = filters(ctx, key="board")
    left, right = st.columns([3, 2], gap="large")
    with right:
        post_form(ctx)
        suggested(ctx)
    with left:
        board, flt, fell_back = board_with_fallback(ctx, flt)
        if fell_back:
            empty_state(fell_back)
        board_list(ctx, board)
        exports(ctx, board, flt)
