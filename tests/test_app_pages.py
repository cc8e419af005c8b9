"""Every page through Streamlit's AppTest, signed in as each role and not at all."""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.appstate import audit, consultations
from pipelines.appstate import auth_sessions as sessions
from pipelines.appstate.db import AppState
from pipelines.appstate.flag_reviews import reviews_for
from pipelines.appstate.users import DEMO_PASSWORD, add_user, get_user, set_active
from pipelines.demo import SAMPLE_AS_OF
from pipelines.ingest.load import ingest
from pipelines.models import queries
from pipelines.settings import paths
from tests.apptest import app as _app
from tests.apptest import app_rows as _app_rows
from tests.apptest import button as _button
from tests.apptest import frame
from tests.apptest import open_page as _open
from tests.apptest import post_win as _post
from tests.apptest import shown as _shown
from tests.apptest import sign_in as _sign_in
from tests.conftest import BASE, REPO

APP = str(REPO / "app.py")


def test_sign_in_form_shows_no_data(demo_db):
    at = _app()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert len(at.dataframe) == 0 and len(at.header) == 0
    assert "momentum-demo" in at.info[0].value


PAGES = ["pages/caseload.py", "pages/client.py", "pages/flags.py", "pages/homework.py", "pages/wins.py",
         "pages/consultation.py", "pages/workload.py", "pages/clinician_outcomes.py",
         "pages/data_status.py", "pages/definitions.py"]
ROLES = ["manager", "supervisor", "clinician"]


def _expected_clients(demo_db, role: str) -> set[str]:
    """The active clients the role's scope holds, straight from the query layer."""
    state = AppState(demo_db.app_db)
    user = get_user(state, role)
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        cur = con.cursor()
        scope = queries.scope_for(cur, user.role, user.clinician_id)
        return set(queries.client_momentum(cur, scope, queries.default_as_of(cur))["client_id"])
    finally:
        con.close()


def test_manager_lands_on_the_caseload_with_demo_banner(demo_db):
    at = _sign_in("manager")
    assert [h.value for h in at.header] == ["Caseload momentum"]
    assert any("Demo data" in w.value for w in at.warning)
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["Active clients", "Building momentum", "Stalled", "Slipping"]
    assert "Open flags" in labels and "Recovery" in labels
    assert at.date_input(key="caseload_as_of").value == SAMPLE_AS_OF  # the sample's last day, whatever today is
    actions = [e["action"] for e in audit.recent(AppState(demo_db.app_db))]
    assert "login" in actions and "view" in actions


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_their_scope(demo_db, role):
    at = _sign_in(role)
    attending, lost = frame(at, "caseload_table"), frame(at, "lost_contact_table")
    shown = set(attending["client_id"]) | (set() if lost is None else set(lost["client_id"]))
    expected = _expected_clients(demo_db, role)
    assert expected and shown == expected
    assert lost is None or not set(lost["client_id"]) & set(attending["client_id"])
    assert int(at.metric[0].value.replace(",", "")) == len(expected)


def test_the_caseload_opens_on_risk_then_deterioration_then_not_on_track(demo_db):
    at = _sign_in("supervisor")
    assert [s.value for s in at.subheader][:2] == ["Needs attention", "Clients"]
    everyone = frame(at, "attention_all")
    order = {"🆘 Risk item": 0, "📉 Reliably worse": 1, "🧭 Not on track": 2}
    ranks = everyone["what"].map(order)
    assert ranks.notna().all() and ranks.is_monotonic_increasing and ranks.iloc[0] == 0
    for _, part in everyone.groupby(ranks):
        assert pd.to_datetime(part["since"]).is_monotonic_decreasing  # newest first within each kind
    assert len(frame(at, "attention_table")) == 8
    # clients still attending come first; those not seen for 56+ days are listed apart, not at the top
    attending, lost = frame(at, "caseload_table"), frame(at, "lost_contact_table")
    assert attending["days_since_attended"].max() < 56 <= lost["days_since_attended"].min()
    assert attending["shown_momentum_label"].iloc[0] == "🟠 Slipping"
    assert attending["change_status_label"].iloc[0] == "⬇️ Reliably worse"



def test_a_large_caseload_shows_its_first_rows_in_the_same_order_and_says_so(demo_db, monkeypatch):
    """A whole large practice's client tables show their first TABLE_ROWS rows (here the demo with the limit
    lowered): the same clients, in the same order, as the top of the full table, and a caption that says so."""
    import ui.layout

    at = _sign_in("manager")
    attending, lost = frame(at, "caseload_table"), frame(at, "lost_contact_table")
    attention = frame(at, "attention_all")
    assert not any("clients, in this order" in c.value for c in at.caption)
    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 5)
    at = _sign_in("manager")
    first, first_lost = frame(at, "caseload_table"), frame(at, "lost_contact_table")
    assert frame(at, "attention_all").equals(attention.head(5))
    assert f"The first 5 of {len(attention):,} flags, in this order." in " ".join(c.value for c in at.caption)
    assert list(first["client_id"]) == list(attending["client_id"].head(5))
    assert list(first_lost["client_id"]) == list(lost["client_id"].head(5))
    assert first.drop(columns="primary_scores").equals(attending.drop(columns="primary_scores").head(5))
    said = [c.value for c in at.caption if "clients, in this order" in c.value]
    assert said == [f"The first 5 of {len(attending):,} clients, in this order. Choose a team or clinicians above "
                    "to see the rest of theirs.",
                    f"The first 5 of {len(lost):,} clients, in this order. Choose a team or clinicians above "
                    "to see the rest of theirs."]


