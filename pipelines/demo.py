"""Demo mode (design §6): build the database from sample_data/ with three accounts.

``make run`` on a fresh clone calls :func:`ensure_demo_database` through the
app. Demo accounts are only accepted while ``meta.demo`` is ``true`` - any
later ingest of other files sets it to ``false``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from pipelines.appstate import audit, consultations, pulse
from pipelines.appstate.db import AppState
from pipelines.appstate.users import DEMO_PASSWORD, UserError, add_user, list_users
from pipelines.ingest.load import ingest
from pipelines.models import queries
from pipelines.scope import Scope
from pipelines.settings import SAMPLE_DATA_DIR, Paths
from pipelines.sql_files import sql
from pipelines.store import DataStore, SnapshotReader
from pipelines.synthetic import sample_pulse

DEMO_ACCOUNTS = ("manager", "supervisor", "clinician")


def is_demo(reader: SnapshotReader) -> bool:
    cur = reader.cursor()
    row = cur.execute(sql("meta_value"), {"key": "demo"}).fetchone()
    return bool(row and row[0] == "true")


def data_day(reader: SnapshotReader) -> date | None:
    """The day the data is fixed at: the sample's last day on the demo practice, else None (real data ages)."""
    return SAMPLE_AS_OF if is_demo(reader) else None


def pick_accounts(store: DataStore) -> dict[str, tuple[str, str | None]]:
    """username -> (display name, clinician_id), chosen from the sample practice."""
    reader = SnapshotReader(store)
    try:
        cur = reader.cursor()
        rows = cur.execute(sql("demo_account_candidates")).fetchall()
    finally:
        reader.close()
    staff = [
        {"id": r[0], "name": r[1], "role": r[2], "supervisor_id": r[3], "supervisees": r[4], "clients": r[5]}
        for r in rows
    ]
    managers = [s for s in staff if s["role"] == "manager"]
    supervisors = sorted(
        (s for s in staff if s["role"] == "supervisor" and s["supervisees"] > 0),
        key=lambda s: (-s["supervisees"], -s["clients"], s["id"]),
    )
    if not managers or not supervisors:
        raise RuntimeError("the sample practice needs a manager and a supervisor with supervisees")
    supervisor = supervisors[0]
    supervised = [
        s for s in staff
        if s["role"] == "clinician" and s["supervisor_id"] == supervisor["id"] and s["clients"] > 0
    ]
    if not supervised:
        raise RuntimeError("the demo supervisor has no supervisee with active clients")
    clinician = supervised[0]
    return {
        "manager": (f"{managers[0]['name']} (demo manager)", managers[0]["id"]),
        "supervisor": (f"{supervisor['name']} (demo supervisor)", supervisor["id"]),
        "clinician": (f"{clinician['name']} (demo clinician)", clinician["id"]),
    }


# The last day of the committed sample practice (`make sample` generates it with
# this --as-of). The demo's models are computed as of this day, so the demo shows
# the same practice - this week's wins, suggested wins, momentum - whenever it is run.
SAMPLE_AS_OF = date(2026, 11, 22)


def ensure_demo_database(
    paths: Paths, force: bool = False, progress: Callable[[str], None] | None = None
) -> bool:
    """Build the imported data from sample_data/ when it does not exist yet."""
    store = DataStore(paths)
    if store.exists() and not force:
        if store.current_snapshot() is None:
            # a database built before snapshots existed, or whose publish was
            # interrupted: publish it as it is - never mix sample data into it
            with store.writer():
                pass
            store.publish_snapshot()
        return False
    if force and paths.data_db.exists():
        paths.data_db.unlink()
    result = ingest([SAMPLE_DATA_DIR], paths, loaded_by="system:demo", progress=progress, demo=True, refresh=True,
                    refresh_as_of=SAMPLE_AS_OF)
    if result.exit_code != 0:
        raise RuntimeError("sample_data/ did not load cleanly: " + "; ".join(
            f"{f.path}: {f.status}" for f in result.files if f.status not in ("loaded", "duplicate")))
    state = AppState(paths.app_db)
    existing = {u.username for u in list_users(state)}
    accounts = pick_accounts(store)
    for username, (name, clinician_id) in accounts.items():
        if username in existing:
            continue
        try:
            add_user(state, username, name, username, DEMO_PASSWORD, clinician_id, is_demo=True)
        except UserError:
            continue
        audit.record(state, "system:demo", "user_added", username=username, role=username, demo=True)
    seed_pulse(store, state, accounts)
    seed_consultations(store, state, accounts)
    return True


