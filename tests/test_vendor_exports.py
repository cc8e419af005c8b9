"""Practice systems' own reports (schemas/profiles/*.toml with [[reports]]): a folder of them loads with
no --profile, names become pseudonymous codes, and no name or contact detail reaches a stored byte."""

from __future__ import annotations

import csv
import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from pipelines.appstate.secrets_file import ensure_cookie_key, ensure_pseudonym_key
from pipelines.ingest.load import ingest
from pipelines.ingest.pseudonym import client_code
from pipelines.settings import paths
from pipelines.synthetic.sample_practice import PracticeSpec, generate_practice
from pipelines.synthetic.vendor_exports import client_people, write_vendor_exports
from schemas.profiles import read_profile, vendor_profiles
from tests.conftest import query, run_cli, write_csv

AS_OF = dt.date(2026, 3, 31)
SEED = 3
STAFF = ("clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
         ["T1,Robin Ash,clinician,,North,1,20,true", "T2,Sam Birch,clinician,,North,1,20,true",
          "T3,Sam  birch,clinician,,South,1,20,true"])


@pytest.fixture(scope="module")
def practice():
    return generate_practice(PracticeSpec(seed=SEED, clinicians=6, months=2, as_of=AS_OF))


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _contents(db) -> dict[str, list[tuple]]:
    return {t: query(db, f"SELECT * EXCLUDE (load_id) FROM {t} ORDER BY ALL") for t in ("clients", "sessions")}


def _scan(folder: Path, values: list[str], extra: dict[str, bytes] | None = None) -> list[tuple[str, str]]:
    """(file, value) for every value found in the bytes of a file under ``folder`` (or in ``extra``)."""
    blobs = {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    blobs.update(extra or {})
    found = []
    for where, data in blobs.items():
        low = data.lower()
        for value in values:
            for form in {value, value.replace(" ", "")}:
                if form.lower().encode("utf-8") in low:
                    found.append((where, form))
    return found


def test_a_simplepractice_folder_loads_without_a_profile_and_reimporting_changes_nothing(practice, tmp_path, db):
    folder = tmp_path / "sp"
    write_vendor_exports(practice, "simplepractice", folder, seed=SEED)
    results = {Path(f.path).name: f for f in ingest([folder], db, audit=False).files}
    assert {n: (f.status, f.rows_rejected) for n, f in results.items()} == {
        n: ("loaded", 0) for n in ("clinicians.csv", "client_details_report.csv", "client_attendance_report.csv",
                                   "appointment-status-report.csv")}
    attendance = _rows(folder / "client_attendance_report.csv")[2:]  # header, then the summary row
    assert results["client_attendance_report.csv"].rows_read == len(attendance)
    assert "skipped the summary row(s) 1" in results["client_attendance_report.csv"].message
    assert "duration_min 50 for every row" in results["client_attendance_report.csv"].message
    sessions = practice.tables["sessions"]
    assert query(db, "SELECT count(*), count(DISTINCT client_id) FROM sessions")[0] == (
        len(sessions), sessions["client_id"].nunique())
    # every status arrived, in the contract's words
    assert dict(query(db, "SELECT status, count(*) FROM sessions GROUP BY 1")) == sessions["status"].value_counts().to_dict()
    # the dashboard's client codes are the keyed codes of the names; the clinician came from the staff list
    key = ensure_pseudonym_key(db.secrets)
    people = client_people(practice, SEED).set_index("client_id")
    first = sessions.sort_values("start").iloc[0]
    code = client_code(key, people.loc[first["client_id"], "name"])
    assert query(db, "SELECT clinician_id FROM clients WHERE client_id = $c", {"c": code}) == [
        (practice.tables["clients"].set_index("client_id").loc[first["client_id"], "clinician_id"],)]
    before = _contents(db)
    again = ingest([folder], db, audit=False)
    assert {f.status for f in again.files} == {"duplicate"}
    # the same reports exported again (rows in another order, so new files): rows update, none is added
    for name in ("client_details_report.csv", "client_attendance_report.csv", "appointment-status-report.csv"):
        rows = _rows(folder / name)
        keep = 2 if name == "client_attendance_report.csv" else 1
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([*rows[:keep], *reversed(rows[keep:])])
    redone = ingest([folder], db, audit=False)
    assert [f.status for f in redone.files] == ["duplicate", "loaded", "loaded", "loaded"]
    assert _contents(db) == before


def test_no_name_email_phone_or_address_reaches_a_stored_byte(practice, tmp_path):
    folder = tmp_path / "sp"
    write_vendor_exports(practice, "simplepractice", folder, seed=SEED)
    people = client_people(practice, SEED)
    # rows that cannot load must not keep what they hold either: an email where the name goes, an unknown
    # clinician, a row with a field too many, a date of birth that is not a date
    names = list(people["name"])
    with (folder / "client_attendance_report.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([
            [people["email"][0], "Clinician Fir", "03/02/2026 10:00", "Main Office", "Show"],
            [names[1], "Nobody Known", "03/02/2026 11:00", "Main Office", "Show"],
            [names[2], "Clinician Fir", "03/02/2026 12:00", "Main Office", "Show", people["phone"][2]],
            [names[3], "Clinician Fir", "03/02/2026 13:00", "Main Office", "Maybe"],
        ])
    data = tmp_path / "data"
    env = {**os.environ, "MOMENTUM_DB": str(data / "momentum.duckdb")}
    done = run_cli("ingest", str(folder), env=env)
    assert done.returncode == 1, done.stderr  # partial: four rows rejected
    reasons = query(paths(data / "momentum.duckdb"), "SELECT reason FROM rejected_rows ORDER BY row_number")
    assert len(reasons) == 4
    assert any("email address or a phone number" in r for (r,) in reasons)
    assert any("'Nobody Known' is not in the staff list" in r for (r,) in reasons)
    assert any("the header has 5 columns" in r for (r,) in reasons)
    assert any("'Maybe' is not an allowed status" in r for (r,) in reasons)
    identifying = [*names, *people["email"], *people["phone"], *people["address"]]
    assert _scan(data, identifying, {"cli stdout": done.stdout.encode(), "cli stderr": done.stderr.encode()}) == []
    assert any(p.suffix == ".duckdb" for p in data.rglob("*"))  # the scan looked at the database
    # the scan can find a name: the exports themselves hold every one
    assert len({v for _w, v in _scan(folder, names)}) == len(names)


