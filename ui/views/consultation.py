"""The peer-consultation queue's parts: bring a client, the queue, one item, recording the group's next step.

An item is visible to its client's clinician's team audience (their team, their
supervisor, managers): the queue lists items for ``ctx.audience`` only, and an
item's trajectory and flags are read with the scope of that item's clinician -
granted by the item, never wider. Only the client pseudonym is shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines.appstate import consultations
from pipelines.models import queries
from ui import data
from ui.consultation_queue import saved
from ui.layout import empty_state
from ui.phi_prompt import GUARD_NOTE, guarded
from ui.runtime import audited, get_runtime
from ui.team import BoardContext


def bring_form(ctx: BoardContext) -> None:
    """Bring a client in the user's scope to the team's meeting (prefilled from ?client=&flag= links)."""
    momentum = data.model(ctx.version, queries.client_momentum, ctx.scope, ctx.as_of)
    flags = data.model(ctx.version, queries.active_flags, ctx.scope, ctx.as_of)
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
        saved(f"Client added to the consultation queue (item {item_id}).")


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