def test_every_page_says_how_old_the_data_is_and_turns_amber_when_stale(demo_db, monkeypatch):
    at = _sign_in("clinician")  # app.py draws the sidebar around every page
    line = [c.value for c in at.sidebar.caption if "Data through" in c.value]
    # the sample's last session is on Friday 2026-11-20; the demo's today is its last day, Sunday 2026-11-22
    assert line and "**2026-11-20** · 2 days old · loaded " in line[0] and "(UTC)" in line[0]
    assert not [w for w in at.sidebar.warning if "Data through" in w.value]
    monkeypatch.setenv("MOMENTUM_TODAY", "2026-12-04")  # twelve days on, no new exports
    at = _sign_in("clinician")
    stale = [w.value for w in at.sidebar if type(w).__name__ == "Warning" and "Data through" in w.value]
    assert stale and "14 days old" in stale[0] and "for over 7 days" in stale[0]


def test_scopes_nest_and_a_clinician_sees_only_their_own_clients(demo_db):
    manager, supervisor, clinician = (_expected_clients(demo_db, r) for r in ROLES)
    assert clinician < supervisor < manager
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        owners = {r[0] for r in con.execute(
            "SELECT DISTINCT clinician_id FROM clients WHERE list_contains($ids, client_id)",
            {"ids": sorted(clinician)}).fetchall()}
    finally:
        con.close()
    assert owners == {get_user(AppState(demo_db.app_db), "clinician").clinician_id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_for_every_role(demo_db, role, page):
    at = _open(_sign_in(role), page)
    assert len(at.header) == 1
    assert not at.error, [e.value for e in at.error]


def test_clinician_cannot_open_another_clinicians_client(demo_db):
    own = _expected_clients(demo_db, "clinician")
    other = sorted(_expected_clients(demo_db, "manager") - own)[0]
    at = _sign_in("clinician")
    at.query_params["client"] = other
    _open(at, "pages/client.py")
    assert any("not in your caseload" in w.value for w in at.warning)
    assert at.selectbox(key="client_pick").value in own  # falls back to one of their own clients
    assert other not in str([m.value for m in at.metric])
    entry = audit.recent(AppState(demo_db.app_db), 5)
    assert any(e["action"] == "client_view_refused" and other in e["detail"] for e in entry)


def test_client_view_shows_trajectories_and_timeline(demo_db):
    at = _sign_in("supervisor")
    client = sorted(_expected_clients(demo_db, "supervisor"))[0]
    at.query_params["client"] = client
    _open(at, "pages/client.py")
    assert at.metric[0].value == client
    assert {s.value for s in at.subheader} >= {"Outcome trajectories", "Sessions", "Goals", "Homework", "Flags", "Wins"}
    assert len(at.tabs) >= 1
    entry = audit.recent(AppState(demo_db.app_db), 5)
    assert any(e["action"] == "client_view" and client in e["detail"] for e in entry)


def test_a_trajectory_can_be_drawn_against_the_session_number(demo_db):
    at = _sign_in("supervisor")
    at.query_params["client"] = sorted(_expected_clients(demo_db, "supervisor"))[0]
    _open(at, "pages/client.py")

    def scores_x() -> list:
        chart = json.loads(next(c for c in at.get("plotly_chart") if "trajectory_" in c.proto.id).proto.spec)
        x = next(t for t in chart["data"] if t.get("mode") == "lines+markers")["x"]
        if isinstance(x, dict):  # plotly's typed array: {"dtype": "i1", "bdata": base64}
            import base64

            import numpy as np
            return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
        return x

    assert str(scores_x()[0]).startswith("20")  # dates by default
    control = next(w for w in at.get("button_group") if "trajectory_x_" in w.proto.id)
    control.set_value("Session number").run()
    assert not at.exception
    xs = scores_x()
    assert all(isinstance(v, int) for v in xs) and xs == sorted(xs) and xs[-1] >= 1


def test_flag_review_round_trip(demo_db):
    at = _open(_sign_in("supervisor"), "pages/flags.py")
    risk, queue = frame(at, "risk_table"), frame(at, "queue_table")
    # risk items in their own block first; the rest newest first (a flag raised this week is not buried)
    assert len(risk) > 0 and set(risk["flag_shown"]) == {"🆘 Risk item"}
    assert "🆘 Risk item" not in set(queue["flag_shown"])
    assert pd.to_datetime(queue["since"]).is_monotonic_decreasing
    assert set(queue["severity_shown"]) <= {"🛑 High", "⚠️ Medium", "ℹ️ Low"}
    picked = at.selectbox(key="review_pick")
    label = picked.format_func(picked.value) if callable(getattr(picked, "format_func", None)) else str(picked.value)
    client_id = risk.iloc[0]["client_id"]
    at.radio[1].set_value("acknowledge")
    at.text_area[0].input("Raise in Thursday supervision")
    at.button(key="FormSubmitter:review_form-Save review").click().run()
    assert not at.exception, at.exception
    reviews = reviews_for(AppState(demo_db.app_db), [client_id])
    assert list(reviews["action"]) == ["acknowledge"] and reviews["reviewed_by"].iloc[0] == "supervisor"
    assert reviews["note"].iloc[0] == "Raise in Thursday supervision"
    assert len(frame(at, "risk_table")) == len(risk) - 1  # acknowledged: no longer "needs review"
    assert "flag_review" in [e["action"] for e in audit.recent(AppState(demo_db.app_db), 5)]
    assert label



def test_a_long_flag_queue_shows_its_first_rows_in_the_same_order_and_says_so(demo_db, monkeypatch):
    """The flag queue of a large practice shows its first TABLE_ROWS flags (here the demo's with the limit
    lowered), the top of the full queue in its order, with a note; a row picked there opens that very flag."""
    import ui.layout

    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 100_000)  # the demo manager's whole queue (more than 1,000)
    at = _open(_sign_in("manager"), "pages/flags.py")
    at.radio(key="flags_show").set_value("All active flags").run()
    queue = frame(at, "queue_table")
    assert len(queue) > 5 and not any("flags, in this order" in c.value for c in at.caption)
    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 5)
    at = _open(_sign_in("manager"), "pages/flags.py")
    at.radio(key="flags_show").set_value("All active flags").run()
    first = frame(at, "queue_table")
    assert first.equals(queue.head(5))
    assert f"The first 5 of {len(queue):,} flags, in this order." in " ".join(c.value for c in at.caption)


