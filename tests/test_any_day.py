"""The demo does not age and real data follows the calendar, whatever day the tests run on.

Every other test runs with the practice's today pinned (conftest's ``_pinned_today``).
These lift the pin and move the wall clock instead (``pipelines.clock`` reads it in one
place), to days far from the sample practice's last day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from pipelines import cli, clock
from pipelines.demo import SAMPLE_AS_OF
from pipelines.ingest.load import ingest
from pipelines.settings import SAMPLE_DATA_DIR, paths
from tests.apptest import app_rows, button, open_page, post_win, sign_in

FAR_DAYS = [date(2026, 12, 4), date(2027, 12, 31), date(2031, 2, 28)]


@pytest.fixture
def wall(monkeypatch):
    """No pinned today; the wall clock the clock reads set to a given day (at noon)."""
    monkeypatch.delenv("MOMENTUM_TODAY", raising=False)

    def set_day(day: date) -> None:
        monkeypatch.setattr(clock, "_wall", lambda: datetime.combine(day, time(12, 0)))
    return set_day


def _cards(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "meeting-card" in h.proto.body]


@pytest.mark.parametrize("day", FAR_DAYS, ids=str)
def test_meeting_mode_on_the_demo_opens_on_the_sample_week_on_any_day(demo_db, wall, day):
    wall(day)
    at = open_page(sign_in("supervisor"), "pages/meeting.py")
    assert not at.error
    assert at.date_input(key="meeting_range").value == (SAMPLE_AS_OF - timedelta(days=6), SAMPLE_AS_OF)
    assert at.date_input(key="meeting_date").value == SAMPLE_AS_OF
    assert len(_cards(at)) == 1, [i.value for i in at.info]
    button(at, "Mark celebrated").click().run()
    assert app_rows(demo_db, "SELECT meeting_date FROM win_celebrations") == [(SAMPLE_AS_OF.isoformat(),)]


@pytest.mark.parametrize("day", FAR_DAYS[1:], ids=str)
def test_a_win_posted_on_the_demo_lands_in_the_demos_week(demo_db, wall, day):
    wall(day)
    at = open_page(sign_in("clinician"), "pages/wins.py")
    assert len(at.text) > 0  # the sample's wins of its last week
    post_win(at, "Finished the group's relapse-prevention handout")
    (posted_at,), = app_rows(demo_db, "SELECT posted_at FROM app_wins")
    assert str(posted_at).startswith(SAMPLE_AS_OF.isoformat())
    assert "Finished the group's relapse-prevention handout" in [t.value for t in at.text]


@pytest.mark.parametrize("page", ["pages/caseload.py", "pages/flags.py", "pages/client.py", "pages/workload.py"])
def test_the_demos_pages_default_to_its_last_day(demo_db, wall, page):
    wall(date(2027, 12, 31))
    at = open_page(sign_in("supervisor"), page)
    as_of = next(d for d in at.date_input if d.label == "As of")
    assert as_of.value == SAMPLE_AS_OF
    assert len(at.dataframe) > 0 or len(at.metric) > 0


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    """The sample practice loaded as a practice's own data (not the demo), refreshed as of its last day."""
    db = paths(tmp_path_factory.mktemp("real") / "momentum.duckdb")
    result = ingest([SAMPLE_DATA_DIR], db, loaded_by="test", refresh=True, refresh_as_of=SAMPLE_AS_OF)
    assert result.exit_code == 0
    return db


def _report_as_of(db, capsys) -> str:
    assert cli.main(["report", "momentum", "--db", str(db.data_db), "--format", "csv"]) == 0
    return capsys.readouterr().err.strip().rsplit(" as of ", 1)[1]


def test_a_report_on_real_data_is_as_of_the_calendar_day(real_db, wall, capsys):
    wall(date(2027, 12, 31))
    assert _report_as_of(real_db, capsys) == "2027-12-31"


def test_a_report_on_the_demo_is_as_of_the_samples_last_day(demo_db, wall, capsys):
    wall(date(2027, 12, 31))
    assert _report_as_of(demo_db, capsys) == SAMPLE_AS_OF.isoformat()


def test_the_setting_replays_a_day_on_real_data(real_db, wall, monkeypatch, capsys):
    wall(date(2027, 12, 31))
    monkeypatch.setenv("MOMENTUM_TODAY", "2026-10-01")
    assert _report_as_of(real_db, capsys) == "2026-10-01"
