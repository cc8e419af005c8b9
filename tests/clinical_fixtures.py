"""Tiny hand-made practices for the clinical model tests, loaded through the real ingest."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.ingest.load import ingest
from pipelines.models import queries
from pipelines.scope import Scope
from pipelines.settings import Paths
from schemas.contract import TABLES

AS_OF = date(2026, 6, 30)
STAFF = [
    {"clinician_id": "T1", "name": "Supervisor Ash", "role": "supervisor", "team": "North"},
    {"clinician_id": "T2", "name": "Clinician Birch", "role": "clinician", "supervisor_id": "T1", "team": "North"},
    {"clinician_id": "T3", "name": "Clinician Cedar", "role": "clinician", "team": "South"},
]
ALL = Scope(("T1", "T2", "T3"))


class Practice:
    """Collects rows, writes canonical CSVs, ingests them, runs models."""

    def __init__(self, tmp_path: Path, db: Paths) -> None:
        self.tmp, self.db = tmp_path, db
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLES}
        self.rows["clinicians"] = [dict(s) for s in STAFF]
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:05d}"

    def client(self, cid: str, intake: date, clinician: str = "T2", status: str = "active",
               discharge: date | None = None) -> str:
        self.rows["clients"].append({"client_id": cid, "clinician_id": clinician, "intake_date": intake.isoformat(),
                                     "discharge_date": discharge.isoformat() if discharge else "", "status": status})
        return cid

    def session(self, cid: str, when: datetime, status: str = "attended", clinician: str = "T2",
                minutes: int = 50, signed: datetime | None = None) -> str:
        sid = self._id("S")
        self.rows["sessions"].append({"session_id": sid, "client_id": cid, "clinician_id": clinician,
                                      "start": when.strftime("%Y-%m-%d %H:%M"), "duration_min": minutes,
                                      "status": status, "note_signed_at": signed.strftime("%Y-%m-%d %H:%M") if signed else ""})
        return sid

    def score(self, cid: str, measure: str, when: datetime | date, score: float, risk_item: int | None = None,
              goal_id: str = "") -> None:
        at = when.strftime("%Y-%m-%d %H:%M") if isinstance(when, datetime) else when.isoformat()
        self.rows["measures"].append({"client_id": cid, "measure": measure, "administered_at": at, "score": score,
                                      "risk_item": "" if risk_item is None else risk_item, "goal_id": goal_id})

    def weekly(self, cid: str, start: datetime, scores: list[float], measure: str = "PHQ-9",
               clinician: str = "T2", statuses: list[str] | None = None) -> None:
        """One attended session a week, with a score at each."""
        for i, value in enumerate(scores):
            when = start + timedelta(days=7 * i)
            status = statuses[i] if statuses else "attended"
            self.session(cid, when, status=status, clinician=clinician)
            if status == "attended" and value is not None:
                self.score(cid, measure, when, value, 0 if measure == "PHQ-9" else None)

    def homework(self, cid: str, assigned: date, status: str, reviewed: date | None = None) -> None:
        self.rows["homework"].append({"assignment_id": self._id("H"), "client_id": cid, "clinician_id": "T2",
                                      "assigned_at": assigned.isoformat(), "category": "thought_record",
                                      "status": status, "reviewed_at": reviewed.isoformat() if reviewed else ""})

    def goal(self, cid: str, gid: str, created: date) -> None:
        self.rows["goals"].append({"goal_id": gid, "client_id": cid, "created_at": created.isoformat(),
                                   "description": "Walk three times a week", "status": "active"})

    def load(self) -> Practice:
        folder = self.tmp / f"export{self._n}"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for table, rows in self.rows.items():
            if not rows:
                continue
            path = folder / f"{table}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=TABLES[table].column_names, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
            paths.append(path)
        result = ingest(paths, self.db, audit=False)
        bad = [(f.path, f.status) for f in result.files if f.status != "loaded"]
        assert not bad, bad
        return self

    def run(self, model: str, as_of: date = AS_OF, scope: Scope = ALL):
        con = duckdb.connect(str(self.db.data_db), read_only=True)
        try:
            return queries.model_named(model)(con.cursor(), scope, as_of)
        finally:
            con.close()

    def flags(self, cid: str, as_of: date = AS_OF) -> dict[str, str]:
        frame = self.run("active_flags", as_of)
        frame = frame[frame["client_id"] == cid]
        return dict(zip(frame["flag"], frame["reason"], strict=False))

    def outcome(self, cid: str, measure: str, as_of: date = AS_OF) -> dict:
        frame = self.run("client_outcomes", as_of)
        rows = frame[(frame["client_id"] == cid) & (frame["measure"] == measure)]
        assert len(rows) == 1, rows
        return rows.iloc[0].to_dict()


def at(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour)