def test_the_flag_under_review_stays_the_same_flag_when_the_queue_changes(demo_db):
    at = _open(_sign_in("supervisor"), "pages/flags.py")
    at.selectbox(key="review_pick").select_index(5).run()
    chosen = at.selectbox(key="review_pick").value
    client, code, _since = chosen.split("|")
    at.radio(key="flags_show").set_value("All active flags").run()  # more rows: the queue's order shifts
    assert at.selectbox(key="review_pick").value == chosen
    at.multiselect(key="flags_code").set_value([code]).run()  # a filter that keeps it
    assert at.selectbox(key="review_pick").value == chosen
    assert any(f"{client} · " in o for o in at.selectbox(key="review_pick").options)
    at.multiselect(key="flags_code").set_value([c for c in ("PLATEAU", "DISENGAGING") if c != code][:1]).run()
    assert at.selectbox(key="review_pick").value != chosen  # filtered out: the form moves to a flag shown


def test_acknowledge_without_a_note_is_refused_with_a_clear_message(demo_db):
    at = _open(_sign_in("clinician"), "pages/flags.py")
    at.radio[1].set_value("acknowledge")
    at.button(key="FormSubmitter:review_form-Save review").click().run()
    assert any("needs a note" in e.value for e in at.error)


def test_supervision_prep_shows_the_top_items_of_one_active_supervisee(demo_db):
    at = _open(_sign_in("supervisor"), "pages/supervision.py")
    pick = at.selectbox(key="prep_for")
    me = get_user(AppState(demo_db.app_db), "supervisor").clinician_id
    assert pick.value is not None and pick.value != me and len(pick.options) >= 1
    heads = [s.value for s in at.subheader]
    assert [h.split(" (")[0].split(" since")[0] for h in heads] == [
        "Flags to discuss", "Momentum changes", "Wins to celebrate"]
    flags, moves, wins = frame(at, "prep_flag"), frame(at, "prep_momentum"), frame(at, "prep_win")
    assert 0 < len(flags) <= 5 and len(moves) <= 5 and len(wins) <= 3
    every = frame(at, "prep_flag_all")
    if every is not None:  # "show all": the first five are the top of the whole list
        assert every.head(len(flags))["item"].tolist() == flags["item"].tolist()
    assert {"Download agenda (CSV)", "Printable agenda (HTML)"} <= {b.label for b in at.get("download_button")} | {
        b.label for b in at.button}


def test_supervision_prep_lists_active_clinical_staff_only_for_a_manager(demo_db):
    at = _open(_sign_in("manager"), "pages/supervision.py")
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        allowed = {r[0] for r in con.execute(
            "SELECT name FROM clinicians WHERE role <> 'manager' AND coalesce(active, true)").fetchall()}
        left_out = {r[0] for r in con.execute(
            "SELECT name FROM clinicians WHERE role = 'manager' OR NOT coalesce(active, true)").fetchall()}
    finally:
        con.close()
    options = set(at.selectbox(key="prep_for").options)  # the names shown
    assert left_out and options and options <= allowed and not options & left_out


def test_clinicians_have_no_supervision_prep(demo_db):
    at = _sign_in("clinician")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/supervision.py")


def test_wrong_password_and_unknown_user_get_the_same_message(demo_db):
    wrong = _sign_in("manager", "not-the-password")
    unknown = _sign_in("nobody-here", "not-the-password")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error] == [
        "Username or password is incorrect."]
    assert len(wrong.header) == 0 and len(unknown.header) == 0


@pytest.mark.parametrize("page", PAGES)
def test_page_run_directly_without_sign_in_shows_nothing(demo_db, page):
    at = AppTest.from_file(str(REPO / page), default_timeout=60)
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["You are not signed in. [Go to the sign-in page](/)"]
    assert len(at.dataframe) == 0 and len(at.header) == 0 and len(at.text_input) == 0


def test_disabling_a_user_ends_their_session(demo_db):
    at = _sign_in("clinician")
    assert [h.value for h in at.header] == ["Caseload momentum"]
    set_active(AppState(demo_db.app_db), "clinician", False)
    at.run()
    assert len(at.dataframe) == 0 and "Caseload momentum" not in [h.value for h in at.header]
    # the page's own guard stops it (or the entry script shows the sign-in form again)
    signed_out = [m.value for m in at.markdown] == ["You are not signed in. [Go to the sign-in page](/)"]
    assert signed_out or [t.label for t in at.text_input] == ["Username", "Password"]
    assert "momentum_user" not in at.session_state


def test_sign_out(demo_db):
    at = _sign_in("manager")
    at.sidebar.button[0].click().run()
    assert "momentum_user" not in at.session_state
    assert len(at.dataframe) == 0 and "Caseload momentum" not in [h.value for h in at.header]
    fresh = _app()  # the next visit gets the sign-in form
    assert [t.label for t in fresh.text_input] == ["Username", "Password"]
    assert "logout" in [e["action"] for e in audit.recent(AppState(demo_db.app_db))]


def test_demo_accounts_refused_once_real_data_is_loaded(demo_db):
    ingest([BASE / "clinicians.csv"], demo_db, audit=False)  # a non-sample file
    at = _sign_in("manager")
    assert [e.value for e in at.error] == ["Username or password is incorrect."]
    assert not any("momentum-demo" in i.value for i in at.info)


def test_weak_cookie_key_stops_the_app(demo_db):
    demo_db.secrets.write_text('cookie_key = "short"\n', encoding="utf-8")
    demo_db.secrets.chmod(0o600)
    at = _app()
    assert any("weak sign-in key" in e.value for e in at.error)
    assert len(at.text_input) == 0


def test_audit_log_page_is_for_managers_only(demo_db):
    at = _open(_sign_in("manager"), "pages/audit_log.py")
    assert any("hash chain holds" in s.value for s in at.success)
    entries = at.dataframe[0].value
    assert {"login", "view"} <= set(entries["action"])
    for role in ("supervisor", "clinician"):
        other = _sign_in(role)
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in their navigation
            other.switch_page("pages/audit_log.py")


