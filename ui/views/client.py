"""The client view's parts: trajectories, session timeline, goals, homework, flags, wins.

Reachable only for clients in the user's scope: every query takes the scope,
so a client outside it returns no rows and the page says so, showing nothing.
No identifier beyond client_id is shown. Where exports named clients, a client is found by
typing their name: the page computes the code, the name goes nowhere.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import streamlit as st

from pipelines.appstate.flag_reviews import reviews_for
from pipelines.appstate.secrets_file import WeakSecretError, read_pseudonym_key
from pipelines.ingest.pseudonym import code_for, name_code
from pipelines.models import queries
from ui import data, layout
from ui.charts import session_timeline
from ui.filters import PageContext, record_view
from ui.layout import plain_md, section
from ui.runtime import audited, get_runtime
from ui.team import merged


def find_by_name(ctx: PageContext) -> None:
    """A client's code from a typed name (and date of birth), when exports named clients: the code is
    computed with the practice's key, and the name is neither kept (the form's fields are emptied in
    the same step), put in the link, nor audited."""
    try:
        key = read_pseudonym_key(get_runtime().paths.secrets)
    except WeakSecretError:
        return  # no export ever named a client: codes are the practice system's own
    result = st.session_state.pop("find_client_result", None)
    with st.expander("Find a client by name", icon=":material/person_search:", expanded=result in ("", "?")), \
            st.form("find_client", border=False):
        st.caption("The name is turned into the client's code with the practice's key, as on loading; "
                   "it is not stored, logged or put in the link.")
        st.text_input("Client's name", key="find_client_name", autocomplete="off")
        st.date_input("Date of birth (if the exports have one)", value=None, key="find_client_dob",
                      min_value=date(1900, 1, 1), max_value=ctx.as_of, format="YYYY-MM-DD")
        st.form_submit_button("Find", on_click=_look_up, args=(key, ctx))
    if result == "":
        st.warning("No client with that name (and date of birth) is in your caseload.", icon=":material/search_off:")
    elif result == "?":
        st.warning("More than one client has had this name: give the date of birth too.", icon=":material/search_off:")
    elif result and result != "?":
        st.session_state.pop("client_pick", None)  # the picker then opens on the client found
        st.query_params["client"] = result


def _look_up(key: bytes, ctx: PageContext) -> None:
    """The Find button's step, before the page runs: the code, or "" when it is not in the caseload."""
    username = ctx.user.username
    name, dob = st.session_state.get("find_client_name", ""), st.session_state.get("find_client_dob")
    st.session_state["find_client_name"], st.session_state["find_client_dob"] = "", None
    if not name.strip():
        return
    births = queries.client_birth_codes(get_runtime().reader.cursor(), name_code(key, name))
    code = code_for(key, name, dob.isoformat() if dob else None, births)
    if code is None:  # the name has come with several dates of birth
        audited(username, "client_lookup_by_name", found=False, needs="date of birth")
        st.session_state["find_client_result"] = "?"
        return
    found = in_caseload(ctx, code)
    audited(username, "client_lookup_by_name", found=found)  # whether it was found, never the name
    st.session_state["find_client_result"] = code if found else ""


def in_caseload(ctx: PageContext, client_id: str) -> bool:
    """Whether ``client_id`` is a client of the user's scope (asked of the scoped model, one client)."""
    return not data.client_rows(ctx.version, queries.course_outcomes, ctx.scope, ctx.as_of, client_id).empty


def _refused(ctx: PageContext, client_id: str) -> None:
    audited(ctx.user.username, "client_view_refused", client_id=str(client_id)[:64])
    st.warning("That client is not in your caseload, so nothing is shown.", icon=":material/block:")


def pick_client(ctx: PageContext) -> str | None:
    """The client to show: from the link (?client=) or the picker; None when there is none. The picker lists
    the first TABLE_ROWS clients, active first; in a larger caseload a client's code can be typed into it."""
    listed, total = data.client_choices(ctx.version, ctx.scope, ctx.as_of, layout.TABLE_ROWS)
    if total:
        find_by_name(ctx)
    wanted = st.query_params.get("client")
    if wanted and wanted not in listed and not in_caseload(ctx, wanted):
        _refused(ctx, wanted)
        wanted = None
    if not total:
        st.info("No clients in your scope yet.")
        return None
    options = listed if not wanted or wanted in listed else [wanted, *listed]
    typed = total > len(listed)
    help_text = "Clients in your scope, active first."
    if typed:
        help_text += f" The first {len(listed):,} of {total:,} are listed: type a client's code to open another."
    choice = st.selectbox("Client", options, index=options.index(wanted) if wanted else 0, key="client_pick",
                          help=help_text, accept_new_options=typed)
    if choice is None:
        return None
    choice = str(choice).strip()
    if choice not in options and not in_caseload(ctx, choice):  # a code typed into the picker
        _refused(ctx, choice)
        return None
    if choice != st.query_params.get("client"):
        st.query_params["client"] = choice
    return choice


