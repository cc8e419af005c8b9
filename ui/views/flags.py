"""The stalled-progress flags page's parts: the queue (risk items first) and the review form."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from pipelines.appstate.flag_reviews import ReviewError, record
from pipelines.models import queries
from schemas.vocabulary import chip, label, word
from ui import data
from ui.definitions import link
from ui.filters import PageContext
from ui.flag_state import SEVERITY_ORDER, flags_with_reviews
from ui.formats import DATE_FORMAT, show_date
from ui.layout import first_rows, first_rows_note, plain_md
from ui.runtime import get_runtime

REVIEWER_ROLES = ("clinician", "supervisor")
AGENDA_LOOKBACK_DAYS = 28
SAVED_KEY = "momentum_review_saved"
REVIEW_PICK = "review_pick"
RISK_FLAG = "RISK_ITEM"


def queue(ctx: PageContext) -> pd.DataFrame:
    """The flags of the scope with their review state, filtered: risk items first, then flags that need
    review, each newest first (a risk raised this week must not sit below months-old flags)."""
    momentum = data.model(ctx.version, queries.client_momentum, ctx.scope, ctx.as_of)
    flags = flags_with_reviews(ctx, data.model(ctx.version, queries.active_flags, ctx.scope, ctx.as_of), momentum)
    cols = st.columns(3)
    codes = sorted(flags["flag"].unique())
    picked_codes = cols[0].multiselect("Flag", codes, format_func=lambda c: chip("flags", c), placeholder="All flags",
                                       key="flags_code")
    picked_sev = cols[1].multiselect("Severity", list(SEVERITY_ORDER), format_func=lambda s: chip("severity", s),
                                     placeholder="All severities", key="flags_sev")
    show = cols[2].radio("Show", ["Needs review", "All active flags"], horizontal=True, key="flags_show")
    if picked_codes:
        flags = flags[flags["flag"].isin(picked_codes)]
    if picked_sev:
        flags = flags[flags["severity"].isin(picked_sev)]
    if show == "Needs review":
        flags = flags.loc[flags["needs_review"].astype(bool)]
    return flags


_ORDER = ["risk_rank", "review_rank", "since_ts", "sev_rank", "client_id"]
_ASCENDING = [True, True, False, True, True]


def ordered(ctx: PageContext, flags: pd.DataFrame, shown_only: bool = False) -> pd.DataFrame:
    """Risk items first, then flags that need review, each newest first; severity breaks a tie. With
    ``shown_only``: the first TABLE_ROWS of them, the only rows labelled (a large practice's queue has hundreds
    of thousands of flags)."""
    flags = flags.assign(
        risk_rank=(flags["flag"] != RISK_FLAG).astype(int),
        review_rank=(~flags["needs_review"].astype(bool)).astype(int),
        since_ts=pd.to_datetime(flags["since"]),
        sev_rank=flags["severity"].map(SEVERITY_ORDER),
    )
    flags = (first_rows(flags, _ORDER, _ASCENDING) if shown_only
             else flags.sort_values(_ORDER, ascending=_ASCENDING)).reset_index(drop=True)
    flags["age_days"] = (pd.Timestamp(ctx.as_of) - flags["since_ts"]).dt.days
    flags["clinician"] = flags["clinician_id"].map(ctx.clinician_name)
    # a label per distinct code, not per row (a large practice's queue has hundreds of thousands of rows)
    flags["severity_shown"] = flags["severity"].map({s: chip("severity", s) for s in flags["severity"].unique()})
    flags["flag_shown"] = flags["flag"].map({c: chip("flags", c) for c in flags["flag"].unique()})
    return flags.drop(columns=["risk_rank", "review_rank", "since_ts", "sev_rank"])


_QUEUE_COLUMNS = ["severity_shown", "flag_shown", "client_id", "clinician", "since", "age_days", "reason", "status",
                  "reopen_reason", "last_reviewed_by", "last_note"]
_QUEUE_CONFIG = {
    "severity_shown": "Severity", "flag_shown": "Flag", "client_id": "Client", "clinician": "Clinician",
    "since": st.column_config.DateColumn("Since", format=DATE_FORMAT),
    "age_days": st.column_config.NumberColumn("Age (days)"),
    "reason": st.column_config.TextColumn("Reason and evidence", width="large"),
    "status": "State", "reopen_reason": "Why it came back",
    "last_reviewed_by": "Reviewed by", "last_note": "Note",
}


def queue_table(ctx: PageContext, flags: pd.DataFrame) -> None:
    """Risk items in their own block at the top, then the rest of the queue. Selecting a row opens its
    review in the form below (the pick is kept in st.session_state under REVIEW_PICK)."""
    if flags.empty:
        st.success("Nothing needs review in this selection.", icon=":material/check_circle:")
        return
    risk = flags[flags["flag"] == RISK_FLAG]
    rest = flags[flags["flag"] != RISK_FLAG]
    if not risk.empty:
        with st.container(border=True, key="risk_block"):
            st.markdown(f":material/emergency: :red-background[**{len(risk)} risk item{'s' if len(risk) != 1 else ''}: "
                        f"review first.**] {word('flags', RISK_FLAG).explain}")
            _selectable(ordered(ctx, risk, shown_only=True), len(risk), "risk_table")
    if not rest.empty:
        st.caption("Select a row to review that flag. Flags that need review come first, newest first.")
        _selectable(ordered(ctx, rest, shown_only=True), len(rest), "queue_table")


def _selectable(shown: pd.DataFrame, total: int, key: str) -> None:
    """The first TABLE_ROWS of ``total`` flags, in the queue's order (and a note saying so when there are more)."""

    def picked() -> None:
        rows = st.session_state[key].selection.rows
        if rows:
            st.session_state[REVIEW_PICK] = flag_key(shown.iloc[rows[0]])

    st.dataframe(shown[_QUEUE_COLUMNS], hide_index=True, column_config=_QUEUE_CONFIG, on_select=picked,
                 selection_mode="single-row", key=key)
    first_rows_note(total, "flags")