def test_manager_data_status_shows_the_ledger(demo_db):
    at = _open(_sign_in("manager"), "pages/data_status.py")
    assert "Load history" in [s.value for s in at.subheader] and "Load exports" in [s.value for s in at.subheader]
    assert len(at.get("file_uploader")) == 2  # load exports; map a new export's columns
    assert any(e.label == "Instruments and thresholds in force" for e in at.expander)
    instruments = next(d.value for d in at.dataframe if "caseness" in d.value.columns).set_index("code")
    assert (instruments.loc["PHQ-9", "caseness"], instruments.loc["ORS", "caseness"]) == ("≥ 10", "< 25")
    counts = at.dataframe[0].value
    assert int(counts.loc[counts["table_name"] == "sessions", "row_count"].iloc[0]) > 0


@pytest.mark.parametrize("role", ["supervisor", "clinician"])
def test_other_roles_see_counts_but_not_the_ledger(demo_db, role):
    at = _open(_sign_in(role), "pages/data_status.py")
    assert "Load history" not in [s.value for s in at.subheader] and len(at.get("file_uploader")) == 0
    assert any("visible to practice managers" in c.value for c in at.caption)


def test_five_failures_lock_the_account_with_the_same_message(demo_db):
    for _ in range(5):
        assert [e.value for e in _sign_in("supervisor", "wrong-password-here").error] == [
            "Username or password is incorrect."]
    locked = _sign_in("supervisor")  # the right password, but locked
    assert [e.value for e in locked.error] == ["Username or password is incorrect."]
    assert "momentum_user" not in locked.session_state
    actions = [e["action"] for e in audit.recent(AppState(demo_db.app_db), 20)]
    assert "lockout" in actions
    assert [h.value for h in _sign_in("manager").header] == ["Caseload momentum"]  # others are not affected


def test_idle_timeout_clears_the_screen(demo_db, monkeypatch):
    at = _sign_in("clinician")
    assert len(at.dataframe) >= 1
    monkeypatch.setenv("MOMENTUM_IDLE_TIMEOUT_S", "0")
    at.run()
    assert "momentum_user" not in at.session_state and len(at.dataframe) == 0
    # app.py shows the sign-in form with this notice; a page run directly shows its own guard
    assert "without activity" in at.session_state["momentum_sign_in_notice"] or any(
        "without activity" in i.value for i in at.info)
    assert "idle" in str(audit.recent(AppState(demo_db.app_db), 3))


def test_a_session_ended_on_the_server_ends_the_tab(demo_db):
    at = _sign_in("supervisor")
    sessions.end(AppState(demo_db.app_db), at.session_state["momentum_session_id"], "logout")
    at.run()
    assert "momentum_user" not in at.session_state and len(at.dataframe) == 0


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    """Real (non-demo) data holding only the staff list, and one real manager."""
    monkeypatch.setenv("MOMENTUM_DB", str(tmp_path / "real" / "momentum.duckdb"))
    p = paths()
    ingest([BASE / "clinicians.csv"], p, audit=False)
    add_user(AppState(p.app_db), "boss", "Practice Manager", "manager", "a-long-enough-password")
    return p


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_database_without_sessions(empty_db, page):
    at = _open(_sign_in("boss", "a-long-enough-password"), page)
    assert len(at.header) == 1 and not at.error


def test_the_audit_page_guard_refuses_other_roles_even_when_run_directly(demo_db):
    state = AppState(demo_db.app_db)
    at = AppTest.from_file(str(REPO / "pages" / "audit_log.py"), default_timeout=60)
    at.session_state["momentum_user"] = get_user(state, "supervisor")
    at.session_state["momentum_session_id"] = sessions.start(state, "supervisor", None)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0 and len(at.header) == 0


def _frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_workload_page_shows_each_role_only_their_scope(demo_db):
    state = AppState(demo_db.app_db)
    clinician = get_user(state, "clinician")
    at = _open(_sign_in("clinician"), "pages/workload.py")
    assert any("not a diagnosis" in m.value for m in at.markdown)
    trends = _frame_with(at, "direct_hours")
    assert len(trends) == 1  # a clinician sees only themself
    supervisor = _open(_sign_in("supervisor"), "pages/workload.py")
    rows = _frame_with(supervisor, "direct_hours")
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        sup = get_user(state, "supervisor")
        names = {r[0] for r in con.execute(
            "SELECT name FROM clinicians WHERE clinician_id = $c OR supervisor_id = $c", {"c": sup.clinician_id}
        ).fetchall()}
        own = con.execute("SELECT name FROM clinicians WHERE clinician_id = $c", {"c": clinician.clinician_id}).fetchall()
    finally:
        con.close()
    assert set(rows["clinician"]) <= names and len(rows) > 1
    assert trends["clinician"].iloc[0] == own[0][0]


def test_homework_page_reports_r_and_n_beside_the_published_figure(demo_db):
    at = _open(_sign_in("manager"), "pages/homework.py")
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    scatter = next(c for c in charts if "reliable-change units" in c)
    assert "r = " in scatter and "n = " in scatter and "published r" in scatter
    assert any("Mausbach" in c.value for c in at.caption)



def test_homework_chart_of_a_large_practice_shades_cells_with_the_same_r_and_n(demo_db, monkeypatch):
    """Above MAX_DOTS clients (a large practice; here the demo with the limit lowered) the completion-and-outcome
    chart counts clients per cell instead of a dot each, with the same r and n in its title."""
    import ui.charts
    import ui.views.homework

    def title(at):
        spec = next(c.proto.spec for c in at.get("plotly_chart") if "reliable-change units" in c.proto.spec)
        return spec, json.loads(spec)["layout"]["title"]["text"]

    dots, dots_title = title(_open(_sign_in("manager"), "pages/homework.py"))
    assert '"type":"scatter"' in dots.replace(" ", "")
    for module in (ui.charts, ui.views.homework):
        monkeypatch.setattr(module, "MAX_DOTS", 10)
    at = _open(_sign_in("manager"), "pages/homework.py")
    cells, cells_title = title(at)
    figure = json.loads(cells)
    heatmap = next(t for t in figure["data"] if t["type"] == "heatmap")
    n = int(re.search(r"n = ([\d,]+)", cells_title).group(1).replace(",", ""))
    assert cells_title == dots_title and n > 10
    assert sum(v for row in heatmap["z"] for v in row if v is not None) == n  # every client in one cell
    assert any("shaded by how many clients" in c.value and "r is computed over every client" in c.value
               for c in at.caption)




