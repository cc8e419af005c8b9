"""Ingest behaviour on real files: idempotency, overlapping exports, load order,
references within one call, the CLI's exit codes, --json and its messages."""

from __future__ import annotations

import json
import shutil

from pipelines.ingest.load import ingest
from tests.conftest import BASE, query, run_cli, write_csv

SESSIONS_HEADER = "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at"


def _sessions(tmp_path, name, rows):
    return write_csv(tmp_path / name, SESSIONS_HEADER, rows)


def test_same_file_twice_is_skipped_whole(db):
    first = ingest([BASE], db, audit=False)
    assert {f.status for f in first.files} == {"loaded"}
    before = query(db, "SELECT count(*) FROM clients")[0][0]
    second = ingest([BASE], db, audit=False)
    assert {f.status for f in second.files} == {"duplicate"}
    assert second.exit_code == 0
    assert query(db, "SELECT count(*) FROM clients")[0][0] == before
    statuses = query(db, "SELECT status, count(*) FROM loads GROUP BY status ORDER BY status")
    assert statuses == [("duplicate", 2), ("loaded", 2)]


def test_overlapping_exports_later_file_wins(db, tmp_path):
    ingest([BASE], db, audit=False)
    jan = _sessions(tmp_path, "jan.csv", [
        "S1,C1,T2,2026-01-05 10:00,50,attended,intake,in_person,",
        "S2,C1,T2,2026-01-12 10:00,50,no_show,,,",
    ])
    jan_feb = _sessions(tmp_path, "jan_feb.csv", [
        "S2,C1,T2,2026-01-12 10:00,50,late_cancel,,,",  # corrected status
        "S3,C1,T2,2026-02-02 10:00,50,attended,,,2026-02-02 12:00",
    ])
    ingest([jan], db, audit=False)
    ingest([jan_feb], db, audit=False)
    rows = query(db, "SELECT session_id, status FROM sessions ORDER BY session_id")
    assert rows == [("S1", "attended"), ("S2", "late_cancel"), ("S3", "attended")]
    # files already loaded are skipped whole, so nothing reverts
    ingest([jan_feb, jan], db, audit=False)
    assert query(db, "SELECT status FROM sessions WHERE session_id = 'S2'") == [("late_cancel",)]
    # within one call, the later path on the command line wins
    c = _sessions(tmp_path, "c.csv", ["S4,C1,T2,2026-03-02 10:00,50,attended,,,"])
    d = _sessions(tmp_path, "d.csv", ["S4,C1,T2,2026-03-02 10:00,50,cancelled,,,"])
    ingest([c, d], db, audit=False)
    assert query(db, "SELECT status FROM sessions WHERE session_id = 'S4'") == [("cancelled",)]


def test_measures_composite_key_upserts(db, tmp_path):
    ingest([BASE], db, audit=False)
    header = "client_id,measure,administered_at,score,risk_item,goal_id,session_id"
    a = write_csv(tmp_path / "m1.csv", header, ["C1,PHQ-9,2026-01-05,18,0,,", "C1,GAD-7,2026-01-05,12,,,"])
    b = write_csv(tmp_path / "m2.csv", header, ["C1,PHQ-9,2026-01-05,17,1,,"])
    ingest([a], db, audit=False)
    ingest([b], db, audit=False)
    rows = query(db, "SELECT measure, score, risk_item FROM measures ORDER BY measure")
    assert rows == [("GAD-7", 12.0, None), ("PHQ-9", 17.0, 1)]


