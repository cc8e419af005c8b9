"""Shared page furniture: the demo banner and the signed-in user's sidebar."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from pipelines.appstate.users import User
from ui.plain_text import plain_md
from ui.runtime import get_runtime

__all__ = ["CLINICIAN_BARS", "TABLE_ROWS", "demo_banner", "empty_state", "first_rows", "first_rows_note", "plain_md", "section", "sidebar_user"]

# the long tables (the caseload's clients, the flag queue) show this many rows, in their order (the most urgent
# first): a whole large practice's hundreds of thousands would take seconds to build and send, and nobody scrolls
# them; the team and clinician filters narrow the selection to see the rest
TABLE_ROWS = 1000
# a chart with a bar per clinician draws at most this many, the ones most in need first ("By clinician" on the
# homework page, "Momentum by clinician" on the caseload): a whole large practice's thousands of clinicians make
# a chart nobody can read, and take seconds to build; the team and clinician filters show the others
CLINICIAN_BARS = 25


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


def first_rows(frame: pd.DataFrame, by: list[str] | None = None, ascending: bool | list[bool] = True
               ) -> pd.DataFrame:
    """The rows a long table shows: its first TABLE_ROWS, in its order, or sorted ``by`` (as sort_values sorts).
    Sorted, only the sort keys are sorted and only the shown rows taken: a whole frame sorted takes every
    column of every row (a large practice's 341,225 clients: a fifth of a second)."""
    if by is None:
        return frame.head(TABLE_ROWS)
    order = frame[by].reset_index(drop=True).sort_values(by, ascending=ascending).index[:TABLE_ROWS]
    return frame.iloc[order]


def first_rows_note(total: int, noun: str) -> None:
    """Under a table cut to its first TABLE_ROWS rows: how many there are, and how to see the rest."""
    if total > TABLE_ROWS:
        st.caption(f"The first {TABLE_ROWS:,} of {total:,} {noun}, in this order. Choose a team or clinicians "
                   "above to see the rest of theirs.")
