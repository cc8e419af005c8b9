"""The download button of every export: the file is made on the click, for this live session only,
tied to it and audited (ui/exports.py says how a file is served and when it is refused)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.auth import SESSION_ID_KEY, current_user
from ui.exports import install, maker
from ui.runtime import get_runtime


def export_button(container, label: str, make: Callable[[], str | bytes], *, file_name: str, mime: str,
                  detail: dict[str, Any], key: str, icon: str = ":material/download:") -> None:
    """A download button whose file is made on the click, for this live session only (see above)."""
    user = current_user()
    if user is None:
        return
    state = get_runtime().state
    install(state)
    container.download_button(label, data=maker(state, user.username, st.session_state.get(SESSION_ID_KEY), make,
                                                file_name, detail),
                              file_name=file_name, mime=mime, key=key, icon=icon, on_click="ignore")
