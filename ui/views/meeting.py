"""Meeting mode: the board one win at a time in large type, and the consultation queue one item at a time.

Made for a projector: full screen (everything but the win, previous/next and
one counter hidden by static CSS; Esc leaves it), a large card, next/previous
from the arrow keys or a presentation clicker (PageUp/PageDown), an optional
shuffle (stable for a meeting date, so a rerun does not reorder), a date-range
filter, and "mark celebrated" (M) with the meeting date. Win text is HTML-escaped before it goes into the card,
and Streamlit sanitises the card's HTML again.
"""

from __future__ import annotations

import html
import random
from datetime import date

import pandas as pd
import streamlit as st

from pipelines.appstate import wins
from ui.consultation_queue import item_detail, queue, record_form
from ui.formats import DATE_FORMAT, show_date
from ui.layout import empty_state
from ui.runtime import get_runtime
from ui.team import BoardContext, BoardFilter, board_with_fallback, this_week, week_filter

# Static CSS (no data in it). Full screen: hide the sidebar, header and toolbar; use the whole width.
FULL_SCREEN_CSS = """<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
div[data-testid="stToolbar"], div[data-testid="stDecoration"] { display: none !important; }
div[data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important; padding-top: 1rem !important; }
</style>"""
# Always: move off screen the buttons that are there for their keyboard shortcuts only (PageUp/PageDown from
# a presentation clicker, Esc, M).
KEYS_ONLY_CSS = """<style>
[class*="st-key-meeting_keys"] { position: absolute !important; left: -10000px !important; height: 1px;
  overflow: hidden; }
</style>"""
CARD_STYLE = ("border:3px solid #2e7d32;border-radius:18px;padding:2.2rem 2.6rem;margin:0.5rem 0 1rem 0;"
              "background:#f6fbf6;color:#111;min-height:40vh;display:flex;flex-direction:column;"
              "justify-content:space-between")
TEXT_STYLE = "font-size:clamp(2rem,4.2vw,3.6rem);line-height:1.3;font-weight:600;white-space:pre-wrap;margin:1rem 0"
META_STYLE = "font-size:clamp(1.1rem,1.8vw,1.6rem);color:#33691e"
CATEGORY_COLOURS = {"client_progress": "#2e7d32", "professional": "#1565c0", "self_care": "#ad1457", "team": "#b34700"}
FULL_KEY = "meeting_full_on"  # full screen is session state, not a widget: its controls are not drawn in it
RANGE_KEY = "meeting_range_kept"  # the filter's values, kept while full screen does not draw the filter


def _set_full(on: bool) -> None:
    st.session_state[FULL_KEY] = on


def full_screen() -> bool:
    """Full screen for the projector: only the win, previous/next and one counter stay on the screen.
    Esc leaves it; the arrow keys and PageUp/PageDown (a presentation clicker) move between wins."""
    full = bool(st.session_state.get(FULL_KEY))
    st.html(KEYS_ONLY_CSS)
    if full:
        st.html(FULL_SCREEN_CSS)
        with st.container(key="meeting_keys_exit"):
            st.button("Leave full screen", key="meeting_exit", shortcut="Esc", on_click=_set_full, args=(False,))
    else:
        st.button("Full screen", key="meeting_enter", icon=":material/fullscreen:", on_click=_set_full, args=(True,),
                  help="Hide everything but the win for the projector. Esc leaves full screen; the arrow keys "
                       "and PageUp/PageDown move between wins.")
    return full


def meeting_filter(ctx: BoardContext) -> tuple[BoardFilter, date, bool, bool]:
    """The wins to celebrate: by default this week (the 7 days ending at the data's as-of date). The values
    are kept across full screen, which does not draw these controls."""
    week = this_week(ctx.as_of)
    start, stop, meeting_date, shuffle, fresh = st.session_state.get(RANGE_KEY, (*week, ctx.today, False, False))
    for key, value in (("meeting_range", (start, stop)), ("meeting_date", meeting_date),
                       ("meeting_shuffle", shuffle), ("meeting_fresh", fresh)):
        if key not in st.session_state:
            st.session_state[key] = value
    cols = st.columns([2, 1, 1, 1])
    picked = cols[0].date_input("Wins posted between", max_value=max(ctx.as_of, ctx.today),
                                format=DATE_FORMAT, key="meeting_range")
    start, stop = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else week
    meeting_date = cols[1].date_input("Meeting date", max_value=ctx.today, format=DATE_FORMAT,
                                      key="meeting_date")
    shuffle = cols[2].toggle("Shuffle", key="meeting_shuffle")
    fresh = cols[3].toggle("Only not yet celebrated", key="meeting_fresh")
    st.session_state[RANGE_KEY] = (start, stop, meeting_date, shuffle, fresh)
    return week_filter(start, stop, ctx.audience, this=(start, stop) == week), meeting_date, shuffle, fresh