def test_homework_by_clinician_of_a_large_practice_shows_the_lowest_completion_and_says_so(demo_db, monkeypatch):
    """Above CLINICIAN_BARS clinicians (a large practice; here the demo with the limit lowered) "By clinician"
    draws the ones with the lowest completion, and says how many there are."""
    import ui.views.homework

    def bars(at):
        spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if '"completion rate"' in c.proto.spec
                    and "Clinician" in c.proto.spec)
        x = spec["data"][0]["x"]
        if isinstance(x, dict):  # Plotly's typed array: {"dtype": "f8", "bdata": base64}
            import base64

            import numpy as np
            x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
        return dict(zip(spec["data"][0]["y"], x, strict=True))

    everyone = bars(_open(_sign_in("manager"), "pages/homework.py"))
    assert len(everyone) > 3
    monkeypatch.setattr(ui.views.homework, "CLINICIAN_BARS", 3)
    at = _open(_sign_in("manager"), "pages/homework.py")
    lowest = bars(at)
    assert len(lowest) == 3 and max(lowest.values()) <= min(v for k, v in everyone.items() if k not in lowest)
    assert any(c.value.startswith(f"The 3 clinicians with the lowest completion of the {len(everyone):,} ")
               for c in at.caption)



def test_a_long_list_of_clients_whose_homework_is_dropping_shows_its_first_rows_and_says_so(demo_db, monkeypatch):
    import ui.layout

    everyone = frame(_open(_sign_in("manager"), "pages/homework.py"), "homework_drop_table")
    assert len(everyone) > 2
    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 2)
    at = _open(_sign_in("manager"), "pages/homework.py")
    assert frame(at, "homework_drop_table").equals(everyone.head(2))
    assert f"The first 2 of {len(everyone):,} clients, in this order." in " ".join(c.value for c in at.caption)


def test_the_density_chart_counts_every_client_once_even_past_its_edges():
    """Completion of exactly 100 % and changes far beyond ±DENSITY_Y_LIMIT reliable-change units land in the
    outermost cells: no client is dropped from the shaded chart."""
    from ui.charts import DENSITY_Y_LIMIT, MAX_DOTS, completion_vs_change

    n = MAX_DOTS + 500
    rates = [i / n for i in range(n)]
    changes = [(-3 * DENSITY_Y_LIMIT if i % 7 == 0 else 3 * DENSITY_Y_LIMIT if i % 5 == 0 else (i % 40) / 10 - 2)
               for i in range(n)]
    points = pd.DataFrame({"client_id": [f"C{i}" for i in range(n)], "primary_measure": "PHQ-9",
                           "completion_rate": [1.0, *rates[1:]], "change_rc": changes})
    heatmap = completion_vs_change(points, 0.1, 0.26).data[0]
    assert heatmap.type == "heatmap"
    assert sum(v for row in heatmap.z for v in row if v is not None) == n
    assert heatmap.z[0][3] and heatmap.z[-1][3]  # the clipped changes, bottom and top rows


# -- team meetings: the wins board, meeting mode and the consultation queue ----


def test_wins_board_shows_the_team_and_posts_through_the_guard(demo_db):
    at = _open(_sign_in("clinician"), "pages/wins.py")
    assert len(at.text) > 0  # the sample practice's wins of this week
    _post(at, "Reach me on jo@example.org")
    assert any("an email address" in _shown(e.value) and "jo@example.org" in _shown(e.value) for e in at.error)
    _post(at, "Her birthday is 3rd March 1990")
    assert any("a full date" in w.value for w in at.warning)
    assert _app_rows(demo_db, "SELECT text FROM app_wins") == []
    at.checkbox[0].check().run()
    _button(at, "Post with confirmation").click().run()
    assert _app_rows(demo_db, "SELECT text, phi_confirmed FROM app_wins") == [
        ("Her birthday is 3rd March 1990", '["full_date"]')]
    xss = "<img src=x onerror=alert(1)>"
    _post(at, xss)
    assert xss in [t.value for t in at.text]  # plain text, never HTML
    assert not any("<img" in m.value for m in at.markdown)
    actions = [e["action"] for e in audit.recent(AppState(demo_db.app_db), 20)]
    assert actions.count("win_posted") == 2


def test_a_win_may_name_only_a_client_of_the_posters_own_caseload(demo_db):
    own = _expected_clients(demo_db, "clinician")
    other = sorted(_expected_clients(demo_db, "manager") - own)[0]
    at = _open(_sign_in("clinician"), "pages/wins.py")
    assert other not in at.selectbox(key="win_client").options
    _post(at, f"{other} had a great week")  # another clinician's client_id in the text
    assert any("outside your caseload" in e.value for e in at.error)
    assert _app_rows(demo_db, "SELECT count(*) FROM app_wins") == [(0,)]


def test_celebrate_toggles_and_posting_a_suggested_win(demo_db):
    at = _open(_sign_in("supervisor"), "pages/wins.py")
    first = next(b for b in at.button if b.key and b.key.startswith("celebrate_"))
    first.click().run()
    assert _app_rows(demo_db, "SELECT username FROM win_reactions") == [("supervisor",)]
    next(b for b in at.button if b.key == first.key).click().run()
    assert _app_rows(demo_db, "SELECT count(*) FROM win_reactions") == [(0,)]
    post = next(b for b in at.button if b.key and b.key.startswith("sugg_post_"))
    sid = post.key.removeprefix("sugg_post_")
    text = at.text_input(key=f"sugg_{sid}").value
    post.click().run()
    assert _app_rows(demo_db, "SELECT text, suggestion_id FROM app_wins") == [(text, sid)]
    assert not any(b.key == f"sugg_post_{sid}" for b in at.button)  # posted suggestions are not offered again


