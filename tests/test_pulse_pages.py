"""The wellbeing pulse through Streamlit's AppTest: filling it, the owner's history, the reminder,
the self-care win, the team pulse on the workload page and the >= 5 rule at 4 and at 5 respondents,
and that a manager cannot reach anyone's own answers by any page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.appstate import audit, pulse
from pipelines.appstate import auth_sessions as sessions
from pipelines.appstate.db import AppState
from pipelines.appstate.users import get_user
from schemas.wellbeing import CBI
from tests.apptest import app_rows, button, open_page, sign_in
from tests.conftest import REPO, run_cli

HIGH = {i.id: ("Often" if i.options == "frequency" else "To a high degree") for i in CBI.items}
HIGH_WORK = (6 * 75 + 25) / 7


def _fill(at: AppTest, answers: dict[str, str]) -> AppTest:
    for item_id, label in answers.items():
        at.radio(key=f"pulse_{item_id}").set_value(label)
    button(at, "Submit my pulse").click().run()
    assert not at.exception, at.exception
    return at


def _frame(at: AppTest, column: str):
    """The first table on the page with this column (AppTest does not expose a dataframe's key). The team
    pulse table shows its numbers as text ("–" when withheld, "14%"): read back as numbers, NaN for "–"."""
    frame = next(f.value for f in at.dataframe if column in f.value.columns).copy()
    for name in ("respondents", "work_mean", "client_mean", "high_share"):
        if name in frame.columns and not pd.api.types.is_numeric_dtype(frame[name]):
            assert not frame[name].isna().any(), "a missing value shows as '–', never None"
            text = frame[name].astype(str)
            number = pd.to_numeric(text.str.rstrip("%").replace("–", None), errors="raise")
            frame[name] = number.where(~text.str.endswith("%"), number / 100)
    return frame


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(parts)


def test_a_clinician_fills_the_pulse_sees_their_history_and_may_post_a_self_care_win(demo_db):
    at = sign_in("clinician")
    assert "Your wellbeing pulse for Nov 2026 is open" in _texts(at)  # the reminder on the caseload page
    at = open_page(at, "pages/pulse.py")
    assert [h.value for h in at.header] == ["Wellbeing pulse"]
    radios = [r for r in at.radio if r.key and r.key.startswith("pulse_")]
    assert len(radios) == 13 and all(r.value is None for r in radios)  # nothing pre-selected
    history = _frame(at, "work_band")
    assert len(history) == 6  # the demo's six closed months
    # an incomplete pulse is refused and stores nothing
    at.radio(key="pulse_w1").set_value("Often")
    button(at, "Submit my pulse").click().run()
    assert "Answer every question: 12 left." in _texts(at)
    assert app_rows(demo_db, "SELECT count(*) FROM pulse_owner_copies WHERE period = '2026-11'") == [(0,)]
    at = _fill(at, HIGH)
    assert "Your pulse for Nov 2026 is in. The next one opens in Dec 2026." in _texts(at)
    history = _frame(at, "work_band")
    assert len(history) == 7 and history.iloc[-1]["period_title"] == "Nov 2026"
    assert history.iloc[-1]["work"] == pytest.approx(HIGH_WORK) and history.iloc[-1]["client"] == 75
    assert not at.radio  # no form once answered
    assert len(_frame(at, "direct_hours")) >= 2  # their own workload beside it
    # the self-care offer: optional, never prefilled from the answers
    assert at.text_area(key="pulse_win_text").value == ""
    at.text_area(key="pulse_win_text").input("Took a real lunch break every day this week")
    button(at, "Post self-care win").click().run()
    assert "Posted to the wins board as a self-care win." in _texts(at)
    assert app_rows(demo_db, "SELECT category, text FROM app_wins") == [
        ("self_care", "Took a real lunch break every day this week")]
    # the reminder is gone; nothing in the audit log says the clinician answered
    at = open_page(at, "pages/caseload.py")
    assert "wellbeing pulse" not in _texts(at)
    actions = {(e["actor"], e["action"]) for e in audit.recent(AppState(demo_db.app_db), 500)}
    assert not any("pulse" in action and actor == "clinician" for actor, action in actions)


def test_after_a_password_reset_the_period_is_closed_and_no_reminder_shows(demo_db):
    from pipelines.appstate.users import reset_password

    reset_password(AppState(demo_db.app_db), "clinician", "a brand new password for the clinician")
    at = sign_in("clinician", "a brand new password for the clinician")
    assert "wellbeing pulse" not in _texts(at).lower()  # no reminder on the caseload page
    at = open_page(at, "pages/pulse.py")
    assert "password was reset during this period" in _texts(at) and "The next one opens in Dec 2026." in _texts(at)
    assert not [r for r in at.radio if r.key and r.key.startswith("pulse_")]  # no form
    assert app_rows(demo_db, "SELECT count(*) FROM pulse_owner_copies WHERE period = '2026-11'") == [(0,)]


def test_the_self_care_win_goes_through_the_phi_guard(demo_db):
    at = _fill(open_page(sign_in("clinician"), "pages/pulse.py"), HIGH)
    at.text_area(key="pulse_win_text").input("Lunch with jo.smith@example.org")
    button(at, "Post self-care win").click().run()
    assert "an email address" in "\n".join(e.value for e in at.error)
    assert app_rows(demo_db, "SELECT count(*) FROM app_wins") == [(0,)]
    button(at, "No thanks").click().run()
    assert not [t for t in at.text_area if t.key == "pulse_win_text"]


def test_skipping_stops_the_reminder_and_shows_nowhere(demo_db):
    at = open_page(sign_in("clinician"), "pages/pulse.py")
    button(at, "Skip this period").click().run()
    assert "You skipped Nov 2026's pulse." in _texts(at)
    assert app_rows(demo_db, "SELECT count(*) FROM pulse_team_sums WHERE period = '2026-11'") == [(0,)]
    assert "wellbeing pulse" not in _texts(open_page(at, "pages/caseload.py"))
    assert not [e for e in audit.recent(AppState(demo_db.app_db), 500) if "skip" in e["action"] + e["detail"]]


def test_after_a_reload_the_pulse_asks_for_the_password_again(demo_db):
    at = sign_in("clinician")
    del at.session_state["momentum_pulse_key"]  # what a page reload leaves: a session without the key
    at = open_page(at, "pages/pulse.py")
    assert not at.radio and "sealed with your password" in _texts(at)
    assert "wellbeing pulse" not in _texts(open_page(at, "pages/caseload.py"))  # no key, no reminder
    at = open_page(at, "pages/pulse.py")
    at.text_input(key="pulse_unlock_password").input("not the password")
    button(at, "Open my pulse").click().run()
    assert "That password did not open your pulse." in _texts(at) and not at.radio
    at.text_input(key="pulse_unlock_password").input("x" * 73)  # over bcrypt's 72 bytes: a failure too
    button(at, "Open my pulse").click().run()
    assert "That password did not open your pulse." in _texts(at) and not at.radio
    assert app_rows(demo_db, "SELECT count(*) FROM login_failures WHERE username = 'clinician'") == [(2,)]
    reasons = [e["detail"] for e in audit.recent(AppState(demo_db.app_db), 20) if e["action"] == "login_failed"]
    assert any("72 bytes (pulse unlock)" in str(r) for r in reasons), reasons
    at.text_input(key="pulse_unlock_password").input("momentum-demo")
    button(at, "Open my pulse").click().run()
    assert len([r for r in at.radio if r.key.startswith("pulse_")]) == 13
    assert len(_frame(at, "work_band")) == 6


def test_a_supervisor_sees_their_own_pulse_not_their_supervisees(demo_db):
    sup = open_page(sign_in("supervisor"), "pages/pulse.py")
    clin = open_page(sign_in("clinician"), "pages/pulse.py")
    mine = _frame(sup, "work_band")
    theirs = _frame(clin, "work_band")
    assert len(mine) == len(theirs) == 6
    assert mine["work"].tolist() != theirs["work"].tolist()
    state = AppState(demo_db.app_db)
    assert mine["work"].tolist() == pulse.own_history(state, pulse.derive_key("supervisor", "momentum-demo"))[
        "work"].tolist()


def test_the_manager_sees_the_team_pulse_with_its_marker_and_fewer_than_five(demo_db):
    at = open_page(sign_in("manager"), "pages/workload.py")
    assert "Team wellbeing pulse" in [s.value for s in at.subheader]
    table = _frame(at, "group")
    assert set(table["group"]) == {"East", "North", "South", "Whole practice"}  # teams only: no person
    october = table[table["period_title"] == "Oct 2026"].set_index("group")
    assert october.loc["East", "status"] == "fewer than 5 responses" and october["respondents"].isna()["East"]
    assert october.loc["South", "status"] == "shown" and october.loc["South", "respondents"] >= 5
    assert october.loc["Whole practice", "status"].startswith("withheld")
    assert (table["respondents"].dropna() >= 5).all()
    summary = _texts(at)
    assert "Latest closed period, Oct 2026" in summary and "**East**: fewer than 5 responses" in summary
    marks = [w.value for w in at.warning if "rose two periods running" in w.value]
    assert len(marks) == 1 and marks[0].startswith("**North**") and "not a diagnosis" in marks[0]
    reads = [e for e in audit.recent(AppState(demo_db.app_db), 200) if e["action"] == "pulse_aggregates_read"]
    assert [e["actor"] for e in reads] == ["manager"]
    # rerunning the page (a widget change) reads nothing new; the read was audited once
    at.selectbox(key="workload_metric").set_value("late_notes").run()
    reads = [e for e in audit.recent(AppState(demo_db.app_db), 200) if e["action"] == "pulse_aggregates_read"]
    assert len(reads) == 1


def test_a_supervisor_sees_their_teams_pulse_and_a_clinician_none(demo_db):
    sup = open_page(sign_in("supervisor"), "pages/workload.py")
    groups = set(_frame(sup, "group")["group"])
    assert "Whole practice" in groups and len(groups) == 2  # their team and the practice
    clin = open_page(sign_in("clinician"), "pages/workload.py")
    assert "Team wellbeing pulse" not in [s.value for s in clin.subheader]


@pytest.mark.parametrize(("north", "shown"), [(4, False), (5, True)])
def test_the_five_rule_at_four_and_at_five_respondents_on_the_page(demo_db, monkeypatch, north, shown):
    """November: North has 4 or 5 answers and South 6; once November has closed the manager sees North
    only with 5 - and the practice only when the people outside the shown teams are none or 5 or more."""
    state = AppState(demo_db.app_db)
    calm = {i.id: ("Seldom" if i.options == "frequency" else "To a low degree") for i in CBI.items}
    pulse.seed(state, [(None, "2026-11", "North", HIGH)] * north + [(None, "2026-11", "South", calm)] * 6)
    monkeypatch.setenv("MOMENTUM_TODAY", "2026-12-03")
    at = open_page(sign_in("manager"), "pages/workload.py")
    table = _frame(at, "group")
    november = table[table["period_title"] == "Nov 2026"].set_index("group")
    assert november.loc["South", "status"] == "shown" and november.loc["South", "respondents"] == 6
    assert "East" not in november.index  # nobody in East answered: no row to hide
    if shown:
        assert november.loc["North", "status"] == "shown" and november.loc["North", "respondents"] == 5
        assert november.loc["North", "work_mean"] == round(HIGH_WORK)  # shown as a whole number
        assert november.loc["Whole practice", "respondents"] == 11  # the practice is the shown teams
    else:
        assert november.loc["North", "status"] == "fewer than 5 responses"
        assert pd_isna(november.loc["North", "work_mean"]) and pd_isna(november.loc["North", "respondents"])
        # the practice minus South would be North's 4: withheld
        assert november.loc["Whole practice", "status"].startswith("withheld")
        assert pd_isna(november.loc["Whole practice", "respondents"])


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_a_manager_cannot_reach_anyones_own_answers_by_any_page_report_or_link(demo_db):
    at = sign_in("manager")
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a manager's navigation
        at.switch_page("pages/pulse.py")
    # run directly, as a deep link would: the guard refuses the role and shows nothing
    state = AppState(demo_db.app_db)
    direct = AppTest.from_file(str(REPO / "pages" / "pulse.py"), default_timeout=60)
    direct.session_state["momentum_user"] = get_user(state, "manager")
    direct.session_state["momentum_session_id"] = sessions.start(state, "manager", None)
    direct.query_params["owner"] = "clinician"
    direct.run()
    assert [e.value for e in direct.error] == ["This page is not available for your role."]
    assert not direct.radio and not direct.dataframe
    # even holding a pulse key of their own, a session sees only its own (empty) history
    direct.session_state["momentum_pulse_key"] = pulse.derive_key("manager", "momentum-demo")
    direct.run()
    assert not direct.dataframe
    # the pages a manager opens hold the team pulse only: teams and the practice, no person, no clinician_id
    for page in ("pages/caseload.py", "pages/workload.py", "pages/wins.py", "pages/data_status.py",
                 "pages/audit_log.py"):
        at = open_page(at, page)
        assert not [r for r in at.radio if (r.key or "").startswith("pulse_")]
    table = _frame(open_page(at, "pages/workload.py"), "group")
    assert list(table.columns) == ["period_title", "group", "respondents", "work_mean", "client_mean", "high_share",
                                   "status"]
    assert set(table["group"]) <= {"East", "North", "South", "Whole practice"}
    # and no report or export carries the pulse
    refused = run_cli("report", "pulse", "--as-of", date(2026, 11, 22).isoformat())
    assert refused.returncode != 0 and "pulse" in refused.stderr
