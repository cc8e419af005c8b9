"""How old the data is, on every page: "Data through 2026-11-20 · 14 days old · loaded …".

It turns amber once the latest session in the data is more than MOMENTUM_STALE_DAYS before
the practice's today: every number on the page is only as fresh as the last ingest.
"""

from __future__ import annotations

import streamlit as st

from pipelines.settings import setting
from ui import data
from ui.formats import practice_time_zone, show_date, show_datetime


def stale_after_days() -> int:
    try:
        return max(0, int(setting("MOMENTUM_STALE_DAYS")))
    except ValueError:
        return 7


def freshness_text(version: str) -> tuple[str, bool]:
    """The line, and whether it is stale. Empty when there is no data."""
    through, loaded = data.freshness(version)
    if through is None:
        return "", False
    age = (data.today(version) - through).days
    old = "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} old" if age > 0 else "ahead of today"
    text = f"Data through **{show_date(through)}** · {old}"
    if loaded is not None:
        text += f" · loaded {show_datetime(loaded)} UTC"
    text += f" · times in practice time ({practice_time_zone()})"
    return text, age > stale_after_days()


def freshness_indicator() -> None:
    """The sidebar line; amber, with what to do, when the data is stale."""
    version = data.data_version()
    if not version:
        return
    text, stale = freshness_text(version)
    if not text:
        return
    with st.sidebar:
        if stale:
            st.warning(f"{text}. No session in the data for over {stale_after_days()} days: unless the practice "
                       "was closed, the latest exports have not been loaded, and every page is as of that date.",
                       icon=":material/schedule:")
        else:
            st.caption(f":material/schedule: {text}")
