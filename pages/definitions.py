"""Definitions: every number's definition and every code's meaning, as docs/clinical-definitions.md states them."""

import streamlit as st

from ui.auth import require_user
from ui.definitions import definitions_page
from ui.filters import record_view

user = require_user()

st.header("Definitions")
st.caption("How every number, flag and category is defined, with the published source of each threshold.")
record_view(user, "definitions")
definitions_page()