def test_jane_xlsx_owl_csv_and_intakeq_load_and_add_the_clients_they_name(practice, tmp_path):
    for vendor, file in (("jane", "appointments.xlsx"), ("owl", "attendance.csv")):
        folder = tmp_path / vendor
        write_vendor_exports(practice, vendor, folder, seed=SEED)
        db = paths(tmp_path / f"{vendor}.duckdb")
        results = {Path(f.path).name: f for f in ingest([folder], db, audit=False).files}
        assert results[file].status == "loaded", results[file].message
        assert f"read as the {vendor}" in results[file].message
        sessions = practice.tables["sessions"]
        assert query(db, "SELECT count(*), count(DISTINCT client_id) FROM sessions")[0] == (
            len(sessions), sessions["client_id"].nunique())
        assert query(db, "SELECT count(*) FROM clients")[0][0] == sessions["client_id"].nunique()
        # the duration: Owl gives it, Jane's comes from the appointment's end
        assert sorted(query(db, "SELECT duration_min FROM sessions ORDER BY start, clinician_id")) == sorted(
            (int(m),) for m in sessions["duration_min"])
    folder = tmp_path / "intakeq"
    write_csv(folder / "clinicians.csv", *STAFF)
    path = write_csv(folder / "appointments.csv",
                     "Id,ClientName,ClientEmail,ClientPhone,ClientId,Status,StartDateIso,EndDateIso,Duration,"
                     "ServiceName,LocationName,PractitionerName",
                     ["a1,Morgan Vale,m.vale@example.org,555-010-1111,17,Confirmed,2026-03-02T10:00:00,,50,Therapy,,Robin Ash",
                      "a2,Morgan Vale,m.vale@example.org,555-010-1111,17,Missed,2026-03-09T10:00:00,,50,Therapy,,robin ash",
                      "a3,Kit Lane,k@example.org,555-010-2222,18,WaitingConfirmation,2026-03-10T10:00:00,,50,Therapy,,Robin Ash"])
    db = paths(tmp_path / "iq" / "iq.duckdb")
    result = {Path(f.path).name: f for f in ingest([path.parent], db, audit=False).files}["appointments.csv"]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("partial", 2, 1)
    assert query(db, "SELECT session_id, status FROM sessions ORDER BY 1") == [("a1", "attended"), ("a2", "no_show")]
    assert "'WaitingConfirmation' is not an allowed status" in query(db, "SELECT reason FROM rejected_rows")[0][0]
    assert _scan(db.data_db.parent, ["Morgan Vale", "m.vale@example.org", "555-010-1111", "Kit Lane"]) == []


