"""Hand-worked cases for the numbers the caseload tiles and the homework chart show, computed in SQL
(model_caseload_summary.sql, model_homework_weeks.sql), stored and live alike."""

from __future__ import annotations

import math
from datetime import date, timedelta

import duckdb
import pytest

from pipelines.models import queries
from pipelines.scope import Scope
from tests.clinical_fixtures import ALL, AS_OF, Practice, at

INTAKE = date(2026, 1, 5)
WEEK = timedelta(days=7)


@pytest.fixture
def practice(tmp_path, db) -> Practice:
    p = Practice(tmp_path, db)
    # finished (discharged), in caseness, reliably improved 18 -> 8 and out of caseness: improved, recovered
    p.client("A", INTAKE, status="discharged", discharge=date(2026, 4, 1))
    p.weekly("A", at(INTAKE), [18, 16, 12, 8])
    # finished, in caseness, 15 -> 13: measured, not improved, not recovered
    p.client("B", INTAKE, status="discharged", discharge=date(2026, 4, 1))
    p.weekly("B", at(INTAKE), [15, 14, 13])
    # finished with one score: insufficient data, outside the measured courses; in caseness at baseline with
    # latest = baseline, so counted in recovery's denominator (not recovered)
    p.client("C", INTAKE, status="discharged", discharge=date(2026, 4, 1))
    p.weekly("C", at(INTAKE), [20])
    # finished, never in caseness (7 -> 5): measured, no reliable change, not in recovery's denominator
    p.client("D", INTAKE, status="discharged", discharge=date(2026, 4, 1))
    p.weekly("D", at(INTAKE), [7, 6, 5])
    # active, reliably improved after its 3rd attended session: counted for sessions to improvement only
    p.client("E", date(2026, 5, 4))
    p.weekly("E", at(date(2026, 5, 4)), [20, 18, 13, 12])
    # homework: the week of 2026-05-04 has one completed and one partial of three reviewed; the next week
    # has an assignment that is not reviewed yet (reviewed = 0: no rate)
    p.homework("E", date(2026, 5, 4), "completed", reviewed=date(2026, 5, 11))
    p.homework("E", date(2026, 5, 5), "partial", reviewed=date(2026, 5, 11))
    p.homework("E", date(2026, 5, 6), "not_done", reviewed=date(2026, 5, 11))
    p.homework("E", date(2026, 5, 11), "not_reviewed")
    return p.load()


def _both(practice, model, scope=ALL):
    """The model read from its marts and computed live: they must agree."""
    con = duckdb.connect(str(practice.db.data_db))
    try:
        queries.refresh_marts(con, AS_OF)
        assert queries.marts_state(con).serves(model, AS_OF)
        stored = model(con.cursor(), scope, AS_OF)
        live = queries.run(con.cursor(), model, scope, AS_OF, prefer_marts=False)
    finally:
        con.close()
    assert stored.astype(object).equals(live.astype(object))
    return live


def test_the_caseload_tiles_count_each_course_by_its_definition(practice):
    row = _both(practice, queries.caseload_summary).iloc[0]
    assert row["active_clients"] == 1
    # measured: A, B, D (C has one score); reliably improved: A
    assert (row["reliably_improved_courses"], row["measured_courses"]) == (1, 3)
    assert row["reliable_improvement_share"] == pytest.approx(1 / 3)
    # recovery's denominator: finished and in caseness at baseline (A, B, C); recovered: A
    assert (row["recovered_courses"], row["recovery_courses"]) == (1, 3)
    assert row["recovery_share"] == pytest.approx(1 / 3)
    # sessions to the first reliably improved score: A at its 3rd (18 -> 12), E at its 3rd (20 -> 13)
    assert (row["improved_clients"], row["median_sessions_to_improvement"]) == (2, 3)


def test_an_empty_scope_has_zero_counts_and_no_shares(practice):
    row = _both(practice, queries.caseload_summary, Scope(())).iloc[0]
    assert (row["active_clients"], row["measured_courses"], row["recovery_courses"], row["improved_clients"]) == (0,) * 4
    assert all(row[c] is None or math.isnan(row[c]) for c in ("reliable_improvement_share", "recovery_share",
                                                               "median_sessions_to_improvement"))


def test_the_weekly_completion_rate_weighs_a_partial_by_the_threshold(practice):
    weeks = _both(practice, queries.homework_weeks).set_index("week_start")
    first, second = weeks.loc["2026-05-04"], weeks.loc["2026-05-11"]
    assert (first["assigned"], first["reviewed"], first["completed"], first["partial"]) == (3, 3, 1, 1)
    assert first["completion_rate"] == pytest.approx((1 + 0.5 * 1) / 3)  # homework_partial_weight = 0.5
    assert second["reviewed"] == 0 and (second["completion_rate"] is None or math.isnan(second["completion_rate"]))
