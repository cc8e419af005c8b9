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
