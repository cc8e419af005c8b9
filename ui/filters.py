"""The scope and as-of filters every clinical page starts from.

The user's scope (design §6) comes from the query layer; the filters can only
narrow it. The result is a :class:`PageContext` of plain values that the
cached data functions take as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import pandas as pd
import streamlit as st

from pipelines.appstate.users import User
from ui import data
from ui.runtime import audited


def staff_names(staff: pd.DataFrame) -> dict[str, str]:
    """clinician_id -> display name, built once (pages look names up for thousands of rows).

    Two clinicians with the same name are told apart by their clinician_id ("Sam Lee (T014)"):
    charts group and label by name, and one label must not stand for two people."""
    names = staff["name"].astype(str)
    shared = names.duplicated(keep=False).to_numpy()
    labels = [f"{n} ({c})" if dup else n for n, c, dup in zip(names, staff["clinician_id"], shared, strict=True)]
    return dict(zip(staff["clinician_id"], labels, strict=True))


@dataclass(frozen=True)
class PageContext:
    user: User
    version: str
    scope: tuple[str, ...]  # after the filters: always within the user's scope
    full_scope: tuple[str, ...]  # the user's whole scope
    as_of: date
    staff: pd.DataFrame  # the staff in the user's scope (names for labels)
    today: date  # the practice's today (ui.data.today): the demo's own day on demo data

    @cached_property
    def _names(self) -> dict[str, str]:
        return staff_names(self.staff)

    def clinician_name(self, clinician_id: str) -> str:
        """A clinician's display name (a dict lookup: pages map it over thousands of rows)."""
        return self._names.get(clinician_id, str(clinician_id))


def page_context(user: User, page: str, key: str, narrow: bool = True) -> PageContext | None:
    """Render the filters (team, clinician, as-of) and audit the view. None when there is no data."""
    version = data.data_version()
    if not version:
        st.info("No data yet. A practice manager loads exports with `python -m pipelines ingest PATH`.")
        return None
    full_scope = data.user_scope(version, user.role, user.clinician_id)
    if not full_scope:
        st.info(
            "Your account is not linked to any clinician in the imported data, so there is nothing to show. "
            "A practice manager can link it with `python -m pipelines users add … --clinician-id`."
        )
        return None
    staff = data.staff(version, full_scope)
    scope = full_scope
    default_as_of = data.default_as_of(version)
    cols = st.columns([1, 2, 1]) if narrow and len(full_scope) > 1 else st.columns([3, 1])
    if narrow and len(full_scope) > 1:
        teams = sorted(t for t in staff["team"].dropna().unique())
        with cols[0]:
            team = st.selectbox("Team", ["All teams", *teams], key=f"{key}_team")
        pool = staff if team == "All teams" else staff[staff["team"] == team]
        names = staff_names(staff)
        with cols[1]:
            picked = st.multiselect(
                "Clinicians",
                pool["clinician_id"].tolist(),
                format_func=lambda cid: f"{names[cid]} ({cid})" if cid in names else cid,
                placeholder="Everyone in your scope" if team == "All teams" else f"Everyone in {team}",
                key=f"{key}_clinicians",
            )
        chosen = picked or pool["clinician_id"].tolist()
        scope = tuple(sorted(set(chosen) & set(full_scope)))  # filters only ever narrow the scope
    with cols[-1]:
        today = data.today(version)
        as_of = st.date_input("As of", value=default_as_of, max_value=max(default_as_of, today),
                              key=f"{key}_as_of", format="YYYY-MM-DD")
    record_view(user, page, scope=list(scope), as_of=as_of.isoformat())
    return PageContext(user, version, scope, full_scope, as_of, staff, today)


def record_view(user: User, page: str, action: str = "view", **detail) -> None:
    """Audit a page view once per page, scope and filters in this browser tab (not on every rerun)."""
    marker = repr((page, sorted(detail.items())))
    if st.session_state.get(f"momentum_audited_{page}") == marker:
        return
    audited(user.username, action, page=page, **detail)
    st.session_state[f"momentum_audited_{page}"] = marker
