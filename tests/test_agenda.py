"""The supervision agenda: what goes on it, and that its CSV and HTML are safe."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd

from pipelines.appstate import agenda

PAYLOAD = "<script>alert('x')</script>"


def _frames():
    flags = pd.DataFrame([
        {"client_id": "C1", "clinician_id": "T5", "flag": "PLATEAU", "severity": "low",
         "since": pd.Timestamp("2026-06-01"), "reason": PAYLOAD, "status": "open"},
        {"client_id": "C2", "clinician_id": "T5", "flag": "DETERIORATION", "severity": "high",
         "since": pd.Timestamp("2026-06-10"), "reason": "=HYPERLINK(\"http://x\")", "status": "reopened"},
        {"client_id": "C3", "clinician_id": "T5", "flag": "PLATEAU", "severity": "low",
         "since": pd.Timestamp("2026-06-01"), "reason": "snoozed one", "status": "snoozed"},
        {"client_id": "C9", "clinician_id": "T6", "flag": "PLATEAU", "severity": "low",
         "since": pd.Timestamp("2026-06-01"), "reason": "someone else's", "status": "open"},
    ])
    now = pd.DataFrame([{"client_id": "C1", "clinician_id": "T5", "momentum": "stalled", "momentum_reason": "r1"},
                        {"client_id": "C2", "clinician_id": "T5", "momentum": "building", "momentum_reason": "r2"}])
    before = pd.DataFrame([{"client_id": "C1", "clinician_id": "T5", "momentum": "stalled"},
                           {"client_id": "C2", "clinician_id": "T5", "momentum": "slipping"}])
    wins = pd.DataFrame([{"win_id": "W1", "posted_at": pd.Timestamp("2026-06-20"), "category": "self_care",
                          "text": "+1 for a lunch break", "posted_by": "T5", "client_id": None}])
    suggested = pd.DataFrame([{"clinician_id": "T5", "client_id": "C2", "category": "client_progress",
                               "occurred_on": pd.Timestamp("2026-06-21"), "text": "Reliable improvement"}])
    return flags, now, before, wins, suggested


def test_agenda_items_for_one_supervisee():
    items = agenda.build("T5", *_frames())
    flags = items[items["section"] == "flag"]
    # flags to review, newest first; snoozed flags and other clinicians' left out
    assert list(flags["client_id"]) == ["C2", "C1"]
    assert list(flags["item"]) == ["Reliably worse (high) [reopened]", "Plateau (low)"]
    moves = items[items["section"] == "momentum"]
    assert list(moves["item"]) == ["Slipping → Building"]  # unchanged momentum is not an item
    assert len(items[items["section"] == "win"]) == 2


def test_a_risk_item_leads_and_moves_for_the_worse_come_first():
    flags, now, before, wins, suggested = _frames()
    risk = {"client_id": "C4", "clinician_id": "T5", "flag": "RISK_ITEM", "severity": "high",
            "since": pd.Timestamp("2026-05-01"), "reason": "item 9 = 1", "status": "acknowledged"}
    flags = pd.concat([flags, pd.DataFrame([risk])], ignore_index=True)
    now = pd.concat([now, pd.DataFrame([{"client_id": "C0", "clinician_id": "T5", "momentum": "slipping",
                                         "momentum_reason": "worse"}])], ignore_index=True)
    before = pd.concat([before, pd.DataFrame([{"client_id": "C0", "clinician_id": "T5", "momentum": "steady"}])],
                       ignore_index=True)
    items = agenda.build("T5", flags, now, before, wins, suggested)
    assert items[items["section"] == "flag"]["client_id"].tolist() == ["C4", "C2", "C1"]
    assert items[items["section"] == "momentum"]["item"].tolist() == ["Steady → Slipping", "Slipping → Building"]


def test_csv_neutralises_formulas():
    rows = list(csv.reader(io.StringIO(agenda.as_csv(agenda.build("T5", *_frames())))))
    details = [r[3] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in details and "'+1 for a lunch break" in details
    assert not any(d.startswith(("=", "+", "-", "@")) for d in details)


def test_html_escapes_every_value():
    page = agenda.as_html(agenda.build("T5", *_frames()), "<b>Clinician</b>", date(2026, 6, 30), "sam")
    assert PAYLOAD not in page and "&lt;script&gt;" in page
    assert "<b>Clinician</b>" not in page and "&lt;b&gt;Clinician&lt;/b&gt;" in page


def _figures(cases: int, practice_cases: int) -> list[dict]:
    from pipelines.models.casemix import Outcomes

    clinicians = pd.DataFrame([{"clinician_id": "T5", "cases": cases, "adjusted_effect": 0.91, "ci_low": 0.62,
                                "ci_high": 1.2, "verdict": "effective" if cases >= 15 else f"{15 - cases} more cases needed"}])
    adjusted = Outcomes(pd.DataFrame(), clinicians, practice_cases, 0.7, 0.6, 0.8, pd.DataFrame())
    rates = pd.DataFrame([{"clinician_id": "T5", "whole_selection": False, "finished_courses": 20,
                           "measured_courses": 18, "pct_reliable_improvement": 0.5, "pct_reliable_deterioration": 0.1,
                           "pct_recovery": 0.45, "dropouts": 5, "pct_dropout": 0.25, "median_sessions": 7.5}])
    completeness = pd.DataFrame([{"clinician_id": "T5", "pct_sessions_with_score": 0.82, "attended_sessions": 140,
                                  "dna_rate": 0.12}])
    return agenda.outcome_items("T5", adjusted, rates, completeness)


def test_the_agenda_carries_the_supervisees_outcome_figures_first():
    figures = _figures(cases=24, practice_cases=150)
    details = {f["item"]: f["detail"] for f in figures}
    assert details["Adjusted effect size"] == "mean 0.91 (90% interval 0.62 to 1.20; 24 cases): effective"
    assert details["Dropout and length"] == "dropout 25% (5 of 20); median 7.5 attended sessions"
    assert "reliable improvement 50% (PCOMS 65.6%)" in details["Finished courses"]
    assert details["Sessions with an outcome score"] == "82% of 140 attended sessions (target at least 90%)"
    items = agenda.build("T5", *_frames(), figures)
    assert items["section"].iloc[0] == "outcome" and (items["section"] == "outcome").sum() == 5
    page = agenda.as_html(items, "Clinician", date(2026, 6, 30), "sam")
    assert page.index("Outcome figures") < page.index("Open flags") and "median 7.5 attended sessions" in page
    rows = list(csv.reader(io.StringIO(agenda.as_csv(items))))
    assert rows[1][:3] == ["outcome", "", "Adjusted effect size"]
    # too few cases: the figure is not shown, only how many more are needed
    few = {f["item"]: f["detail"] for f in _figures(cases=9, practice_cases=150)}
    assert few["Adjusted effect size"] == "9 cases: 6 more cases needed" and "0.91" not in few["Adjusted effect size"]
