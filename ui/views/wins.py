"""The peer-wins board's parts: filters, posting (through the PHI guard), suggested wins, the board, exports.

Who sees what: everyone sees the wins of their team audience (their team, plus
their own scope; managers everyone - ``pipelines/sql/team_audience.sql``). A
linked client pseudonym shows only to viewers whose scope holds that client.
Win text is always shown as plain text (``st.text``), never as Markdown or HTML.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from pipelines.appstate import wins
from pipelines.models import queries
from ui import data
from ui.downloads import export_button
from ui.formats import DATE_FORMAT, show_date, show_datetime
from ui.layout import empty_state, plain_md
from ui.phi_prompt import GUARD_NOTE, guarded
from ui.runtime import get_runtime
from ui.team import BoardContext, BoardFilter, this_week, week_filter

POSTED_KEY = "momentum_win_posted"
BOARD_LIMIT = 60
PERIODS = ("This week", "4 weeks", "Dates")


def filters(ctx: BoardContext, key: str) -> BoardFilter:
    """Period ("This week": the 7 days ending at the data's as-of date), team and category."""
    cols = st.columns([3, 2, 3])
    period = cols[0].segmented_control("Period", PERIODS, default=PERIODS[0], key=f"{key}_period") or PERIODS[0]
    start, end = this_week(ctx.as_of)
    if period == "4 weeks":
        start = ctx.as_of - timedelta(days=27)
    elif period == "Dates":
        latest = max(ctx.as_of, ctx.today)
        picked = cols[0].date_input("Dates", value=(start, end), max_value=latest, format=DATE_FORMAT,
                                    key=f"{key}_dates")
        start, end = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (start, end)
    teams = sorted(t for t in ctx.staff["team"].dropna().unique())
    team = cols[1].selectbox("Team", ["All teams", *teams], key=f"{key}_team") if len(teams) > 1 else "All teams"
    audience = ctx.audience if team == "All teams" else tuple(
        sorted(ctx.staff.loc[ctx.staff["team"] == team, "clinician_id"]))
    categories = cols[2].multiselect("Category", wins.CATEGORIES, format_func=wins.CATEGORY_LABELS.get,
                                     placeholder="All categories", key=f"{key}_category")
    return week_filter(start, end, audience, tuple(categories), "" if team == "All teams" else f", {team}",
                       this=period == "This week")


# -- posting ---------------------------------------------------------------------


def _own_clients(ctx: BoardContext) -> list[str]:
    if not ctx.user.clinician_id:
        return []
    courses = data.model(ctx.version, queries.course_outcomes, (ctx.user.clinician_id,), ctx.as_of)
    return courses.sort_values(["is_active", "client_id"], ascending=[False, True])["client_id"].tolist()


def _store(ctx: BoardContext, own: list[str]):
    def store(payload: dict, confirmed: list[str]) -> str:
        foreign = data.foreign_client_ids(ctx.version, ctx.scope, payload["text"])
        return wins.post(get_runtime().state, username=ctx.user.username, clinician_id=ctx.user.clinician_id,
                         own_clients=own, foreign_client_ids=foreign, confirmed=confirmed,
                         now=data.now(ctx.version), **payload)
    return store


def _posted(message: str, clear: str | None = None) -> None:
    st.session_state[POSTED_KEY] = message
    if clear:
        st.session_state[f"{clear}_clear"] = True
    st.rerun()


def _later_note(ctx: BoardContext) -> str:
    """Said after posting when today is past the data's as-of date: "This week" ends at the as-of date."""
    if ctx.today <= ctx.as_of:
        return ""
    return (f" \"This week\" ends at the data's date, {show_date(ctx.as_of)}: choose Dates, up to "
            f"{show_date(ctx.today)}, to see it now.")


def post_form(ctx: BoardContext) -> None:
    """Post a win: category, text (≤ 500 characters), optionally a client from the poster's own caseload."""
    done = st.session_state.pop(POSTED_KEY, None)
    if done:
        st.success(done, icon=":material/celebration:")
    if not ctx.user.clinician_id:
        st.caption("Your account is not linked to a clinician, so it cannot post wins.")
        return
    if st.session_state.pop("win_text_clear", False):
        st.session_state["win_text"] = ""
    own = _own_clients(ctx)
    with st.form("post_win"):
        st.markdown("**Post a win**")
        left, right = st.columns([1, 1])
        category = left.selectbox("Category", wins.CATEGORIES, format_func=wins.CATEGORY_LABELS.get,
                                  key="win_category")
        client = right.selectbox("Client (optional, from your own caseload)", ["", *own],
                                 format_func=lambda c: c or "No client", key="win_client")
        text = st.text_area("What happened?", max_chars=wins.MAX_TEXT, key="win_text",
                            placeholder="A small step worth naming, with nothing that identifies anyone")
        st.caption(GUARD_NOTE)
        submitted = st.form_submit_button("Post win", type="primary", icon=":material/send:")
    payload = {"category": category, "text": text, "client_id": client or None} if submitted else None
    if guarded("win", payload, _store(ctx, own)):
        _posted("Posted to the board." + _later_note(ctx), clear="win_text")


def suggested(ctx: BoardContext, limit: int = 6) -> None:
    """Suggested wins for the user's scope (Step 2's model), each editable and postable with one click."""
    if ctx.user.role not in ("clinician", "supervisor") or not ctx.user.clinician_id:
        return
    ideas = data.model(ctx.version, queries.suggested_wins, ctx.scope, ctx.as_of)
    done = wins.posted_suggestions(get_runtime().state, ideas["suggestion_id"])
    ideas = ideas[~ideas["suggestion_id"].isin(done)].head(limit)
    st.markdown("**Suggested wins** · milestones from the last 28 days in your caseload, already de-identified")
    if ideas.empty:
        st.caption("Nothing new to suggest: every recent milestone has been posted, or none happened.")
        return
    own = set(_own_clients(ctx))
    store = _store(ctx, sorted(own))
    for idea in ideas.itertuples(index=False):
        sid = str(idea.suggestion_id)
        with st.container(border=True):
            who = "" if idea.clinician_id == ctx.user.clinician_id else f" · {ctx.name(idea.clinician_id)}'s caseload"
            st.caption(plain_md(f"{show_date(idea.occurred_on)} · {str(idea.kind).replace('_', ' ')}{who}"))
            text = st.text_input("Win text", value=str(idea.text), max_chars=wins.MAX_TEXT, key=f"sugg_{sid}",
                                 label_visibility="collapsed")
            clicked = st.button("Post this win", key=f"sugg_post_{sid}", icon=":material/send:")
            client = idea.client_id if isinstance(idea.client_id, str) and idea.client_id in own else None
            payload = ({"category": idea.category, "text": text, "client_id": client, "suggestion_id": sid}
                       if clicked else None)
            if guarded(f"sugg_{sid}", payload, store):
                _posted("Suggested win posted to the board." + _later_note(ctx))


# -- the board -------------------------------------------------------------------


def _toggle(win_id: str, username: str) -> None:
    wins.toggle_celebrate(get_runtime().state, win_id, username)


def board_list(ctx: BoardContext, board: pd.DataFrame) -> None:
    if board.empty:
        empty_state("No wins in this period yet. Post one above, or widen the period: small steps count.")
        return
    st.caption(f"{len(board)} wins" + (f"; the latest {BOARD_LIMIT} shown" if len(board) > BOARD_LIMIT else ""))
    for w in board.head(BOARD_LIMIT).itertuples(index=False):
        with st.container(border=True):
            meta = [wins.CATEGORY_LABELS.get(w.category, w.category), ctx.name(w.posted_by),
                    show_datetime(w.posted_at)]
            if isinstance(w.client_id, str):
                meta.append(f"client {w.client_id}")
            if isinstance(w.celebrated_on, str):
                meta.append(f"celebrated in the meeting of {w.celebrated_on}")
            st.caption(" · ".join(plain_md(m) for m in meta))
            st.text(w.text)  # plain text: never Markdown or HTML
            label = f"Celebrate · {w.celebrations}" if w.celebrations else "Celebrate"
            st.button(label, key=f"celebrate_{w.win_id}", icon=":material/celebration:",
                      type="primary" if w.celebrated_by_me else "secondary", on_click=_toggle,
                      args=(str(w.win_id), ctx.user.username),
                      help="Take your reaction back" if w.celebrated_by_me else "One per person")


def exports(ctx: BoardContext, board: pd.DataFrame, flt: BoardFilter) -> None:
    title = f"Wins board, {flt.label}"
    stem = f"wins-{flt.since:%Y-%m-%d}"
    cols = st.columns(3)
    names = ctx.names()
    for col, (fmt, make, mime) in zip(cols, [
        ("md", lambda: wins.as_markdown(board, title, names), "text/markdown"),
        ("html", lambda: wins.as_html(board, title, names), "text/html"),
        ("csv", lambda: wins.as_csv(board), "text/csv"),
    ], strict=True):
        export_button(col, f"Download ({fmt.upper()})", make, file_name=f"{stem}.{fmt}", mime=mime,
                      detail={"what": "wins_board", "format": fmt, "since": flt.since.date().isoformat(),
                              "until": flt.until.date().isoformat(), "rows": len(board)},
                      key=f"wins_export_{fmt}")
