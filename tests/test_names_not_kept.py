"""A client identifier column that holds names, emails or phone numbers (an export keyed by client names)
is rejected without keeping them: the bytes of every stored file are scanned for them."""

from __future__ import annotations

from pipelines.ingest.load import ingest
from tests.conftest import write_csv

# synthetic values shaped like a name-keyed export's client column (no real person)
IDENTIFYING = ["Harriet Quill", "harriet.quill@example.org", "+1 (555) 010-2234", "O'Brien, Tamsin"]
# a one-word name passes as an identifier: it must not be kept when it names no loaded client, nor when
# it is too long to be an identifier
ONE_WORD, LONG = "Bartholomew", "Wilhelmina" * 8


def test_names_and_contact_details_in_client_id_are_rejected_and_never_stored(tmp_path, db):
    folder = tmp_path / "export"
    files = [
        write_csv(folder / "clinicians.csv", "clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
                  ["T1,Clinician One,clinician,,North,1,20,true"]),
        write_csv(folder / "clients.csv", "client_id,clinician_id,intake_date,discharge_date,status,presenting_problem",
                  ["C1,T1,2026-01-05,,active,depression",
                   *[f'"{value}",T1,2026-01-05,,active,depression' for value in IDENTIFYING]]),
        write_csv(folder / "sessions.csv", "session_id,client_id,clinician_id,start,duration_min,status",
                  [f'S{i},"{value}",T1,2026-01-12 10:00,50,attended'
                   for i, value in enumerate([*IDENTIFYING, ONE_WORD, LONG])]),
    ]
    results = {f.path.rsplit("/", 1)[-1]: f for f in ingest(files, db, audit=False).files}
    assert (results["clients.csv"].rows_loaded, results["clients.csv"].rows_rejected) == (1, len(IDENTIFYING))
    assert results["sessions.csv"].rows_rejected == len(IDENTIFYING) + 2
    stored = [p for p in db.data_db.parent.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in stored)
    for path in stored:
        data = path.read_bytes()
        for value in [*IDENTIFYING, ONE_WORD, LONG]:
            for form in {value, value.lower(), value.replace(" ", "")}:
                assert form.encode("utf-8") not in data, f"{form!r} is stored in {path.name}"
