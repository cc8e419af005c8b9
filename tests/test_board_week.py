""""This week" means one thing on every board: the 7 days ending at the data's as-of date; an empty week
falls back to the latest week with wins, and says so."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from ui import team
from ui.team import BoardContext, board_with_fallback, this_week, week_filter

AS_OF = date(2026, 11, 22)


def _ctx() -> BoardContext:
    return BoardContext(user=None, version="v", audience=("T1",), scope=("T1",), as_of=AS_OF,
                        staff=pd.DataFrame({"clinician_id": ["T1"], "name": ["Ash"]}), today=date(2026, 12, 4))


def _feed(posted: list[datetime]):
    wins = pd.DataFrame({"posted_at": posted, "category": ["team"] * len(posted)})

    def board_frame(ctx, flt):
        return wins[(wins["posted_at"] >= flt.since) & (wins["posted_at"] < flt.until)].reset_index(drop=True)

    return board_frame


def test_this_week_is_the_seven_days_ending_at_the_as_of_date():
    assert this_week(AS_OF) == (date(2026, 11, 16), AS_OF)
    flt = week_filter(*this_week(AS_OF), ("T1",))
    assert (flt.since, flt.until) == (datetime(2026, 11, 16), datetime(2026, 11, 23))
    assert flt.label == "2026-11-16 to 2026-11-22"


def test_a_week_with_wins_is_shown_as_it_is(monkeypatch):
    monkeypatch.setattr(team, "board_frame", _feed([datetime(2026, 11, 20, 9), datetime(2026, 10, 1, 9)]))
    board, flt, note = board_with_fallback(_ctx(), week_filter(*this_week(AS_OF), ("T1",), this=True))
    assert len(board) == 1 and note == "" and flt.label == "2026-11-16 to 2026-11-22"


def test_an_empty_week_falls_back_to_the_latest_week_with_wins_and_says_so(monkeypatch):
    monkeypatch.setattr(team, "board_frame", _feed([datetime(2026, 11, 3, 9), datetime(2026, 11, 1, 9),
                                                    datetime(2026, 10, 20, 9)]))
    board, flt, note = board_with_fallback(_ctx(), week_filter(*this_week(AS_OF), ("T1",), this=True))
    assert len(board) == 2 and flt.label == "2026-10-28 to 2026-11-03"
    assert note == ("No wins in the 7 days to 2026-11-22, so this shows the latest week with wins: "
                    "2026-10-28 to 2026-11-03.")


def test_dates_the_user_chose_never_fall_back(monkeypatch):
    monkeypatch.setattr(team, "board_frame", _feed([datetime(2026, 11, 3, 9)]))
    board, _flt, note = board_with_fallback(_ctx(), week_filter(date(2026, 11, 10), AS_OF, ("T1",)))
    assert board.empty and note == ""


def test_no_wins_at_all_stays_empty(monkeypatch):
    monkeypatch.setattr(team, "board_frame", _feed([]))
    board, _flt, note = board_with_fallback(_ctx(), week_filter(*this_week(AS_OF), ("T1",), this=True))
    assert board.empty and note == ""
