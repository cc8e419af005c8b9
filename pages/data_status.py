"""Data status: rows per table for everyone; the load ledger and rejected rows for managers."""

import streamlit as st

from ui.auth import require_user
from ui.data import ledger_view, row_counts_view
from ui.layout import demo_banner

user = require_user()

demo_banner()
st.header("Data status")
row_counts_view()
if user.role == "manager":
    ledger_view(user)
else:
    st.caption("The load history and rejected rows are visible to practice managers.")
