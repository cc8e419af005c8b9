"""The column-mapping step's engine (pipelines/ingest/mapping.py): proposals, the profile the choices make,
the preview, and a saved profile used by the ingest (the page itself: tests/test_browser.py)."""

from __future__ import annotations

import pytest

from pipelines.ingest import mapping
from pipelines.ingest.load import IngestArgumentError, ingest
from schemas.profiles import available_profiles, read_profile
from tests.conftest import query, write_csv

STAFF = ("clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
         ["T1,Robin Ash,clinician,,North,1,20,true"])
HEADER = "Person,Counsellor,Seen On,Mins,Result,Home Address"


def _visits(folder, rows):
    return write_csv(folder / "visits.csv", HEADER, rows)


def _choices(**kw) -> mapping.Mapping:
    base = {"name": "acme", "table": "sessions",
            "columns": {"client_id": "Person", "clinician_id": "Counsellor", "start": "Seen On",
                        "duration_min": "Mins", "status": "Result"},
            "client_names": True, "clinician_names": True, "add_clients": True, "date_style": "DD/MM/YYYY",
            "words": {"status": {"Came": "attended", "Stayed Away": "", "Skipped": "no_show"}}}
    return mapping.Mapping(**{**base, **kw})


def test_proposals_come_from_canonical_names_and_the_generic_aliases():
    table, found = mapping.propose(["Appointment ID", "Client ID", "Provider", "Date of Service", "Duration",
                                    "Appointment Status", "Notes"])
    assert table == "sessions"
    assert found == {"session_id": "Appointment ID", "client_id": "Client ID", "clinician_id": "Provider",
                     "start": "Date of Service", "duration_min": "Duration", "status": "Appointment Status"}


def test_unknown_words_are_those_no_profile_knows(tmp_path):
    path = _visits(tmp_path, ["Ann Bee,Robin Ash,02/03/2026 10:00,50,Came,1 Road",
                              "Ann Bee,Robin Ash,09/03/2026 10:00,50,No Show,1 Road",
                              "Ann Bee,Robin Ash,16/03/2026 10:00,50,attended,1 Road"])
    assert mapping.unknown_words(path, mapping.header_of(path), "sessions", _choices().columns) == {"status": ["Came"]}


@pytest.mark.parametrize(("change", "words"), [
    ({"name": "Acme Visits"}, "lower-case letters"),
    ({"name": "generic"}, "a profile Momentum ships"),
    ({"columns": {"client_id": "Person", "clinician_id": "Person"}}, "chosen for more than one"),
    ({"columns": {"client_id": "Person"}}, "choose a column for session_id, clinician_id, start, duration_min, status"),
    ({"columns": {"client_id": "Nope"}}, "the file has no column 'Nope'"),
    ({"words": {"status": {"Came": "arrived"}}}, "'arrived' is not an allowed status"),
])
def test_choices_that_cannot_make_a_profile_say_why(change, words):
    with pytest.raises(mapping.MappingError, match=words):
        mapping.build(_choices(**change), HEADER.split(","))


def test_a_saved_profile_previews_loads_by_itself_and_is_not_overwritten(tmp_path, db):
    folder = tmp_path / "in"
    staff = write_csv(folder / "clinicians.csv", *STAFF)
    ingest([staff], db, audit=False)
    path = _visits(folder, ["Ann Bee,robin ash,02/03/2026 10:00,50,Came,1 Road",
                            "Cy Dee,Robin Ash,09/03/2026 10:00,50,Stayed Away,2 Road",
                            "Ann Bee,Robin Ash,31/02/2026 10:00,50,Show,1 Road",
                            "Ann Bee,Robin Ash,16/03/2026 10:00,50,Skipped,1 Road"])
    fields = mapping.header_of(path)
    data = mapping.build(_choices(), fields)
    shown = mapping.preview(db, path, data)
    assert list(shown["outcome"]) == ["loads", "rejected", "rejected", "loads"]
    assert "'Stayed Away' is not an allowed status" in shown["reason"][1]
    assert "not a real date" in shown["reason"][2]
    assert not shown["client_id"].astype(str).str.contains("Bee").any()  # codes, not names
    saved = mapping.save(db, data)
    assert read_profile(saved).reports[0].derive == {"session_id": ("client_id", "clinician_id", "start")}
    assert "acme" in available_profiles(db.practice_profiles)
    with pytest.raises(mapping.MappingError, match="already read as the acme sessions export"):
        mapping.save(db, data)  # the same header again, under any name
    with pytest.raises(mapping.MappingError, match="already has a profile named 'acme'"):
        mapping.save(db, mapping.build(_choices(), [*fields, "Room"]))  # another header, the same name
    # a file that merely contains the mapped columns is not taken for this profile
    wider = write_csv(tmp_path / "wider" / "visits.csv", HEADER + ",Room", ["Ann Bee,Robin Ash,02/03/2026 10:00,50,Came,1 Road,4"])
    assert ingest([wider], db, audit=False).files[0].status == "rejected"
    (result,) = ingest([path], db, audit=False).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("partial", 2, 2)
    assert "read as the acme sessions export" in result.message
    assert query(db, "SELECT status FROM sessions ORDER BY start") == [("attended",), ("no_show",)]
    assert query(db, "SELECT profile FROM loads WHERE load_id = $i", {"i": result.load_id}) == [("acme",)]
    # named on the command line's --profile too; an unknown name lists the practice's own
    again = _visits(tmp_path / "again", ["Ann Bee,Robin Ash,23/03/2026 10:00,50,Came,1 Road"])
    assert ingest([again], db, profile_name="acme", audit=False).files[0].status == "loaded"
    with pytest.raises(IngestArgumentError, match="acme"):
        ingest([again], db, profile_name="acme2", audit=False)


def test_a_profile_for_a_header_the_ingest_already_reads_is_refused(tmp_path, db):
    canonical = ["session_id", "client_id", "clinician_id", "start", "duration_min", "status"]
    data = mapping.build(_choices(columns={"session_id": "session_id", "client_id": "client_id",
                                           "clinician_id": "clinician_id", "start": "start",
                                           "duration_min": "duration_min", "status": "status"}, words={}), canonical)
    with pytest.raises(mapping.MappingError, match="already read as the canonical sessions columns"):
        mapping.save(db, data)
    owl = ["Client Name", "Clinician", "Date", "Time", "Duration", "Service", "Attendance"]
    data = mapping.build(_choices(columns={"client_id": "Client Name", "clinician_id": "Clinician", "start": "Date",
                                           "duration_min": "Duration", "status": "Attendance"}, words={}), owl)
    with pytest.raises(mapping.MappingError, match="already read as the owl attendance report"):
        mapping.save(db, data)


def test_a_damaged_practice_profile_stops_the_ingest_naming_it(tmp_path, db):
    db.practice_profiles.mkdir(parents=True)
    (db.practice_profiles / "broken.toml").write_text(
        'name = "broken"\ndate_formats = []\ndatetime_formats = []\n[[reports]]\nname = "x"\ntable = "visits"\n'
        'detect = ["A"]\ncolumns = {}\nevidence = "x"\n', encoding="utf-8")
    path = write_csv(tmp_path / "clinicians.csv", *STAFF)
    with pytest.raises(IngestArgumentError, match="broken.toml: report 'x': table 'visits' is not a contract table"):
        ingest([path], db, audit=False)
