"""The audit-log page's parts (managers only): chain check, recent entries, users."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from pipelines.appstate import audit
from pipelines.appstate.users import list_users
from ui.runtime import get_runtime

ACTIONS_SHOWN = 500


def chain_status() -> None:
    ok, first_bad, checked = audit.verify(get_runtime().state)
    if ok:
        st.success(f"The hash chain holds: {checked:,} entries checked, none changed or removed.",
                   icon=":material/verified:")
    else:
        st.error(f"The hash chain is broken at entry {first_bad}: an entry was changed or removed "
                 f"({checked:,} entries checked).", icon=":material/gpp_bad:")


def recent_entries() -> None:
    st.subheader("Latest entries")
    entries = pd.DataFrame(audit.recent(get_runtime().state, ACTIONS_SHOWN))
    if entries.empty:
        st.info("No entries yet.")
        return
    actions = sorted(entries["action"].unique())
    picked = st.multiselect("Actions", actions, placeholder="All actions", key="audit_actions")
    if picked:
        entries = entries[entries["action"].isin(picked)]
    entries["detail"] = entries["detail"].map(_compact)
    st.dataframe(entries, hide_index=True, column_config={
        "seq": "#", "at": "When (UTC)", "actor": "Who", "action": "Action",
        "detail": st.column_config.TextColumn("Detail", width="large")})


def _compact(detail: str) -> str:
    try:
        return ", ".join(f"{k}={v}" for k, v in json.loads(detail).items() if k != "files")
    except (ValueError, AttributeError):
        return str(detail)


def user_list() -> None:
    st.subheader("Users")
    users = pd.DataFrame([u.__dict__ for u in list_users(get_runtime().state)])
    st.dataframe(users, hide_index=True, column_config={
        "username": "User", "display_name": "Name", "role": "Role", "clinician_id": "Clinician",
        "active": "Active", "is_demo": "Demo account"})
    st.caption("Manage users with `python -m pipelines users add|disable|enable|reset-password|list`.")
