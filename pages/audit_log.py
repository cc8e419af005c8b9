"""Audit log (managers): whether the hash chain holds, the latest entries, and the users."""

import streamlit as st

from ui.auth import require_user
from ui.filters import record_view
from ui.layout import demo_banner
from ui.views.audit_log import chain_status, recent_entries, user_list

user = require_user(roles=("manager",))

demo_banner()
st.header("Audit log")
record_view(user, "audit_log")
chain_status()
recent_entries()
user_list()
