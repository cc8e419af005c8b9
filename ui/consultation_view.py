"""The peer-consultation queue's parts: bring a client, the queue, one item, recording the group's next step.

An item is visible to its client's clinician's team audience (their team, their
supervisor, managers): the queue lists items for ``ctx.audience`` only, and an
item's trajectory and flags are read with the scope of that item's clinician -
granted by the item, never wider. Only the client pseudonym is shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines import consultations
from ui import data
from ui.client_view import trajectories
from ui.filters import PageContext, audit_view
from ui.layout import empty_state, plain_md
from ui.phi_prompt import GUARD_NOTE, guarded
from ui.runtime import audited, get_runtime
from ui.wins_board import BoardContext

SAVED_KEY = "momentum_consultation_saved"


def queue(ctx: BoardContext) -> pd.DataFrame:
    return consultations.items(get_runtime().state, ctx.audience)


def saved_notice() -> None:
    done = st.session_state.pop(SAVED_KEY, None)
    if done:
        st.success(done, icon=":material/check:")


def _saved(message: str) -> None:
    st.session_state[SAVED_KEY] = message
    st.rerun()


def bring_form(ctx: BoardContext) -> None:
    """Bring a client in the user's scope to the team's meeting (prefilled from ?client=&flag= links)."""
    momentum = data.model(ctx.version, "client_momentum", ctx.scope, ctx.as_of)
    flags = data.model(ctx.version, "active_flags", ctx.scope, ctx.as_of)
    options = sorted(momentum["client_id"])
    if not options:
        st.caption("No active clients in your caseload to bring.")
        return
    wanted = st.query_params.get("client")
    from_flag = st.query_params.get("flag")
    if wanted and wanted not in options:
        audited(ctx.user.username, "consultation_refused", client_id=str(wanted)[:64], via="link")
        st.warning("That client is not in your caseload, so it cannot be brought from here.", icon=":material/block:")
        wanted = None
    with st.form("bring_client"):
        client = st.selectbox("Client", options, index=options.index(wanted) if wanted else 0, key="bring_client_id",
                              help="Active clients in your caseload. Only the pseudonym is shared.")
        question = st.text_area("Your question for the group", max_chars=consultations.MAX_TEXT, key="bring_question",
                                placeholder="What is stuck, and what would help you most from the group?")
        st.caption(GUARD_NOTE)
        submitted = st.form_submit_button("Add to the queue", type="primary", icon=":material/group_add:")
    payload = {"client_id": client, "question": question} if submitted else None

    def store(p: dict, confirmed: list[str]) -> int:
        row = momentum[momentum["client_id"] == p["client_id"]].iloc[0]
        open_flags = flags.loc[flags["client_id"] == p["client_id"], "flag"].tolist()
        team = ctx.staff.loc[ctx.staff["clinician_id"] == row["clinician_id"], "team"]
        return consultations.bring(
            get_runtime().state, client_id=p["client_id"], clinician_id=str(row["clinician_id"]),
            team=str(team.iloc[0]) if len(team) and pd.notna(team.iloc[0]) else None,
            brought_by=ctx.user.username, question=p["question"], as_of=ctx.as_of,
            from_flag=from_flag if from_flag in open_flags else None, flags_then=open_flags,
            momentum_then=str(row["momentum"]), measure=row["primary_measure"], score_then=row["latest_score"],
            foreign_client_ids=data.foreign_client_ids(ctx.version, ctx.scope, p["question"]), confirmed=confirmed,
            now=data.now(ctx.version))

    item_id = guarded("bring", payload, store)
    if item_id:
        st.query_params.clear()
        _saved(f"Client added to the consultation queue (item {item_id}).")


def queue_table(ctx: BoardContext, items: pd.DataFrame) -> None:
    if items.empty:
        empty_state("The consultation queue is empty. Bring a stuck client from the flags page, the client view "
                    "or the form here.")
        return
    shown = items.assign(clinician=items["clinician_id"].map(ctx.name),
                         flags=items["flags_then"].map(lambda f: ", ".join(f) or "none"))
    st.dataframe(
        shown[["item_id", "status", "client_id", "clinician", "brought_at", "flags", "momentum_then", "question",
               "next_step"]],
        hide_index=True,
        column_config={
            "item_id": "Item", "status": "State", "client_id": "Client", "clinician": "Clinician",
            "brought_at": "Brought", "flags": "Open flags then", "momentum_then": "Momentum then",
            "question": st.column_config.TextColumn("Question", width="large"),
            "next_step": st.column_config.TextColumn("Agreed next step", width="medium"),
        },
    )


def _item_scope(ctx: BoardContext, item: pd.Series) -> PageContext:
    """The item grants a read of its one client with its clinician's scope."""
    one = (str(item["clinician_id"]),)
    return PageContext(ctx.user, ctx.version, one, one, ctx.as_of, ctx.staff, ctx.today)


def item_detail(ctx: BoardContext, item: pd.Series, large: bool = False) -> None:
    """The item as the group sees it: question, snapshot, trajectory, flags and momentum now, the follow-up."""
    if item["clinician_id"] not in ctx.audience:  # the queue only holds these; a second check costs nothing
        st.warning("That item is not one your team can see.")
        return
    audit_view(ctx.user, f"consultation_item_{item['item_id']}", action="consultation_view",
               item_id=int(item["item_id"]), client_id=item["client_id"])
    item_ctx = _item_scope(ctx, item)
    momentum = data.model(ctx.version, "client_momentum", item_ctx.scope, ctx.as_of)
    flags = data.model(ctx.version, "active_flags", item_ctx.scope, ctx.as_of)
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
        _saved(f"Saved the agreed next step for client {plain_md(item['client_id'])}.")


def pick_item(ctx: BoardContext, items: pd.DataFrame, key: str) -> pd.Series | None:
    labels = {int(r.item_id): f"#{r.item_id} · {r.client_id} · {r.status}" for r in items.itertuples(index=False)}
    wanted = st.query_params.get("item")
    ids = list(labels)
    # a link to an item outside the team, or not a number at all (`²` passes str.isdigit() but not int())
    if wanted and not (wanted.isascii() and wanted.isdigit() and int(wanted) in ids):
        audited(ctx.user.username, "consultation_refused", item=str(wanted)[:16], via="link")
        st.warning("That consultation item is not one your team can see.", icon=":material/block:")
        wanted = None
    if items.empty:
        return None
    index = ids.index(int(wanted)) if wanted else 0
    pick = st.selectbox("Item", ids, index=index, format_func=labels.get, key=f"{key}_item")
    return items[items["item_id"] == pick].iloc[0]