def test_wins_exports_are_offered_and_audited(demo_db):
    at = _open(_sign_in("manager"), "pages/wins.py")
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["Download (MD)", "Download (HTML)", "Download (CSV)"]


def test_meeting_mode_is_for_supervisors_and_managers(demo_db):
    state = AppState(demo_db.app_db)
    direct = AppTest.from_file(str(REPO / "pages" / "meeting.py"), default_timeout=60)  # not in their navigation
    direct.session_state["momentum_user"] = get_user(state, "clinician")
    direct.session_state["momentum_session_id"] = sessions.start(state, "clinician", None)
    direct.run()
    assert [e.value for e in direct.error] == ["This page is not available for your role."]
    assert len(direct.get("html")) == 0
    at = _open(_sign_in("supervisor"), "pages/meeting.py")
    assert not at.error
    cards = [h.proto.body for h in at.get("html") if "meeting-card" in h.proto.body]
    assert len(cards) == 1
    assert any(">1 of " in m.value for m in at.markdown)
    _button(at, "Next").click().run()
    assert any(">2 of " in m.value for m in at.markdown)
    _button(at, "Previous").click().run()
    assert [h.proto.body for h in at.get("html") if "meeting-card" in h.proto.body] == cards
    _button(at, "Mark celebrated").click().run()
    assert len(_app_rows(demo_db, "SELECT win_id FROM win_celebrations")) == 1


def test_meeting_full_screen_keeps_only_the_win_the_buttons_and_one_counter(demo_db):
    at = _open(_sign_in("supervisor"), "pages/meeting.py")
    at.date_input(key="meeting_range").set_value((date(2026, 11, 9), date(2026, 11, 22))).run()
    # only the open tab runs: the consultation tab's navigator (and its keyboard shortcuts) is not on the page
    assert not [b for b in at.button if (b.key or "").startswith("meeting_item_pos")]
    _button(at, "Full screen").click().run()
    assert not at.exception and len(at.header) == 0 and len(at.tabs) == 0 and len(at.date_input) == 0
    assert len(at.toggle) == 0
    counters = [m.value for m in at.markdown if "<div" in m.value and " of " in m.value]
    assert len(counters) == 1 and ">1 of " in counters[0]
    assert len([h for h in at.get("html") if "meeting-card" in h.proto.body]) == 1
    card = next(h.proto.body for h in at.get("html") if "meeting-card" in h.proto.body)
    assert " / " not in card  # one counter: the card has none of its own
    shortcuts = {b.label: b.proto.shortcut.lower() for b in at.button}
    assert shortcuts["Next"] == "right" and shortcuts["Previous"] == "left"
    assert shortcuts["Next win"] == "pagedown" and shortcuts["Previous win"] == "pageup"
    assert shortcuts["Leave full screen"] in ("esc", "escape")
    _button(at, "Next win").click().run()
    assert any(">2 of " in m.value for m in at.markdown)
    # the range chosen before full screen still holds (two weeks: more wins than one week has)
    _button(at, "Leave full screen").click().run()
    assert len(at.header) == 1 and at.date_input(key="meeting_range").value == (date(2026, 11, 9), date(2026, 11, 22))


def test_bring_a_client_then_the_team_sees_it_and_records_the_next_step(demo_db):
    own = sorted(_expected_clients(demo_db, "clinician"))
    at = _sign_in("clinician")
    at.query_params["client"] = own[0]
    _open(at, "pages/consultation.py")
    assert at.selectbox(key="bring_client_id").value == own[0]
    at.text_area(key="bring_question").input("Stuck after eight sessions. Ideas?")
    _button(at, "Add to the queue").click().run()
    # the demo's queue holds three items already; this one is new
    assert _app_rows(demo_db, "SELECT client_id, brought_by FROM consultations WHERE question LIKE 'Stuck after "
                              "eight sessions. Ideas?'") == [(own[0], "clinician")]
    # the supervisor (same team) sees it and records the group's next step
    sup = _open(_sign_in("supervisor"), "pages/consultation.py")
    assert own[0] in set(_frame_with(sup, "question")["client_id"])
    sup.text_area[-1].input("Review goals at the next session")
    _button(sup, "Save").click().run()
    assert _app_rows(demo_db, "SELECT n.next_step, n.recorded_by FROM consultation_notes n JOIN consultations c "
                              "ON c.item_id = n.item_id WHERE c.question LIKE 'Stuck after eight sessions. Ideas?'"
                     ) == [("Review goals at the next session", "supervisor")]
    actions = [e["action"] for e in audit.recent(AppState(demo_db.app_db), 30)]
    assert {"consultation_brought", "consultation_note", "consultation_view"} <= set(actions)


def test_consultation_items_stay_within_the_team(demo_db):
    state = AppState(demo_db.app_db)
    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        (clinician,) = con.execute("SELECT clinician_id FROM clinicians WHERE team = 'North' AND role = 'clinician' "
                                   "ORDER BY 1 LIMIT 1").fetchall()[0]
        (client,) = con.execute("SELECT client_id FROM clients WHERE clinician_id = ? ORDER BY 1 LIMIT 1",
                                [clinician]).fetchall()[0]
    finally:
        con.close()
    consultations.bring(state, client_id=client, clinician_id=clinician, team="North", brought_by="x",
                        question="What next?", as_of=date(2026, 11, 20))
    at = _open(_sign_in("clinician"), "pages/consultation.py")  # the demo clinician is on another team
    assert client not in str([d.value for d in at.dataframe])
    manager = _open(_sign_in("manager"), "pages/consultation.py")
    assert client in set(_frame_with(manager, "question")["client_id"])
    # a tampered link to that item, or to bring that client, is refused and audited
    item_id = consultations.items(state, [clinician])["item_id"].iloc[0]
    tamper = _sign_in("clinician")
    tamper.query_params["item"] = str(item_id)
    tamper.query_params["client"] = client
    _open(tamper, "pages/consultation.py")
    warnings = " ".join(w.value for w in tamper.warning)
    assert "not one your team can see" in warnings and "not in your caseload" in warnings
    assert "What next?" not in str([t.value for t in tamper.text])
    refused = [e for e in audit.recent(state, 10) if e["action"] == "consultation_refused"]
    assert {("item" in e["detail"]) for e in refused} == {True, False}


