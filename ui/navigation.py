"""The pages each role sees (design §6). Every page still checks the user itself."""

from __future__ import annotations

import streamlit as st

from pipelines.appstate.users import User


def pages_for(user: User) -> list:
    pages = [
        st.Page("pages/caseload.py", title="Caseload momentum", icon=":material/trending_up:", default=True),
        st.Page("pages/client.py", title="Client view", icon=":material/person:"),
        st.Page("pages/flags.py", title="Stalled-progress flags", icon=":material/flag:"),
        st.Page("pages/homework.py", title="Homework", icon=":material/assignment:"),
        st.Page("pages/wins.py", title="Wins board", icon=":material/celebration:"),
        st.Page("pages/consultation.py", title="Peer consultation", icon=":material/groups:"),
        st.Page("pages/workload.py", title="Workload", icon=":material/monitor_heart:"),
        st.Page("pages/clinician_outcomes.py", title="Clinician outcomes", icon=":material/insights:"),
        st.Page("pages/data_status.py", title="Data status", icon=":material/database:"),
    ]
    if user.role in ("clinician", "supervisor"):  # supervisors are clinicians too; the pulse is their own
        pages.insert(6, st.Page("pages/pulse.py", title="Wellbeing pulse", icon=":material/favorite:"))
    if user.role in ("supervisor", "manager"):  # preparing supervision: after the flags
        pages.insert(3, st.Page("pages/supervision.py", title="Supervision prep", icon=":material/checklist:"))
    if user.role in ("supervisor", "manager"):  # design §6: supervisors run meeting mode
        pages.append(st.Page("pages/meeting.py", title="Meeting mode", icon=":material/co_present:"))
    if user.role == "manager":
        pages.append(st.Page("pages/audit_log.py", title="Audit log", icon=":material/policy:"))
    pages.append(st.Page("pages/definitions.py", title="Definitions", icon=":material/menu_book:"))
    return pages
