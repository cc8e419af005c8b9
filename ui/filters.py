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
from ui.auth import cookie_confirmed_this_run
from ui.formats import DATE_FORMAT
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


FILTERS = "momentum_filters"  # the team, clinicians and as-of every clinical page shares (session state)
ALL_TEAMS = "All teams"


def _url_list(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _seed(widget_key: str, value, force: bool = False) -> None:
    """Give a filter widget its starting value when this page first draws it: from the URL when the link
    carries one, else from the filters the user set on another page. ``force``: a link from outside
    decides even over a value the widget already has (see _from_outside)."""
    if force or widget_key not in st.session_state:
        st.session_state[widget_key] = value


AUDITED_VALUES = 10  # of a refused link: at most this many values, each cut to AUDITED_CHARS
AUDITED_CHARS = 16


REFUSED = "momentum_link_refused"  # session state: the page whose link was refused (said until the user leaves it)


def _refused(user: User, page: str, what: str, values: list[str]) -> None:
    """A link that asks for more than the user's scope: refused, audited once, and said (by
    :func:`_say_refused`) without naming what was asked for (its existence is not confirmed). A link is
    anyone's text: the audit keeps a few values, cut short, and their count - never a whole URL's worth of
    whatever was typed into it. The refused part leaves the URL at once, so the warning is kept for the
    rest of this page's view: a rerun that follows (the sign-in cookie reporting back, say) must not take
    it away before the user has read it."""
    audited(user.username, "filter_refused", page=page, what=what, count=len(values),
            values=[str(v)[:AUDITED_CHARS] for v in values[:AUDITED_VALUES]])
    st.session_state[REFUSED] = page


def _say_refused(page: str) -> None:
    if st.session_state.get(REFUSED) == page:
        st.warning("This link asked for clinicians or a team outside your scope. Those were left out; "
                   "you see only your own scope.", icon=":material/block:")


URL_WRITTEN = "momentum_url_written"  # session state: what the filters last wrote into the URL, by name


def _to_url(name: str, value: str | None) -> None:
    st.session_state.setdefault(URL_WRITTEN, {})[name] = value or ""
    if value:
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def _from_outside(name: str) -> bool:
    """Does the URL carry a filter the filters did not write there themselves (a shared link, a bookmark, the
    browser's back button)? Then the link decides, even over a filter already drawn in this session: a rerun
    that drew the filter before the link's values reached it must not leave the view wider than the link."""
    url = st.query_params
    return name in url and url.get(name) != st.session_state.get(URL_WRITTEN, {}).get(name)


def page_context(user: User, page: str, key: str, narrow: bool = True) -> PageContext | None:
    """Render the filters (team, clinicians, as-of) and audit the view. None when there is no data.

    The filters follow the user from page to page (session state) and are mirrored into the URL
    (``?team=…&clinicians=T001,T002&as_of=2026-11-01``), so a filtered view can be bookmarked and shared.
    A URL can only narrow the user's scope: anything outside it is refused and audited."""
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
    if st.session_state.get(REFUSED) not in (None, page):  # said on the page the link opened, not after
        del st.session_state[REFUSED]
    shared = st.session_state.setdefault(FILTERS, {})
    # the run the sign-in cookie's report started comes right after sign-in, and the widget values it brings
    # can be the browser's defaults rather than what the server had just set (a shared link's filter): that
    # one run draws each filter again as the run before drew it (``shared``); the user has not touched them
    redraw = cookie_confirmed_this_run()
    url = st.query_params
    scope = full_scope
    default_as_of = data.default_as_of(version)
    today = data.today(version)
    latest = max(default_as_of, today)
    cols = st.columns([1, 2, 1]) if narrow and len(full_scope) > 1 else st.columns([3, 1])
    if narrow and len(full_scope) > 1:
        teams = sorted(t for t in staff["team"].dropna().unique())
        team_link = _from_outside("team")
        if f"{key}_team" not in st.session_state or team_link:
            team = url.get("team", shared.get("team", ALL_TEAMS))
            if team not in (ALL_TEAMS, *teams):
                _refused(user, page, "team", [str(team)])
                team = ALL_TEAMS
            _seed(f"{key}_team", team, force=team_link)
        elif "team" in shared:
            _seed(f"{key}_team", shared["team"], force=redraw)
        with cols[0]:
            team = st.selectbox("Team", [ALL_TEAMS, *teams], key=f"{key}_team")
        pool = staff if team == ALL_TEAMS else staff[staff["team"] == team]
        names = staff_names(staff)
        clinicians_link = _from_outside("clinicians") or team_link
        if f"{key}_clinicians" not in st.session_state or clinicians_link:
            wanted = _url_list(url.get("clinicians")) if "clinicians" in url else list(shared.get("clinicians", []))
            outside = [c for c in wanted if c not in full_scope]
            if outside:
                _refused(user, page, "clinicians", outside)
            _seed(f"{key}_clinicians", [c for c in wanted if c in set(pool["clinician_id"])], force=clinicians_link)
        elif "clinicians" in shared:
            _seed(f"{key}_clinicians", [c for c in shared["clinicians"] if c in set(pool["clinician_id"])], force=redraw)
        with cols[1]:
            picked = st.multiselect(
                "Clinicians",
                pool["clinician_id"].tolist(),
                format_func=lambda cid: f"{names[cid]} ({cid})" if cid in names else cid,
                placeholder="Everyone in your scope" if team == ALL_TEAMS else f"Everyone in {team}",
                key=f"{key}_clinicians",
            )
        chosen = picked or pool["clinician_id"].tolist()
        scope = data.scope_ids(sorted(set(chosen) & set(full_scope)))  # filters only ever narrow the scope
        shared.update(team=team, clinicians=list(picked))
        _to_url("team", None if team == ALL_TEAMS else team)
        _to_url("clinicians", ",".join(picked))
    else:  # one clinician's scope (or a page without the filters): a link can only ask for more
        outside = [c for c in _url_list(url.get("clinicians")) if c not in full_scope]
        if outside:
            _refused(user, page, "clinicians", outside)
        team = url.get("team")
        if team and team not in set(staff["team"].dropna()):
            _refused(user, page, "team", [str(team)])
        for name in ("clinicians", "team"):
            _to_url(name, None)
    if f"{key}_as_of" not in st.session_state:
        _seed(f"{key}_as_of", _as_of_from(url.get("as_of"), shared.get("as_of"), default_as_of, latest))
    elif "as_of" in shared:
        _seed(f"{key}_as_of", shared["as_of"], force=redraw)
    with cols[-1]:
        as_of = st.date_input("As of", max_value=latest, key=f"{key}_as_of", format=DATE_FORMAT)
    shared["as_of"] = as_of
    _to_url("as_of", None if as_of == default_as_of else as_of.isoformat())
    _say_refused(page)
    record_view(user, page, scope=list(scope), as_of=as_of.isoformat())
    return PageContext(user, version, scope, full_scope, as_of, staff, today)


def _as_of_from(from_url: str | None, from_session: date | None, default: date, latest: date) -> date:
    if from_url:
        try:
            wanted = date.fromisoformat(from_url)
        except ValueError:
            st.warning(f"The link's as-of date is not a date (use YYYY-MM-DD); showing {default:%Y-%m-%d}.",
                       icon=":material/event_busy:")
            return default
        if wanted > latest:
            st.warning(f"The link's as-of date is after {latest:%Y-%m-%d}, the latest there is data for; "
                       f"showing {default:%Y-%m-%d}.", icon=":material/event_busy:")
            return default
        return wanted
    return from_session if isinstance(from_session, date) and from_session <= latest else default


def record_view(user: User, page: str, action: str = "view", **detail) -> None:
    """Audit a page view once per page, scope and filters in this browser tab (not on every rerun)."""
    marker = repr((page, sorted(detail.items())))
    if st.session_state.get(f"momentum_audited_{page}") == marker:
        return
    audited(user.username, action, page=page, **detail)
    st.session_state[f"momentum_audited_{page}"] = marker