@pytest.mark.parametrize("page", [p for p in PAGES if p != "pages/caseload.py"] + ["pages/audit_log.py"])
def test_when_the_audit_log_cannot_be_written_no_client_data_is_shown(demo_db, monkeypatch, page):
    import sqlite3

    at = _sign_in("manager")  # the landing page's view is audited here
    def disk_full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(audit, "append", disk_full)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert any("cannot write to its audit log" in e.value for e in at.error), [e.value for e in at.error]
    assert len(at.dataframe) == 0 and len(at.metric) == 0 and len(at.table) == 0
    assert not at.get("plotly_chart")


def test_a_failing_app_state_at_sign_in_gives_one_clear_message(demo_db, monkeypatch):
    import sqlite3

    at = _app()
    monkeypatch.setattr(audit, "append", lambda *a, **k: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error")))
    at.text_input[0].input("manager")
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("cannot write to its audit log" in e.value for e in at.error)
    assert len(at.dataframe) == 0 and len(at.metric) == 0


def test_a_truncated_app_state_file_shows_one_clear_message(demo_db):
    demo_db.app_db.write_bytes(demo_db.app_db.read_bytes()[:100])
    for suffix in ("-wal", "-shm"):
        demo_db.app_db.with_name(demo_db.app_db.name + suffix).unlink(missing_ok=True)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("cannot open app state" in e.value or "cannot write to its audit log" in e.value for e in at.error), [e.value for e in at.error]
    assert len(at.text_input) == 0  # not even a sign-in form that cannot work


def test_a_bad_read_memory_setting_is_one_clear_message(demo_db, monkeypatch):
    monkeypatch.setenv("MOMENTUM_READ_MEMORY", "lots")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [_shown(e.value) for e in at.error] == [
        "Momentum cannot open its data: MOMENTUM_READ_MEMORY='lots' is not a memory size; "
        "use a number and a unit, e.g. 1GB or 700MB"
    ]


def test_a_damaged_snapshot_is_named_not_shown_as_empty(demo_db):
    from pipelines.store import DataStore

    at = _sign_in("manager")
    snap = DataStore(demo_db).current_snapshot()
    snap.write_bytes(snap.read_bytes()[:5000])
    from ui.runtime import _runtime

    _runtime.clear()  # a new server process: nothing cached
    at.switch_page("pages/flags.py").run()
    assert not at.exception, at.exception
    assert any("cannot open the published data" in e.value for e in at.error), [e.value for e in at.error]
    assert len(at.dataframe) == 0


def test_two_clinicians_with_the_same_name_are_told_apart():
    """Charts label by name: two "Sam Lee"s once crashed the caseload page (found by tests/test_xss.py)."""
    import pandas as pd

    from ui.filters import staff_names

    staff = pd.DataFrame({"clinician_id": ["T1", "T2", "T3"], "name": ["Sam Lee", "Sam Lee", "Ash Fir"]})
    assert staff_names(staff) == {"T1": "Sam Lee (T1)", "T2": "Sam Lee (T2)", "T3": "Ash Fir"}


@pytest.mark.parametrize("tampered", ["²", "١٢", "7x", "-1"])
def test_a_non_ascii_or_malformed_item_link_is_refused_clearly_and_audited(demo_db, tampered):
    """`?item=²` passes str.isdigit() but not int(): it once showed the generic error box, unaudited."""
    at = _sign_in("clinician")
    at.query_params["item"] = tampered
    _open(at, "pages/consultation.py")
    assert "not one your team can see" in " ".join(w.value for w in at.warning)
    assert not at.exception and not at.get("error")
    refused = [e for e in audit.recent(AppState(demo_db.app_db), 50) if e["action"] == "consultation_refused"]
    assert refused and json.loads(refused[0]["detail"])["item"] == tampered


def test_a_password_over_72_bytes_gets_the_same_message_and_is_audited(demo_db):
    """bcrypt reads at most 72 bytes: a longer password once crashed the sign-in with no audit entry."""
    at = _app()
    at.text_input[0].input("clinician")
    at.text_input[1].input("é" * 40)  # 80 bytes in UTF-8
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Username or password is incorrect."]
    failed = [e for e in audit.recent(AppState(demo_db.app_db), 5) if e["action"] == "login_failed"]
    assert failed and "longer than 72 bytes" in json.loads(failed[0]["detail"])["reason"]


def test_usernames_are_not_case_sensitive(demo_db):
    """A user created with capitals once could never sign in (the form lower-cases what is typed)."""
    state = AppState(demo_db.app_db)
    user = add_user(state, "Casey.Fir", "Casey Fir", "manager", "a-long-office-password")
    assert user.username == "casey.fir" and get_user(state, "casey.fir") is not None
    for typed in ("Casey.Fir", "CASEY.FIR", "casey.fir"):
        at = _app()
        at.text_input[0].input(typed)
        at.text_input[1].input("a-long-office-password")
        at.button[0].click().run()
        assert not at.exception and not at.error, typed
        assert any(b.label == "Sign out" for b in at.button), typed


def test_sign_out_in_one_tab_ends_the_other_tab_of_the_same_browser(demo_db):
    """Both tabs' sessions are reachable by the browser's one cookie: sign-out ends both, and the
    cookie is cleared in the browser (the sign-in page then carries the cookie-clearing snippet)."""
    tab_a = _sign_in("clinician")
    tab_b = _sign_in("clinician")
    tab_a.sidebar.button[0].click().run()
    assert "momentum_user" not in tab_a.session_state
    tab_b.run()
    assert "momentum_user" not in tab_b.session_state
    assert "Caseload momentum" not in [h.value for h in tab_b.header]
    # the sign-in page's next run expires the cookie in the browser (the browser test sees it go)
    assert tab_a.session_state["momentum_clear_cookie"] is True or any(
        "momentum_auth=" in str(getattr(el.proto, "srcdoc", "")) for el in tab_a.get("iframe"))


def _traces(at, marker: str) -> list[dict]:
    """The traces of the page's Plotly chart whose spec holds ``marker``, their x as plain numbers."""
    import base64

    import numpy as np

    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if marker in c.proto.spec)
    for trace in spec["data"]:
        x = trace["x"]
        if isinstance(x, dict):  # Plotly's typed array: {"dtype": "f8", "bdata": base64}
            trace["x"] = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    return spec["data"]


