"""Shared page furniture: the demo banner and the signed-in user's sidebar."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from pipelines.appstate.users import User
from ui.plain_text import plain_md
from ui.runtime import get_runtime

__all__ = ["demo_banner", "empty_state", "plain_md", "section", "sidebar_user"]


def demo_banner() -> None:
    if get_runtime().is_demo():
        st.warning(
            "**Demo data** - a synthetic practice generated from a fixed seed. No real clients.",
            icon=":material/science:",
        )


def sidebar_user(user: User, on_sign_out) -> None:
    """The signed-in user in the sidebar, and the sign-out button (its callback runs before the next run)."""
    with st.sidebar:
        st.caption("Signed in as")
        st.text(f"{user.display_name}\n{user.role}")
        st.button("Sign out", on_click=on_sign_out, key="sign_out", icon=":material/logout:")


def empty_state(message: str) -> None:
    st.info(message, icon=":material/info:")


def section(title: str, frame: pd.DataFrame, empty_text: str, show: Callable[[pd.DataFrame], None]) -> None:
    """A subheader, then ``show(frame)``, or a one-line empty state when there is nothing to show."""
    st.subheader(title)
    if frame.empty:
        st.caption(empty_text)
    else:
        show(frame)