def flag_key(row) -> str:
    """One flag episode: client, code and the day it was raised."""
    return f"{row['client_id']}|{row['flag']}|{show_date(row['since'])}"


def review_form(ctx: PageContext, flags: pd.DataFrame) -> None:
    """Acknowledge with a note, snooze until a date, or resolve one flag."""
    saved = st.session_state.pop(SAVED_KEY, None)
    if saved:
        st.success(saved, icon=":material/check:")
    if flags.empty:
        return
    if ctx.user.role not in REVIEWER_ROLES:
        st.caption("Flags are reviewed by the clinician and their supervisor; managers see the queue.")
        return
    flags = ordered(ctx, flags)
    st.subheader("Review a flag")
    # keyed by the flag itself, not its row: a filter or a colleague's review reorders the queue between runs,
    # and the form must never slip onto another client's flag
    keys = [flag_key(r) for _i, r in flags.iterrows()]
    labels = {k: f"{r.client_id} · {r.flag_shown} ({label('severity', r.severity).lower()}, since "
                 f"{show_date(r.since)})" for k, (_i, r) in zip(keys, flags.iterrows(), strict=True)}
    if st.session_state.get(REVIEW_PICK) not in labels:  # that flag has left the queue (filtered, reviewed)
        st.session_state.pop(REVIEW_PICK, None)
    pick = st.selectbox("Flag to review", keys, format_func=lambda k: labels.get(k, k), key=REVIEW_PICK)
    row = flags.iloc[keys.index(pick)]
    what = word("flags", row["flag"])
    st.markdown(f"**{what.chip}:** {what.explain} {link('flags', row['flag'])}")
    st.markdown(f"**Reason and evidence:** {plain_md(row['reason'])}")
    st.page_link("pages/consultation.py", label="Bring this client to peer consultation", icon=":material/groups:",
                 query_params={"client": str(row["client_id"]), "flag": str(row["flag"])})
    with st.form("review_form", clear_on_submit=True):
        action = st.radio("Action", ["acknowledge", "snooze", "resolve"], horizontal=True,
                          format_func={"acknowledge": "Acknowledge", "snooze": "Snooze", "resolve": "Resolve"}.get)
        note = st.text_area("Note", placeholder="What will be done, or why it is resolved (required to acknowledge)",
                            max_chars=2000)
        until = st.date_input("Snooze until", value=ctx.as_of + timedelta(days=14), format="YYYY-MM-DD")
        submitted = st.form_submit_button("Save review", type="primary")
    if submitted:
        momentum = data.model(ctx.version, queries.client_momentum, ctx.scope, ctx.as_of)
        latest = momentum.loc[momentum["client_id"] == row["client_id"], "latest_score"]
        try:
            record(get_runtime().state, client_id=row["client_id"], flag=row["flag"],
                   flag_since=pd.Timestamp(row["since"]).date(), action=action, reviewed_by=ctx.user.username,
                   note=note, snooze_until=until if action == "snooze" else None,
                   score_at_review=float(latest.iloc[0]) if len(latest) and pd.notna(latest.iloc[0]) else None,
                   today=ctx.as_of)
        except ReviewError as exc:
            st.error(plain_md(exc))
            return
        st.session_state[SAVED_KEY] = f"Saved: {action} {plain_md(row['flag'])} for {plain_md(row['client_id'])}."
        st.rerun()