def test_clinicians_are_matched_by_name_and_an_unknown_or_shared_name_is_a_rejected_row(tmp_path, db):
    folder = tmp_path / "owl"
    write_csv(folder / "clinicians.csv", *STAFF)
    write_csv(folder / "attendance.csv", "Client Name,Clinician,Date,Time,Duration,Service,Attendance",
              ["Ari Stone, robin  ASH ,2026-03-02,10:00,50,Individual Therapy,Attended",
               "Ari Stone,Sam Birch,2026-03-03,10:00,50,Individual Therapy,Attended",
               "Ari Stone,Jo March,2026-03-04,10:00,50,Individual Therapy,Attended"])
    result = [f for f in ingest([folder], db, audit=False).files if f.table == "sessions"][0]
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    assert query(db, "SELECT clinician_id FROM sessions") == [("T1",)]
    reasons = [r for (r,) in query(db, "SELECT reason FROM rejected_rows ORDER BY row_number")]
    assert reasons == [
        "clinician name 'Sam Birch' fits 2 clinicians (T2, T3) in the staff list",
        "clinician 'Jo March' is not in the staff list: load a clinicians file whose name column has this name "
        "(case and spaces do not matter)"]


def test_a_date_of_birth_keeps_two_clients_of_one_name_apart_and_a_row_without_one_is_a_possible_collision(
        tmp_path, db):
    folder = tmp_path / "sp"
    write_csv(folder / "clinicians.csv", *STAFF)
    header = "Client,Client type,Date added,Primary clinician,Date of Birth,Email,Status"
    write_csv(folder / "client_details_report.csv", header,
              ["Sam Rivers,Adult,01/05/2026,Robin Ash,04/01/1980,a@example.org,Active",
               "Sam Rivers,Adult,01/06/2026,Robin Ash,09/30/1991,b@example.org,Active",
               "Lee Park,Adult,01/07/2026,Robin Ash,02/02/1975,c@example.org,Active"])
    write_csv(folder / "client_attendance_report.csv", "client_name,clinician_name,date_of_service,office_name,status",
              ["Sam Rivers,Robin Ash,03/02/2026 10:00,Main,Show", "Lee Park,Robin Ash,03/02/2026 11:00,Main,Show"])
    files = {Path(f.path).name: f for f in ingest([folder], db, audit=False).files}
    assert files["client_details_report.csv"].rows_loaded == 3
    key = ensure_pseudonym_key(db.secrets)
    assert {c for (c,) in query(db, "SELECT client_id FROM clients")} == {
        client_code(key, "Sam Rivers", "1980-04-01"), client_code(key, "Sam Rivers", "1991-09-30"),
        client_code(key, "Lee Park", "1975-02-02")}
    # Lee Park came with one date of birth: the attendance row without one is that client
    assert query(db, "SELECT client_id FROM sessions") == [(client_code(key, "Lee Park", "1975-02-02"),)]
    (reason,) = query(db, "SELECT reason FROM rejected_rows")[0]
    assert reason.startswith("possible collision: this client's name has come with 2 different dates of birth")
    assert _scan(db.data_db.parent, ["Sam Rivers", "Lee Park", "1980-04-01", "04/01/1980"]) == []


def test_repeated_header_rows_and_a_summary_row_in_the_middle_are_skipped_and_said(tmp_path, db):
    folder = tmp_path / "sp"
    write_csv(folder / "clinicians.csv", *STAFF)
    write_csv(folder / "client_details_report.csv", "Client,Client type,Date added,Primary clinician,Status",
              ["Ada Fern,Adult,01/05/2026,Robin Ash,Active"])
    write_csv(folder / "client_attendance_report.csv", "client_name,clinician_name,date_of_service,office_name,status",
              ["1 clients,1 clinicians,2 appointments,1 office,1 statuses",
               "Ada Fern,Robin Ash,03/02/2026 10:00,Main,Show",
               "client_name,clinician_name,date_of_service,office_name,status",
               "1 clients,1 clinicians,1 appointments,1 office,1 statuses",
               "Ada Fern,Robin Ash,03/09/2026 10:00,Main,No Show"])
    result = {Path(f.path).name: f for f in ingest([folder], db, audit=False).files}["client_attendance_report.csv"]
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 2, 2)
    assert "skipped the summary row(s) 1, 4" in result.message
    assert "skipped repeated header row(s) 3" in result.message
    assert query(db, "SELECT message FROM loads WHERE load_id = $i", {"i": result.load_id})[0][0] == result.message