def test_dependency_order_and_references_within_one_call(db, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    # names chosen so alphabetical order is the wrong order
    shutil.copy(BASE / "clinicians.csv", folder / "z_staff.csv")
    shutil.copy(BASE / "clients.csv", folder / "y_clients.csv")
    _sessions(folder, "a_sessions.csv", ["S1,C1,T2,2026-01-05 10:00,50,attended,,,"])
    result = ingest([folder], db, audit=False)
    assert [f.table for f in result.files] == ["clinicians", "clients", "sessions"]
    assert [f.status for f in result.files] == ["loaded"] * 3


def test_a_rejected_client_rejects_its_sessions(db, tmp_path):
    ingest([BASE / "clinicians.csv"], db, audit=False)
    clients = write_csv(tmp_path / "clients.csv", "client_id,clinician_id,intake_date", [
        "C1,T2,2026-01-05", "C2,T2,2026-02-30",
    ])
    sessions = _sessions(tmp_path, "sessions.csv", [
        "S1,C1,T2,2026-01-05 10:00,50,attended,,,", "S2,C2,T2,2026-03-05 10:00,50,attended,,,",
    ])
    result = ingest([sessions, clients], db, audit=False)
    assert [(f.table, f.rows_loaded, f.rows_rejected) for f in result.files] == [
        ("clients", 1, 1), ("sessions", 1, 1)]
    reasons = [r[0] for r in query(db, "SELECT reason FROM rejected_rows ORDER BY load_id")]
    assert "the client_id of this row is not in clients" in reasons[-1]


def test_optional_columns_take_their_defaults(db, tmp_path):
    staff = write_csv(tmp_path / "clinicians.csv", "clinician_id,name,role", ["T1,Clinician Ash,clinician"])
    ingest([staff], db, audit=False)
    assert query(db, "SELECT fte, active, caseload_target FROM clinicians") == [(1.0, True, None)]


def test_cli_json_exit_codes_and_messages(db, tmp_path):
    env = {"MOMENTUM_DB": str(db.data_db)}
    ok = run_cli("ingest", str(BASE), "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    assert [set(f) for f in payload["files"]] == [
        {"path", "table", "rows_read", "rows_loaded", "rows_rejected", "status"}] * 2
    assert {f["status"] for f in payload["files"]} == {"loaded"}

    again = run_cli("ingest", str(BASE), "--json", env=env)
    assert again.returncode == 0
    assert {f["status"] for f in json.loads(again.stdout)["files"]} == {"duplicate"}

    bad = _sessions(tmp_path, "sessions.csv", ["S1,C1,T2,2026-01-05 10:00,50,attended,,,", "S2,C1,T2,nope,50,attended,,,"])
    partial = run_cli("ingest", str(bad), "--json", env=env)
    assert partial.returncode == 1
    (f,) = json.loads(partial.stdout)["files"]
    assert (f["status"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("partial", 2, 1, 1)
    assert "Traceback" not in partial.stderr
    assert "rejected_rows" in partial.stderr


def test_cli_nothing_done_exits_2_with_one_clear_line(tmp_path):
    missing = run_cli("ingest", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "m.duckdb"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nope.csv'}: no such file or folder"
    assert not (tmp_path / "m.duckdb").exists()

    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    none = run_cli("ingest", str(empty_dir), "--db", str(tmp_path / "m.duckdb"))
    assert none.returncode == 2 and "no .csv or .xlsx files" in none.stderr

    bad_profile = run_cli("ingest", str(BASE), "--profile", "acme", "--db", str(tmp_path / "m.duckdb"))
    assert bad_profile.returncode == 2 and "unknown header profile 'acme'" in bad_profile.stderr

    not_a_db = tmp_path / "garbage.duckdb"
    not_a_db.write_bytes(b"this is not a database" * 100)
    garbage = run_cli("ingest", str(BASE), "--db", str(not_a_db))
    assert garbage.returncode == 2
    assert garbage.stderr.startswith("error: cannot open")
    assert "Traceback" not in garbage.stderr

    usage = run_cli("ingest")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_progress_is_shown_on_stderr(db):
    out = run_cli("ingest", str(BASE), "--db", str(db.data_db))
    assert out.returncode == 0
    assert "[1/2] clinicians.csv" in out.stderr
    assert "validating" in out.stderr and "publishing" in out.stderr


def test_every_file_is_ledgered_with_sha256_and_user(db, tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("colour,flavour\nred,sweet\n", encoding="utf-8")
    result = ingest([BASE, junk], db, audit=False, loaded_by="tester")
    assert result.exit_code == 1
    rows = query(db, "SELECT source_file, table_name, status, loaded_by, length(sha256) FROM loads ORDER BY load_id")
    assert rows[0][1:] == (None, "rejected", "tester", 64)
    assert "does not match any Momentum table" in query(db, "SELECT message FROM loads WHERE load_id = 1")[0][0]


def test_files_load_under_the_ingests_memory_limit(db, monkeypatch):
    """MOMENTUM_INGEST_MEMORY caps DuckDB while each file is validated and loaded (it spills beyond it)."""
    from pipelines.ingest import load
    from pipelines.sql_files import sql

    seen = []
    original = load._load_one

    def spy(con, *args, **kwargs):
        seen.append(con.execute(sql("memory_limit")).fetchall()[0][0])
        return original(con, *args, **kwargs)

    monkeypatch.setattr(load, "_load_one", spy)
    monkeypatch.setenv("MOMENTUM_INGEST_MEMORY", "700MB")
    ingest([BASE], db, audit=False, refresh=False)
    assert len(seen) == len(list(BASE.glob("*.csv"))) and set(seen) == {"667.5 MiB"}  # 700 MB, as DuckDB says it


def test_a_bad_ingest_memory_setting_is_a_clear_error_before_anything_loads(db, monkeypatch):
    monkeypatch.setenv("MOMENTUM_INGEST_MEMORY", "plenty")
    out = run_cli("ingest", str(BASE), "--db", str(db.data_db))
    assert out.returncode == 2
    assert "MOMENTUM_INGEST_MEMORY='plenty' is not a memory size" in out.stderr and "Traceback" not in out.stderr
    assert not db.data_db.exists()
