"""Data: rows and freshness per table for everyone; for managers, upload, the load ledger and rejected rows."""

import streamlit as st

from ui.auth import require_user
from ui.filters import record_view
from ui.layout import demo_banner
from ui.views.data_status import definitions, ledger_view, map_columns, row_counts_view, upload

user = require_user()
record_view(user, "data_status", scope="all" if user.role == "manager" else "row counts")

demo_banner()
st.header("Data status")
row_counts_view()
if user.role == "manager":
    upload(user)
    map_columns(user)
    ledger_view(user)
else:
    st.caption("The load history and rejected rows are visible to practice managers.")
definitions()
