"""Meeting mode: the board one win at a time in large type, and the consultation queue one item at a time.

Made for a projector: full screen (the sidebar and toolbar hidden by static
CSS), a large card, next/previous, an optional shuffle (stable for a meeting
date, so a rerun does not reorder), a date-range filter, and "mark celebrated"
with the meeting date. Win text is HTML-escaped before it goes into the card,
and Streamlit sanitises the card's HTML again.
"""

from __future__ import annotations

import html
import random
from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from pipelines.appstate import wins
from ui.consultation_queue import item_detail, queue, record_form
from ui.layout import empty_state
from ui.runtime import get_runtime
from ui.team import BoardContext, BoardFilter, board_frame

# Static CSS (no data in it): hide the sidebar, header and toolbar; use the whole width.
FULL_SCREEN_CSS = """<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
div[data-testid="stToolbar"], div[data-testid="stDecoration"] { display: none !important; }
div[data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important; padding-top: 1rem !important; }
</style>"""
CARD_STYLE = ("border:3px solid #2e7d32;border-radius:18px;padding:2.2rem 2.6rem;margin:0.5rem 0 1rem 0;"
              "background:#f6fbf6;color:#111;min-height:40vh;display:flex;flex-direction:column;"
              "justify-content:space-between")
TEXT_STYLE = "font-size:clamp(2rem,4.2vw,3.6rem);line-height:1.3;font-weight:600;white-space:pre-wrap;margin:1rem 0"
META_STYLE = "font-size:clamp(1.1rem,1.8vw,1.6rem);color:#33691e"
CATEGORY_COLOURS = {"client_progress": "#2e7d32", "professional": "#1565c0", "self_care": "#ad1457", "team": "#ef6c00"}


def full_screen_toggle() -> bool:
    full = st.toggle("Full screen", key="meeting_full", help="Hide the sidebar and toolbar for the projector")
    if full:
        st.html(FULL_SCREEN_CSS)
    return full


def meeting_filter(ctx: BoardContext) -> tuple[BoardFilter, date, bool, bool]:
    end = max(ctx.as_of, ctx.today)
    cols = st.columns([2, 1, 1, 1])
    picked = cols[0].date_input("Wins posted between", value=(end - timedelta(days=6), end), format="YYYY-MM-DD",
                                key="meeting_range")
    start, stop = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (end - timedelta(days=6), end)
    meeting_date = cols[1].date_input("Meeting date", value=ctx.today, max_value=ctx.today, format="YYYY-MM-DD",
                                      key="meeting_date")
    shuffle = cols[2].toggle("Shuffle", key="meeting_shuffle")
    fresh = cols[3].toggle("Only not yet celebrated", key="meeting_fresh")
    flt = BoardFilter(datetime.combine(start, time()), datetime.combine(stop + timedelta(days=1), time()),
                      ctx.audience, (), f"{start:%d %b} to {stop:%d %b %Y}")
    return flt, meeting_date, shuffle, fresh


def _order(board: pd.DataFrame, shuffle: bool, meeting_date: date) -> pd.DataFrame:
    board = board.sort_values(["posted_at", "win_id"]).reset_index(drop=True)  # oldest first: the week as it went
    if shuffle:
        idx = list(board.index)
        random.Random(meeting_date.toordinal()).shuffle(idx)  # stable for this meeting
        board = board.loc[idx].reset_index(drop=True)
    return board


def _step(key: str, delta: int, n: int) -> None:
    st.session_state[key] = (st.session_state.get(key, 0) + delta) % n


def navigator(key: str, n: int) -> int:
    """Previous / next buttons; returns the current position (0-based), kept per key."""
    pos = min(st.session_state.get(key, 0), n - 1)
    st.session_state[key] = pos
    left, mid, right = st.columns([1, 2, 1])
    left.button("Previous", key=f"{key}_prev", on_click=_step, args=(key, -1, n), icon=":material/arrow_back:",
                width="stretch")
    # only two integers reach this HTML
    mid.markdown(f"<div style='text-align:center;font-size:1.3rem'>{pos + 1} of {n}</div>", unsafe_allow_html=True)
    right.button("Next", key=f"{key}_next", on_click=_step, args=(key, 1, n), icon=":material/arrow_forward:",
                 width="stretch")
    return pos


def win_card(win, poster: str, pos: int, n: int) -> None:
    e = html.escape
    meta = f"{wins.CATEGORY_LABELS.get(win.category, win.category)} · {poster} · {win.posted_at:%A %d %B}"
    if isinstance(win.client_id, str):
        meta += f" · client {win.client_id}"
    marks = []
    if win.celebrations:
        marks.append(f"{int(win.celebrations)} celebrating")
    if isinstance(win.celebrated_on, str):
        marks.append(f"celebrated {win.celebrated_on}")
    colour = CATEGORY_COLOURS.get(win.category, "#2e7d32")
    st.html(
        f"<div data-testid='meeting-card' style='{CARD_STYLE};border-color:{colour}'>"
        f"<div style='{META_STYLE};color:{colour}'>{e(meta)}</div>"
        f"<div data-testid='meeting-win-text' style='{TEXT_STYLE}'>{e(str(win.text))}</div>"
        f"<div style='{META_STYLE}'>{e(' · '.join(marks)) or '&nbsp;'}"
        f"<span style='float:right'>{pos + 1} / {n}</span></div></div>"
    )


def _mark(win_id: str, meeting_date: date, username: str) -> None:
    wins.mark_celebrated(get_runtime().state, win_id, meeting_date, username)


def wins_meeting(ctx: BoardContext) -> None:
    flt, meeting_date, shuffle, fresh = meeting_filter(ctx)
    board = board_frame(ctx, flt)
    if fresh:
        board = board[board["celebrated_on"].isna()]
    if board.empty:
        empty_state("No wins in this date range" + (" that are not yet celebrated" if fresh else "")
                    + ". Widen the range, or ask the team to post on the Wins board.")
        return
    board = _order(board, shuffle, meeting_date)
    pos = navigator("meeting_pos", len(board))
    win = board.iloc[pos]
    win_card(win, ctx.name(win.posted_by), pos, len(board))
    done = isinstance(win.celebrated_on, str) and win.celebrated_on == meeting_date.isoformat()
    st.button(f"Celebrated in the meeting of {meeting_date:%d %b}" if done else "Mark celebrated",
              key="meeting_mark", icon=":material/celebration:", type="secondary" if done else "primary",
              disabled=done, on_click=_mark, args=(str(win.win_id), meeting_date, ctx.user.username))


def consultation_meeting(ctx: BoardContext) -> None:
    items = queue(ctx)
    show_all = st.toggle("Include items already discussed", key="meeting_all_items")
    if not show_all:
        items = items[items["status"] == "open"]
    if items.empty:
        empty_state("No open consultation items. Clinicians bring clients from the flags page or the client view.")
        return
    items = items.sort_values("item_id").reset_index(drop=True)  # first brought, first discussed
    pos = navigator("meeting_item_pos", len(items))
    item = items.iloc[pos]
    item_detail(ctx, item, large=True)
    record_form(ctx, item, key="meeting")
