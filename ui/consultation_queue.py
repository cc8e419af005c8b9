"""The peer-consultation queue's shared parts: the queue, one item as the group sees it, and
recording the group's next step (the consultation page and meeting mode both show them).

An item's trajectory and flags are read with the scope of that item's clinician - granted by
the item, never wider. Only the client pseudonym is shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines.appstate import consultations
from pipelines.models import queries
from ui import data
from ui.filters import PageContext, record_view
from ui.layout import plain_md
from ui.phi_prompt import guarded
from ui.runtime import get_runtime
from ui.team import BoardContext
from ui.trajectory import trajectories

SAVED_KEY = "momentum_consultation_saved"


def queue(ctx: BoardContext) -> pd.DataFrame:
    return consultations.items(get_runtime().state, ctx.audience)


def saved_notice() -> None:
    done = st.session_state.pop(SAVED_KEY, None)
    if done:
        st.success(done, icon=":material/check:")


def saved(message: str) -> None:
    st.session_state[SAVED_KEY] = message
    st.rerun()


def _item_scope(ctx: BoardContext, item: pd.Series) -> PageContext:
    """The item grants a read of its one client with its clinician's scope."""
    one = (str(item["clinician_id"]),)
    return PageContext(ctx.user, ctx.version, one, one, ctx.as_of, ctx.staff, ctx.today)


def item_detail(ctx: BoardContext, item: pd.Series, large: bool = False) -> None:
    """The item as the group sees it: question, snapshot, trajectory, flags and momentum now, the follow-up."""
    if item["clinician_id"] not in ctx.audience:  # the queue only holds these; a second check costs nothing
        st.warning("That item is not one your team can see.")
        return
    record_view(ctx.user, f"consultation_item_{item['item_id']}", action="consultation_view",
               item_id=int(item["item_id"]), client_id=item["client_id"])
    item_ctx = _item_scope(ctx, item)
    momentum = data.model(ctx.version, queries.client_momentum, item_ctx.scope, ctx.as_of)
    flags = data.model(ctx.version, queries.active_flags, item_ctx.scope, ctx.as_of)
    follow = consultations.follow_up(item, momentum, flags)
    size = "###" if large else "####"
    st.markdown(f"{size} Client {plain_md(item['client_id'])} · {plain_md(ctx.name(item['clinician_id']))}")
    st.caption(plain_md(f"Brought by {item['brought_by']} on {item['brought_at'][:10]} (data as of {item['as_of']})"
                        + (f" from the {item['from_flag']} flag" if isinstance(item["from_flag"], str) else "")))
    st.markdown("**Question for the group**")
    st.text(item["question"])
    cols = st.columns(4)
    cols[0].metric("Momentum then", plain_md(item["momentum_then"] or "–"), border=True)
    cols[1].metric("Momentum now", plain_md(follow.momentum_now or "–"), border=True)
    then = f"{follow.score_then:g}" if follow.score_then is not None else "–"
    now = f"{follow.score_now:g}" if follow.score_now is not None else "–"
    cols[2].metric(f"{follow.measure or 'Score'} then → now", f"{then} → {now}", border=True,
                   help="The primary measure's latest score when brought, and now")
    cols[3].metric("Since the consultation", follow.verdict, border=True,
                   help="Change on the primary measure against its reliable-change threshold (Jacobson & Truax 1991)")
    st.caption(plain_md(f"Open flags then: {', '.join(item['flags_then']) or 'none'} · now: "
                        f"{', '.join(sorted(follow.flags_still + follow.flags_new)) or 'none'}"
                        + (f" · cleared: {', '.join(follow.flags_cleared)}" if follow.flags_cleared else "")))
    if isinstance(item["next_step"], str) and item["next_step"]:
        (st.success if follow.resumed else st.info)(
            ("Momentum resumed. " if follow.resumed else "Not resumed yet. ") + plain_md(follow.summary()))
    trajectories(item_ctx, str(item["client_id"]))


def record_form(ctx: BoardContext, item: pd.Series, key: str) -> None:
    """Record the group's ideas and the agreed next step (append-only; the latest is shown)."""
    history = consultations.notes(get_runtime().state, int(item["item_id"]))
    if not history.empty:
        st.markdown("**What the group said**")
        st.dataframe(history[["meeting_date", "ideas", "next_step", "recorded_by"]], hide_index=True,
                     column_config={"meeting_date": "Meeting", "ideas": st.column_config.TextColumn("Ideas", width="large"),
                                    "next_step": st.column_config.TextColumn("Agreed next step", width="large"),
                                    "recorded_by": "Recorded by"})
    with st.form(f"{key}_record_{item['item_id']}", clear_on_submit=False):
        st.markdown("**Record the group's ideas and the agreed next step**")
        meeting = st.date_input("Meeting date", value=ctx.today, max_value=ctx.today, format="YYYY-MM-DD")
        ideas = st.text_area("Ideas from the group", max_chars=consultations.MAX_TEXT)
        next_step = st.text_area("Agreed next step", max_chars=consultations.MAX_TEXT)
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    payload = {"meeting_date": meeting, "ideas": ideas, "next_step": next_step} if submitted else None

    def store(p: dict, confirmed: list[str]) -> int:
        return consultations.record_outcome(
            get_runtime().state, int(item["item_id"]), recorded_by=ctx.user.username, audience=ctx.audience,
            foreign_client_ids=data.foreign_client_ids(ctx.version, ctx.scope, p["ideas"] + "\n" + p["next_step"]),
            confirmed=confirmed, **p)

    if guarded(f"{key}_note_{item['item_id']}", payload, store):
        saved(f"Saved the agreed next step for client {plain_md(item['client_id'])}.")