def header(ctx: PageContext, client_id: str) -> None:
    # audited before anything about the client is shown (a failed audit stops the page)
    record_view(ctx.user, "client_view", action="client_view", client_id=client_id, as_of=ctx.as_of.isoformat())
    row = data.client_rows(ctx.version, queries.course_outcomes, ctx.scope, ctx.as_of, client_id).iloc[0]
    mrow = data.client_rows(ctx.version, queries.client_momentum, ctx.scope, ctx.as_of, client_id)
    cols = st.columns(4)
    cols[0].metric("Client", plain_md(client_id), border=True)
    cols[1].metric("Status", "active" if row["is_active"] else "discharged", border=True)
    cols[2].metric("Momentum", plain_md(mrow["momentum"].iloc[0]) if len(mrow) else "–", border=True)
    cols[3].metric("Sessions attended", int(mrow["attended_sessions"].iloc[0]) if len(mrow) else "–", border=True)
    why = f" · {mrow['momentum_reason'].iloc[0]}" if len(mrow) else ""
    st.caption(plain_md(f"Clinician: {ctx.clinician_name(row['clinician_id'])}{why}"))
    if len(mrow):  # active clients only
        st.page_link("pages/consultation.py", label="Bring to peer consultation", icon=":material/groups:",
                     query_params={"client": client_id})


def timeline(ctx: PageContext, client_id: str) -> None:
    sessions = data.client_detail(ctx.version, queries.client_sessions, ctx.scope, ctx.as_of, client_id)
    if sessions.empty:
        st.info("No sessions yet.")
        return
    counts = sessions["status"].value_counts()
    st.caption(" · ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items()))
    st.plotly_chart(session_timeline(sessions), config={"displayModeBar": False}, key="session_timeline")


def goals_and_homework(ctx: PageContext, client_id: str) -> None:
    goals = data.client_detail(ctx.version, queries.client_goals, ctx.scope, ctx.as_of, client_id)
    homework = data.client_detail(ctx.version, queries.client_homework, ctx.scope, ctx.as_of, client_id)
    left, right = st.columns(2)
    with left:
        section("Goals", goals, "No goals recorded.", lambda g: st.dataframe(
            g[["description", "status", "first_rating", "latest_rating", "ratings"]], hide_index=True,
            column_config={"description": st.column_config.TextColumn("Goal", width="large"), "status": "Status",
                           "first_rating": "First rating", "latest_rating": "Latest rating", "ratings": "Ratings"}))
    with right:
        section("Homework", homework, "No homework assigned.", lambda h: st.dataframe(
            h[["assigned_at", "category", "status", "due_at", "quality"]], hide_index=True,
            column_config={"assigned_at": st.column_config.DateColumn("Assigned", format="YYYY-MM-DD"),
                           "due_at": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
                           "category": "Category", "status": "Status", "quality": "Quality"}))


def flags_and_wins(ctx: PageContext, client_id: str) -> None:
    mine = data.client_rows(ctx.version, queries.active_flags, ctx.scope, ctx.as_of, client_id)
    reviews = reviews_for(get_runtime().state, [client_id])
    wins = merged(ctx.version, ctx.user.username, ctx.scope, ctx.scope, datetime(1900, 1, 1),
                  datetime.combine(max(ctx.as_of, ctx.today) + timedelta(days=1), time()), client_id)
    left, right = st.columns(2)
    with left:
        st.subheader("Flags")
        if mine.empty:
            st.caption("No active flags.")
        else:
            st.dataframe(mine[["flag", "severity", "since", "reason"]], hide_index=True,
                         column_config={"since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
                                        "reason": st.column_config.TextColumn("Reason", width="large")})
        if not reviews.empty:
            st.caption("Review history")
            st.dataframe(reviews[["reviewed_at", "reviewed_by", "flag", "action", "note", "snooze_until"]],
                         hide_index=True)
    with right:
        st.subheader("Wins")
        if wins.empty:
            st.caption("No wins linked to this client yet.")
        for win in wins.itertuples(index=False):
            st.markdown(f"**{str(win.category).replace('_', ' ').capitalize()}** · {win.posted_at:%Y-%m-%d}")
            st.text(win.text)