def seed_pulse(store: DataStore, state: AppState, accounts: dict[str, tuple[str, str | None]]) -> int:
    """The sample practice's wellbeing pulse (pipelines/synthetic/sample_pulse.py) into app state, once: team sums
    for everyone who answered, and sealed own copies for the demo clinician and supervisor, whose keys
    come from the demo password as they would at sign-in."""
    if pulse.has_pulse_data(state):
        return 0
    reader = SnapshotReader(store)
    try:
        staff = [(r[0], r[1], r[2], bool(r[3])) for r in reader.cursor().execute(sql("sample_staff")).fetchall()]
    finally:
        reader.close()
    owners = {cid: pulse.derive_key(username, DEMO_PASSWORD) for username, (_name, cid) in accounts.items()
              if username in ("clinician", "supervisor") and cid}
    answers = sample_pulse.generate(staff, SAMPLE_AS_OF, always=owners)
    n = pulse.seed(state, ((owners.get(a.clinician_id), a.period, a.team, a.answers) for a in answers))
    audit.record(state, "system:demo", "pulse_seeded", answers=n)
    return n


def seed_consultations(store: DataStore, state: AppState, accounts: dict[str, tuple[str, str | None]]) -> int:
    """Three items on the demo clinician's team queue, so a newcomer sees the feature: one brought this week and
    still open, one discussed last week, and one discussed five weeks ago whose follow-up compares then with
    now. Clients are the demo clinician's own flagged clients; each item's snapshot is taken from the models
    on the day it was brought, as the app takes it. Once only: nothing is added when the queue has items."""
    _name, clinician_id = accounts["clinician"]
    if not clinician_id:
        return 0
    reader = SnapshotReader(store)
    try:
        cur = reader.cursor()
        staff = {r[0]: r[1] for r in cur.execute(sql("sample_staff")).fetchall()}
        if not consultations.items(state, list(staff)).empty:
            return 0
        scope = Scope((clinician_id,))
        plans = [  # (days before the sample's last day it was brought, meeting days after that, question, ideas, step)
            (2, None, "Scores have gone up three sessions running despite good attendance. What might we be "
                      "missing?", "", ""),
            (10, 3, "Stuck after eight sessions. Worth changing the focus, or the format?",
             "Review the formulation together; try behavioural activation with smaller steps.",
             "Revisit the formulation next session and agree one small activity."),
            (42, 7, "Missed sessions and a drop in homework. How do we re-engage without pressure?",
             "A brief check-in call; shorter sessions for a few weeks.",
             "Offer a check-in call this week and a 30-minute session format."),
        ]
        used: set[str] = set()
        brought = 0
        for days, meeting_after, question, ideas, step in plans:
            day = SAMPLE_AS_OF - timedelta(days=days)
            flags = queries.active_flags(cur, scope, day)
            flags = flags[~flags["client_id"].isin(used)].sort_values(["client_id", "flag"])
            if flags.empty:
                continue
            client = str(flags["client_id"].iloc[0])
            used.add(client)
            momentum = queries.client_momentum(cur, scope, day)
            row = momentum[momentum["client_id"] == client]
            item_id = consultations.bring(
                state, client_id=client, clinician_id=clinician_id, team=staff.get(clinician_id),
                brought_by="clinician", question=question, as_of=day, from_flag=str(flags["flag"].iloc[0]),
                flags_then=flags.loc[flags["client_id"] == client, "flag"].tolist(),
                momentum_then=str(row["momentum"].iloc[0]) if len(row) else None,
                measure=str(row["primary_measure"].iloc[0]) if len(row) and row["primary_measure"].notna().iloc[0]
                else None,
                score_then=float(row["latest_score"].iloc[0]) if len(row) and row["latest_score"].notna().iloc[0]
                else None,
                now=datetime.combine(day, time(9, 30)))
            if meeting_after is not None:
                consultations.record_outcome(state, item_id, meeting_date=day + timedelta(days=meeting_after),
                                             ideas=ideas, next_step=step, recorded_by="supervisor",
                                             audience=list(staff))
            brought += 1
    finally:
        reader.close()
    audit.record(state, "system:demo", "consultations_seeded", items=brought)
    return brought
