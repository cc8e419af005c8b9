"""The peer-wins board's store: posting through the guard, reactions, meeting marks, merging and exports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from pipelines import clock
from pipelines.appstate import audit, wins
from pipelines.appstate.db import AppState
from pipelines.appstate.phi_guard import PhiGuardError

SINCE = datetime(2000, 1, 1)
UNTIL = datetime(2100, 1, 1)


@pytest.fixture
def state(app_state) -> AppState:
    return app_state  # SQLite and PostgreSQL (tests/conftest.py)


def _post(state, text="A client went back to work.", **kw):
    kw.setdefault("username", "casey")
    kw.setdefault("clinician_id", "T1")
    kw.setdefault("category", "client_progress")
    return wins.post(state, text=text, **kw)


def _imported(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [{"win_id": w, "posted_at": pd.Timestamp(at), "category": "team", "text": t, "posted_by": by,
          "client_id": None} for w, at, t, by in rows],
        columns=["win_id", "posted_at", "category", "text", "posted_by", "client_id"])


def _board(state, imported=None, username="casey", audience=("T1", "T2"), scope=("T1",)):
    posted = wins.app_wins(state, audience, scope, SINCE, UNTIL)
    return wins.board(imported if imported is not None else _imported(), posted, state, username)


def test_a_post_is_stored_audited_and_shown(state):
    win_id = _post(state, client_id="C1", own_clients={"C1", "C2"})
    board = _board(state)
    assert board[["win_id", "category", "text", "posted_by", "client_id", "source"]].to_dict("records") == [
        {"win_id": win_id, "category": "client_progress", "text": "A client went back to work.",
         "posted_by": "T1", "client_id": "C1", "source": "app"}]
    assert win_id.startswith("app-") and len(win_id) == 16
    entry = audit.recent(state, 1)[0]
    assert entry["action"] == "win_posted" and "went back" not in str(entry["detail"])  # no text in the audit


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"text": "  "}, "empty"),
        ({"text": "x" * 501}, "at most 500"),
        ({"category": "gossip"}, "category"),
        ({"clinician_id": None}, "not linked"),
        ({"client_id": "C9", "own_clients": {"C1"}}, "own caseload"),
    ],
)
def test_bad_posts_are_refused_with_a_reason(state, kw, message):
    with pytest.raises(wins.WinError, match=message):
        _post(state, **kw)
    assert _board(state).empty


def test_exactly_500_characters_is_accepted(state):
    _post(state, text="y" * 500)
    assert len(_board(state)) == 1


def test_the_guard_stops_phi_and_confirm_patterns_post_only_when_confirmed(state):
    with pytest.raises(PhiGuardError) as stopped:
        _post(state, text="Call 07700 900123")
    assert [f.pattern for f in stopped.value.findings] == ["phone"]
    with pytest.raises(PhiGuardError):
        _post(state, text="Maria Lopez did it")
    _post(state, text="Maria Lopez did it", confirmed=["name_pair"])
    with pytest.raises(PhiGuardError):
        _post(state, text="C00999 did it", foreign_client_ids=["C00999"], confirmed=["client_id"])
    assert _board(state)["text"].tolist() == ["Maria Lopez did it"]


def test_a_client_id_shows_only_to_viewers_whose_scope_holds_the_poster(state):
    _post(state, client_id="C1", own_clients={"C1"})
    assert _board(state, scope=("T1",))["client_id"].tolist() == ["C1"]
    assert _board(state, scope=("T2",))["client_id"].isna().all()


def test_audience_decides_whose_wins_show(state):
    _post(state)
    assert _board(state, audience=("T2",)).empty


def test_celebrate_is_one_per_person_and_toggles(state):
    win_id = _post(state)
    assert wins.toggle_celebrate(state, win_id, "casey") is True
    assert wins.toggle_celebrate(state, win_id, "sam") is True
    board = _board(state, username="casey")
    assert (board["celebrations"].iloc[0], board["celebrated_by_me"].iloc[0]) == (2, True)
    assert wins.toggle_celebrate(state, win_id, "casey") is False
    board = _board(state, username="casey")
    assert (board["celebrations"].iloc[0], board["celebrated_by_me"].iloc[0]) == (1, False)


def test_meeting_marks_keep_the_latest_meeting_and_refuse_the_future(state):
    win_id = _post(state)
    wins.mark_celebrated(state, win_id, date(2026, 1, 5), "sam")
    wins.mark_celebrated(state, win_id, date(2026, 1, 5), "sam")  # idempotent
    wins.mark_celebrated(state, win_id, date(2026, 2, 2), "sam")
    assert _board(state)["celebrated_on"].tolist() == ["2026-02-02"]
    with pytest.raises(wins.WinError, match="future"):
        wins.mark_celebrated(state, win_id, clock.today() + timedelta(days=1), "sam")


def test_imported_and_app_wins_merge_and_reactions_work_on_both(state):
    app_id = _post(state)
    imported = _imported(("W1", "2026-01-01 09:00", "Team lunch", "T2"), (app_id, "2026-01-01", "clash", "T2"))
    wins.toggle_celebrate(state, "W1", "casey")
    board = _board(state, imported)
    assert board["win_id"].tolist() == [app_id, "W1"]  # newest first
    assert board.set_index("win_id").loc[app_id, "text"] == "A client went back to work."  # never replaced by an import
    assert board.set_index("win_id").loc["W1", "celebrations"] == 1


def test_exports_neutralise_formulas_and_escape_markup(state):
    for text in ["=HYPERLINK(\"http://x\")", "+1 more", "-2 points", "@SUM(A1)", "<img src=x onerror=alert(1)>"]:
        _post(state, text=text, category="team")
    # posted text is stripped, so a leading tab or CR can only come from an import
    board = _board(state, _imported(("W1", "2026-01-01", "\tTabbed", "T2"), ("W2", "2026-01-01", "\rReturn", "T2")))
    rows = list(csv.DictReader(io.StringIO(wins.as_csv(board), newline="")))
    for row in rows:
        assert row["text"][0] not in "=+-@\t\r"
    assert {r["text"] for r in rows} >= {"'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'\tTabbed", "'\rReturn", "'-2 points"}
    page = wins.as_html(board, "Wins <b>", {"T1": "Casey <i>"})
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>" not in page and "<i>" not in page
    md = wins.as_markdown(board, "Wins", {"T1": "Casey"})
    assert "<img" not in md and "&lt;img src=x onerror=alert\\(1\\)&gt;" in md


def test_a_wins_export_merges_into_the_board_and_no_ingest_touches_app_state(db, tmp_path):
    import duckdb

    from pipelines.ingest.load import ingest
    from pipelines.models.queries import wins_for_board
    from pipelines.scope import Scope
    from pipelines.store import DataStore
    from tests.conftest import BASE, write_csv

    header = "win_id,posted_by,posted_at,category,text,client_id"
    ingest([BASE / "clinicians.csv", BASE / "clients.csv",
            write_csv(tmp_path / "w1" / "wins.csv", header, ["W1,T2,2026-03-02 09:00,team,Team lunch,"])], db)
    state = AppState(db.app_db)
    app_id = wins.post(state, username="casey", clinician_id="T2", category="client_progress",
                       text="A client went back to work.", client_id="C1", own_clients={"C1"})
    wins.toggle_celebrate(state, "W1", "casey")
    wins.mark_celebrated(state, app_id, date(2026, 3, 5), "sam")

    def board():
        con = duckdb.connect(str(DataStore(db).current_snapshot()), read_only=True)
        try:
            imported = wins_for_board(con.cursor(), Scope(("T1", "T2")), Scope(("T2",)), SINCE, UNTIL)
        finally:
            con.close()
        return wins.board(imported, wins.app_wins(state, ("T1", "T2"), ("T2",), SINCE, UNTIL), state, "casey")

    before = board()
    assert set(before["win_id"]) == {"W1", app_id}
    # a later export updates W1's text and adds W2; the app's post, reaction and mark stay
    ingest([write_csv(tmp_path / "w2" / "wins.csv", header, [
        "W1,T2,2026-03-02 09:00,team,Team lunch together,", "W2,T1,2026-03-03 10:00,self_care,A walk,"])], db)
    after = board().set_index("win_id")
    assert set(after.index) == {"W1", "W2", app_id}
    assert after.loc["W1", "text"] == "Team lunch together" and after.loc["W1", "celebrations"] == 1
    assert after.loc[app_id, "text"] == "A client went back to work." and after.loc[app_id, "client_id"] == "C1"
    assert after.loc[app_id, "celebrated_on"] == "2026-03-05"


def test_one_clients_wins_are_the_boards_wins_of_that_client_and_none_outside_the_scope(demo_db):
    """The client view reads one client's imported wins (wins_for_board.sql with $client_id): the same rows as
    the whole board's wins of that client, and none for a client outside the viewer's scope."""
    import duckdb

    from pipelines.models.queries import wins_for_board
    from pipelines.scope import Scope
    from pipelines.store import DataStore

    con = duckdb.connect(str(DataStore(demo_db).current_snapshot()), read_only=True)
    try:
        cur = con.cursor()
        everyone = Scope(tuple(r[0] for r in cur.execute("SELECT clinician_id FROM clinicians").fetchall()))
        since, until = datetime(1900, 1, 1), datetime(2100, 1, 1)
        board = wins_for_board(cur, everyone, everyone, since, until)
        linked = board.dropna(subset=["client_id"])
        client = linked["client_id"].value_counts().index[0]
        one = wins_for_board(cur, everyone, everyone, since, until, client)
        assert len(one) >= 1 and one.equals(board[board["client_id"] == client].reset_index(drop=True))
        owner = cur.execute("SELECT clinician_id FROM clients WHERE client_id = ?", [client]).fetchall()[0][0]
        others = Scope(tuple(c for c in everyone.clinician_ids if c != owner))
        assert wins_for_board(cur, everyone, others, since, until, client).empty
    finally:
        con.close()
