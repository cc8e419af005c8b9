"""One way to show dates, times and missing values on every page.

Dates are ISO (2026-11-20): the one format Streamlit's date pickers and tables share, and
unambiguous in every locale. Times are the practice's local time (MOMENTUM_TIMEZONE),
stated once, in the sidebar's freshness line; audit and load times are UTC and say so.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from pipelines.settings import setting

DATE_FORMAT = "YYYY-MM-DD"  # st.column_config.DateColumn and st.date_input (which takes only Y/M/D orders)
DATETIME_FORMAT = "YYYY-MM-DD HH:mm"  # st.column_config.DatetimeColumn
MISSING = "–"


def show_date(value: date | datetime | str | None) -> str:
    """2026-11-20; "–" when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def show_datetime(value: datetime | str | None) -> str:
    """2026-11-20 14:05; "–" when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def as_text(frame: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """``frame`` with each column of ``formats`` written as text with its format ("{:.0f}", "{:.0%}"), and
    "–" where a value is missing, so a table never shows "None" (for small tables: text sorts as text)."""
    out = frame.copy()
    for column, fmt in formats.items():
        out[column] = [MISSING if v is None or (not isinstance(v, str) and pd.isna(v)) else fmt.format(v)
                       for v in out[column]]
    return out


def or_missing(values: pd.Series) -> pd.Series:
    """A text column with "–" for a missing value."""
    return values.astype(object).where(values.notna(), MISSING)


def practice_time_zone() -> str:
    return setting("MOMENTUM_TIMEZONE")