def test_momentum_by_clinician_of_a_large_practice_shows_the_most_slipping_and_says_so(demo_db, monkeypatch):
    """Above CLINICIAN_BARS clinicians (a large practice; here the demo with the limit lowered) "Momentum by
    clinician" draws those with the largest share of slipping clients (lost contact included), and says so."""
    import ui.views.caseload
    from schemas.vocabulary import label

    slipping = {label("momentum", "slipping"), label("momentum", "lost_contact")}

    def shares(at) -> dict[str, float]:
        counts: dict[str, list[float]] = {}
        for trace in _traces(at, '"active clients"'):
            for name, n in zip(trace["y"], trace["x"], strict=True):
                mine = counts.setdefault(name, [0.0, 0.0])
                mine[1] += n
                mine[0] += n if trace["name"] in slipping else 0
        return {name: s / total for name, (s, total) in counts.items()}

    everyone = shares(_sign_in("manager"))
    assert len(everyone) > 3 and len(set(everyone.values())) > 1
    monkeypatch.setattr(ui.views.caseload, "CLINICIAN_BARS", 3)
    at = _sign_in("manager")
    most = shares(at)
    assert len(most) == 3 and set(most.items()) <= set(everyone.items())
    assert min(most.values()) >= max(v for k, v in everyone.items() if k not in most)
    assert any(c.value.startswith(f"The 3 clinicians with the largest share of slipping clients (lost contact "
                                  f"included) of the {len(everyone):,} with active clients.") for c in at.caption)


def test_the_workload_tables_of_a_large_practice_show_their_first_rows_and_say_so(demo_db, monkeypatch):
    """Both workload tables show their first TABLE_ROWS clinicians (here the demo with the limit lowered): the
    most signals first, and by name; the metric chart offers only the listed clinicians."""
    import ui.layout

    def tables(at) -> tuple[pd.DataFrame, pd.DataFrame]:  # AppTest gives a plain table no key: found by column
        return (next(d.value for d in at.dataframe if "signal_labels" in d.value.columns),
                next(d.value for d in at.dataframe if "direct_hours_latest" in d.value.columns))

    at = _open(_sign_in("manager"), "pages/workload.py")
    overview, trends = tables(at)
    assert len(overview) > 2 and not any("clinicians, in this order" in c.value for c in at.caption)
    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 2)
    at = _open(_sign_in("manager"), "pages/workload.py")
    first, first_trends = tables(at)
    assert first.equals(overview.head(2))
    assert first_trends["clinician"].tolist() == trends["clinician"].head(2).tolist()
    said = [c.value for c in at.caption if "clinicians, in this order" in c.value]
    assert said == [f"The first 2 of {len(overview):,} clinicians, in this order. Choose a team or clinicians "
                    "above to see the rest of theirs."] * 2


def test_the_client_picker_of_a_large_caseload_lists_the_first_clients_and_takes_any_other(demo_db, monkeypatch):
    """In a caseload longer than TABLE_ROWS (here the demo's with the limit lowered) the picker lists the first
    clients, active first, and says a code can be typed; a linked or typed client in scope opens, one outside
    it is refused and audited."""
    import ui.layout

    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 3)
    own = _expected_clients(demo_db, "supervisor")  # active clients; the picker also lists discharged ones
    courses = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        cur = courses.cursor()
        user = get_user(AppState(demo_db.app_db), "supervisor")
        total = len(queries.course_outcomes(cur, queries.scope_for(cur, user.role, user.clinician_id),
                                            queries.default_as_of(cur)))
    finally:
        courses.close()
    at = _open(_sign_in("supervisor"), "pages/client.py")
    pick = at.selectbox(key="client_pick")
    assert len(pick.options) == 3 and f"The first 3 of {total:,} are listed" in pick.proto.help
    assert set(pick.options) <= own  # active first
    unlisted = sorted(own - set(pick.options))[0]
    at = _sign_in("supervisor")
    at.query_params["client"] = unlisted  # a link
    _open(at, "pages/client.py")
    assert at.selectbox(key="client_pick").value == unlisted
    assert at.metric[0].value == unlisted and not any("not in your caseload" in w.value for w in at.warning)

    def typed(code: str) -> AppTest:  # a code typed into the picker (AppTest types only into a new picker)
        at = _sign_in("supervisor")
        at.session_state["client_pick"] = code
        return _open(at, "pages/client.py")

    at = typed(unlisted)
    assert at.selectbox(key="client_pick").value == unlisted
    assert at.metric[0].value == unlisted and not any("not in your caseload" in w.value for w in at.warning)
    other = sorted(_expected_clients(demo_db, "manager") - own)[0]
    at = typed(other)
    assert any("not in your caseload" in w.value for w in at.warning)
    assert other not in str([m.value for m in at.metric])
    assert any(e["action"] == "client_view_refused" and other in e["detail"]
               for e in audit.recent(AppState(demo_db.app_db), 5))
