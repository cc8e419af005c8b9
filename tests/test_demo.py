"""Demo mode: the database is built from sample_data/ once, with three accounts."""

from __future__ import annotations

from pipelines.appstate.db import AppState
from pipelines.appstate.users import DEMO_PASSWORD, check_password, list_users
from pipelines.demo import DEMO_ACCOUNTS, ensure_demo_database, is_demo
from pipelines.ingest.load import ingest
from pipelines.store import DataStore, SnapshotReader
from tests.conftest import BASE, query


def test_demo_database_and_accounts(db):
    assert ensure_demo_database(db) is True
    users = {u.username: u for u in list_users(AppState(db.app_db))}
    assert set(users) == set(DEMO_ACCOUNTS)
    assert all(u.is_demo and u.active for u in users.values())
    for name in DEMO_ACCOUNTS:
        assert check_password(AppState(db.app_db), name, DEMO_PASSWORD)
    roles = dict(query(db, "SELECT clinician_id, role FROM clinicians"))
    assert roles[users["manager"].clinician_id] == "manager"
    assert roles[users["supervisor"].clinician_id] == "supervisor"
    supervisor_of = dict(query(db, "SELECT clinician_id, supervisor_id FROM clinicians"))
    assert supervisor_of[users["clinician"].clinician_id] == users["supervisor"].clinician_id
    reader = SnapshotReader(DataStore(db))
    assert is_demo(reader)
    # every sample row loads cleanly
    assert query(db, "SELECT count(*) FROM loads WHERE status <> 'loaded'") == [(0,)]
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(0,)]
    # a second start does nothing
    assert ensure_demo_database(db) is False
    # any other ingest ends demo mode
    ingest([BASE / "clinicians.csv"], db, audit=False)
    assert not is_demo(reader)
    reader.close()


def test_existing_real_database_is_never_mixed_with_sample_data(db):
    ingest([BASE], db, audit=False)
    db.snapshot_pointer.unlink()  # e.g. a publish interrupted by a crash
    assert ensure_demo_database(db) is False
    assert query(db, "SELECT count(*) FROM clinicians") == [(4,)]
    assert DataStore(db).current_snapshot() is not None
    assert list_users(AppState(db.app_db)) == []


def test_the_demo_is_computed_as_of_the_samples_last_day():
    """`make sample` and the demo agree on the sample's as-of date, and the sample ends on it."""
    import csv
    import re

    from pipelines.demo import SAMPLE_AS_OF
    from pipelines.settings import REPO_ROOT, SAMPLE_DATA_DIR

    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pipelines sample .*--as-of " + SAMPLE_AS_OF.isoformat(), makefile)
    with (SAMPLE_DATA_DIR / "sessions.csv").open(encoding="utf-8") as fh:
        last = max(row["start"][:10] for row in csv.DictReader(fh))
    assert last <= SAMPLE_AS_OF.isoformat()


def test_the_demo_queue_has_an_open_a_discussed_and_a_followed_up_item(demo_db):
    from pipelines.appstate import consultations
    from pipelines.appstate.db import AppState

    state = AppState(demo_db.app_db)
    items = consultations.items(state, [c for (c,) in _staff(demo_db)])
    assert len(items) == 3
    assert sorted(items["status"]) == ["discussed", "discussed", "open"]
    assert items["client_id"].is_unique and items["question"].str.len().min() > 20
    oldest = items.sort_values("as_of").iloc[0]
    assert isinstance(oldest["momentum_then"], str) and oldest["flags_then"]  # a snapshot to follow up against


def _staff(demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db.data_db), read_only=True)
    try:
        return con.execute("SELECT clinician_id FROM clinicians").fetchall()
    finally:
        con.close()
