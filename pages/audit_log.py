"""Audit log (managers): whether the hash chain holds, the latest entries, and the users."""

import streamlit as st

from ui.audit_view import chain_status, recent_entries, user_list
from ui.auth import require_user
from ui.filters import audit_view
from ui.layout import demo_banner

user = require_user(roles=("manager",))

demo_banner()
st.header("Audit log")
audit_view(user, "audit_log")
chain_status()
recent_entries()
user_list()