def test_an_appointment_status_row_needs_a_session_the_attendance_report_loaded(tmp_path, db):
    folder = tmp_path / "sp"
    write_csv(folder / "clinicians.csv", *STAFF)
    write_csv(folder / "client_details_report.csv", "Client,Client type,Date added,Primary clinician,Status",
              ["Ada Fern,Adult,01/05/2026,Robin Ash,Active"])
    write_csv(folder / "appointment-status-report.csv",
              "Date of Service,Client,Clinician,Billing Code,Client Payment Status,Charge,Paid,Charge,Paid",
              ["03/02/2026 10:00,Ada Fern,Robin Ash,90834,Paid,20,20,130,130"])
    # the status report is loaded after the attendance report, whatever their names
    write_csv(folder / "zz_attendance.csv", "client_name,clinician_name,date_of_service,office_name,status",
              ["Ada Fern,Robin Ash,03/02/2026 10:00,Main,Late Canceled"])
    files = ingest([folder], db, audit=False).files
    assert [Path(f.path).name for f in files][-2:] == ["zz_attendance.csv", "appointment-status-report.csv"]
    assert all(f.status == "loaded" for f in files)
    assert query(db, "SELECT status, duration_min FROM sessions") == [("late_cancel", 50)]
    # alone, in a new database, it has nothing to keep: each row says which report to load first
    alone = paths(tmp_path / "alone.duckdb")
    ingest([folder / "clinicians.csv", folder / "client_details_report.csv"], alone, audit=False)
    result = ingest([folder / "appointment-status-report.csv"], alone, audit=False).files[0]
    assert (result.status, result.rows_rejected) == ("rejected", 1)
    assert "load the report that gives duration_min and status first" in query(alone, "SELECT reason FROM rejected_rows")[0][0]


def test_a_header_two_reports_fit_is_refused_naming_both_and_a_named_profile_must_fit(tmp_path, db):
    write_csv(tmp_path / "in" / "clinicians.csv", *STAFF)
    both = write_csv(tmp_path / "in" / "both.csv",
                     "client_name,clinician_name,date_of_service,status,Client Name,Clinician,Date,Time,Attendance",
                     ["a,Robin Ash,03/02/2026 10:00,Show,a,Robin Ash,2026-03-02,10:00,Attended"])
    result = ingest([both], db, audit=False).files[0]
    assert result.status == "rejected"
    assert "fits more than one practice system's report" in result.message
    assert "simplepractice attendance report" in result.message and "owl attendance report" in result.message
    canonical = write_csv(tmp_path / "c" / "sessions.csv", "session_id,client_id,clinician_id,start,duration_min,status",
                          ["S1,C1,T1,2026-03-02 10:00,50,attended"])
    result = ingest([canonical], db, profile_name="simplepractice", audit=False).files[0]
    assert result.message.startswith("the header is not one of the simplepractice reports Momentum knows")


def test_the_pseudonym_command_gives_the_stored_code_and_keeps_the_name_out_of_the_arguments(practice, tmp_path):
    folder = tmp_path / "sp"
    write_vendor_exports(practice, "simplepractice", folder, seed=SEED)
    env = {**os.environ, "MOMENTUM_DB": str(tmp_path / "data" / "m.duckdb")}
    missing = run_cli("pseudonym", "Anyone", env=env)
    assert missing.returncode == 2 and "no pseudonym key has been made yet" in missing.stderr
    assert run_cli("ingest", str(folder), env=env).returncode == 0
    name = client_people(practice, SEED)["name"][0]
    by_stdin = run_cli("pseudonym", env=env, stdin=f"  {name.upper()} \n")
    by_arg = run_cli("pseudonym", name, env=env)
    code = by_stdin.stdout.strip()
    assert by_arg.stdout.strip() == code and code.startswith("C-") and len(code) == 18
    assert query(paths(tmp_path / "data" / "m.duckdb"), "SELECT count(*) FROM clients WHERE client_id = $c",
                 {"c": code}) == [(1,)]