def kept_filter(ctx: BoardContext) -> tuple[BoardFilter, date, bool, bool]:
    """In full screen: the filter as it was set before (this week, today's meeting, by default)."""
    week = this_week(ctx.as_of)
    start, stop, meeting_date, shuffle, fresh = st.session_state.get(RANGE_KEY, (*week, ctx.today, False, False))
    return week_filter(start, stop, ctx.audience, this=(start, stop) == week), meeting_date, shuffle, fresh


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
    """Previous / next buttons (also the Left/Right arrow keys, and PageUp/PageDown from a clicker) and the one
    counter; returns the current position (0-based), kept per key."""
    pos = min(st.session_state.get(key, 0), n - 1)
    st.session_state[key] = pos
    left, mid, right = st.columns([1, 2, 1], vertical_alignment="center")
    left.button("Previous", key=f"{key}_prev", on_click=_step, args=(key, -1, n), icon=":material/arrow_back:",
                width="stretch", shortcut="Left")
    # only two integers reach this HTML
    mid.markdown(f"<div style='text-align:center;font-size:1.3rem'>{pos + 1} of {n}</div>", unsafe_allow_html=True)
    right.button("Next", key=f"{key}_next", on_click=_step, args=(key, 1, n), icon=":material/arrow_forward:",
                 width="stretch", shortcut="Right")
    with st.container(key=f"meeting_keys_{key}"):
        st.button("Previous win", key=f"{key}_pgup", on_click=_step, args=(key, -1, n), shortcut="PageUp")
        st.button("Next win", key=f"{key}_pgdn", on_click=_step, args=(key, 1, n), shortcut="PageDown")
    return pos


def win_card(win, poster: str) -> None:
    e = html.escape
    meta = f"{wins.CATEGORY_LABELS.get(win.category, win.category)} · {poster} · {show_date(win.posted_at)}"
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
        f"<div style='{META_STYLE}'>{e(' · '.join(marks)) or '&nbsp;'}</div></div>"
    )


def _mark(win_id: str, meeting_date: date, username: str) -> None:
    wins.mark_celebrated(get_runtime().state, win_id, meeting_date, username)


def wins_meeting(ctx: BoardContext, full: bool = False) -> None:
    flt, meeting_date, shuffle, fresh = kept_filter(ctx) if full else meeting_filter(ctx)
    board, flt, fell_back = board_with_fallback(ctx, flt)
    if fell_back:
        st.caption(fell_back if not full else f"Wins of {flt.label} (the latest week with wins)")
    if fresh:
        board = board[board["celebrated_on"].isna()]
    if board.empty:
        empty_state("No wins in this date range" + (" that are not yet celebrated" if fresh else "")
                    + ". Widen the range, or ask the team to post on the Wins board.")
        return
    board = _order(board, shuffle, meeting_date)
    pos = navigator("meeting_pos", len(board))
    win = board.iloc[pos]
    win_card(win, ctx.name(win.posted_by))
    done = isinstance(win.celebrated_on, str) and win.celebrated_on == meeting_date.isoformat()
    # in full screen the button is there for its shortcut (M) only
    with st.container(key="meeting_keys_mark" if full else "meeting_mark_box"):
        st.button(f"Celebrated in the meeting of {show_date(meeting_date)}" if done else "Mark celebrated",
                  key="meeting_mark", icon=":material/celebration:", type="secondary" if done else "primary",
                  disabled=done, on_click=_mark, args=(str(win.win_id), meeting_date, ctx.user.username),
                  shortcut="M", help="Shortcut: M")


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