def test_the_pseudonym_key_joins_the_secrets_file_beside_the_cookie_key(tmp_path):
    path = tmp_path / "secrets.toml"
    cookie = ensure_cookie_key(path)
    key = ensure_pseudonym_key(path)
    assert len(key) >= 32 and ensure_pseudonym_key(path) == key and ensure_cookie_key(path) == cookie
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert client_code(key, "Ana  Lima ") == client_code(key, "ana lima") != client_code(key, "Ana Lima", "1990-01-01")
    assert client_code(key, "Ana Lima") != client_code(b"another practice's key" * 2, "Ana Lima")


@pytest.mark.parametrize(("old", "new", "words"), [
    ("derive_clients = true", 'derive_clients = true\ncolour = "red"', "unknown key(s) colour"),
    ('names = { client_id = "client",', 'names = { client_id = "person",', "names.client_id is 'person'"),
    ("derive_clients = true", 'derive_clients = true\ndefaults = { duration = "50" }',
     "defaults names duration, not column(s) of sessions"),
    ('derive = { session_id = ["client_id", "clinician_id", "start"] }',
     'derive = { session_id = ["client_id", "room"] }', "derive.session_id must be"),
])
def test_a_report_that_breaks_the_rules_is_refused_naming_file_report_and_key(tmp_path, old, new, words):
    text = (Path(__file__).parents[1] / "schemas" / "profiles" / "owl.toml").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new)
    bad = tmp_path / "owl.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="owl.toml: report 'attendance report'") as caught:
        read_profile(bad)
    assert words in str(caught.value)


def test_every_shipped_report_says_what_is_confirmed_and_detects_only_its_own_header():
    reports = [r for p in vendor_profiles() for r in p.reports]
    assert {p.name for p in vendor_profiles()} == {"simplepractice", "jane", "owl", "intakeq"}
    for report in reports:
        assert "confirmed" in report.evidence or "assumed" in report.evidence
        others = [o for o in reports if o is not report]
        own = set(report.detect)
        assert not [o.label for o in others if set(o.detect) <= own], report.label


def test_a_clinician_finds_their_client_by_name_and_the_name_goes_nowhere(demo_db, tmp_path):
    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import add_user
    from tests.apptest import app_rows, open_page, sign_in

    folder = tmp_path / "sp"
    write_csv(folder / "client_details_report.csv", "Client,Client type,Date added,Primary clinician,Status",
              ["Ada Fern,Adult,10/05/2026,Clinician Fir,Active", "Bo Quill,Adult,10/05/2026,Supervisor Birch,Active"])
    write_csv(folder / "client_attendance_report.csv", "client_name,clinician_name,date_of_service,office_name,status",
              ["Ada Fern,Clinician Fir,11/02/2026 10:00,Main,Show", "Bo Quill,Supervisor Birch,11/02/2026 11:00,Main,Show"])
    assert ingest([folder], demo_db, audit=False, refresh=True, refresh_as_of=dt.date(2026, 11, 22)).exit_code == 0
    add_user(AppState(demo_db.app_db), "fir", "Clinician Fir", "clinician", "a-long-enough-password", "T005")
    code = client_code(ensure_pseudonym_key(demo_db.secrets), "Ada Fern")
    at = open_page(sign_in("fir", "a-long-enough-password"), "pages/client.py")
    at.text_input(key="find_client_name").input("  ada FERN ")
    next(b for b in at.button if b.label == "Find").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="client_pick").value == code
    assert at.query_params["client"] == [code] or at.query_params["client"] == code
    assert at.session_state["find_client_name"] == ""  # the name is not kept
    # a client of another clinician is not found, and the page does not say they exist
    at.text_input(key="find_client_name").input("Bo Quill")
    next(b for b in at.button if b.label == "Find").click().run()
    assert any("No client with that name" in w.value for w in at.warning)
    assert at.selectbox(key="client_pick").value == code
    lookups = app_rows(demo_db, "SELECT detail FROM audit_log WHERE action = 'client_lookup_by_name' ORDER BY 1")
    assert sorted(('"found": true' in d, '"found": false' in d) for (d,) in lookups) == [(False, True), (True, False)]
    assert _scan(demo_db.data_db.parent, ["Ada Fern", "Bo Quill"]) == []
