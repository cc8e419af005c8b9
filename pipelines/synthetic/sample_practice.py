"""Seeded, deterministic generator of a believable synthetic group practice.

``generate_practice(PracticeSpec(...))`` builds the seven canonical exports of
the data contract (docs/data-contract.md; design §2) for a made-up practice and
``Practice.write(folder)`` writes them as CSV files: header row, comma
separated, UTF-8 without BOM, LF line endings, dates ``YYYY-MM-DD``, datetimes
``YYYY-MM-DD HH:MM:SS`` (local practice time), booleans ``true``/``false`` and
an empty cell for a missing value.

There is no protected health information in the output: clients are codes
(``C00042``), staff are codes (``T001``) with obviously synthetic display names
built from a fixed word list ("Clinician Ash"), and goal and win texts come
from small fixed phrase lists without names, dates or contact details.

How the practice is built (all of it vectorised with numpy):

* Staff: one manager (no caseload), two or three supervisors (more in very
  large networks, one per ~12 staff), the rest clinicians; teams, FTE, caseload
  targets scaled by FTE, a few overloaded clinicians and a couple who left
  (``active`` false; their clients were handed over to colleagues in the team).
* Every carrying staff member has a number of weekly appointment "seats"
  (a weekday and an hour). A seat holds one client at a time; walking back from
  the as-of date, each seat holds a current client and, before that, earlier
  clients who finished (discharged). The number of seats is the active
  caseload at the as-of date: about ``caseload_target``, well above it for the
  overloaded clinicians.
* Each client follows one ground-truth trajectory (see ``TRAJECTORIES``) that
  drives attendance, PHQ-9/GAD-7/ORS/SRS and goal ratings, homework completion
  and discharge. After the scores are drawn, the defining property of each
  label is enforced on the data so the labels are honest (see ``_enforce``).

Nothing is dated after ``as_of`` and nothing before the start of the window
(``months`` calendar months ending at ``as_of``); nothing about a client is
dated before their intake, except a PHQ-9 screening score a few days before
intake for about 1% of clients.

This module never imports streamlit.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines import clock
from schemas.exports import (
    GOAL_STATUSES,
    HOMEWORK_CATEGORIES,
    HOMEWORK_STATUSES,
    MODALITIES,
    SESSION_STATUSES,
    SESSION_TYPES,
    WIN_CATEGORIES,
)

__all__ = [
    "COLUMNS",
    "TABLES",
    "TRAJECTORIES",
    "Practice",
    "PracticeSpec",
    "generate_practice",
]

# --------------------------------------------------------------------------
# Contract: tables, columns (in order) and column kinds
# --------------------------------------------------------------------------

TABLES: tuple[str, ...] = (
    "clinicians",
    "clients",
    "sessions",
    "goals",
    "measures",
    "homework",
    "wins",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "clinicians": (
        "clinician_id",
        "name",
        "role",
        "supervisor_id",
        "team",
        "fte",
        "caseload_target",
        "active",
    ),
    "clients": (
        "client_id",
        "clinician_id",
        "intake_date",
        "discharge_date",
        "status",
        "presenting_problem",
    ),
    "sessions": (
        "session_id",
        "client_id",
        "clinician_id",
        "start",
        "duration_min",
        "status",
        "session_type",
        "modality",
        "note_signed_at",
    ),
    "goals": ("goal_id", "client_id", "created_at", "description", "value", "status"),
    "measures": (
        "client_id",
        "measure",
        "administered_at",
        "score",
        "risk_item",
        "goal_id",
        "session_id",
    ),
    "homework": (
        "assignment_id",
        "client_id",
        "clinician_id",
        "assigned_at",
        "due_at",
        "category",
        "status",
        "reviewed_at",
        "quality",
    ),
    "wins": ("win_id", "posted_by", "posted_at", "category", "text", "client_id"),
}

# Columns written as a date (YYYY-MM-DD); the frames hold them as datetime64.
_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("intake_date", "discharge_date"),
    "goals": ("created_at",),
    "homework": ("assigned_at", "due_at", "reviewed_at"),
}

TRAJECTORIES: tuple[str, ...] = (
    "improver",
    "early_responder",
    "slow_responder",
    "plateau",
    "deteriorator",
    "dropout",
    "recovered_discharged",
    "non_responder",
)

# --------------------------------------------------------------------------
# Fixed vocabularies (no identifying details anywhere)
# --------------------------------------------------------------------------

_NAME_WORDS = (
    "Ash", "Birch", "Cedar", "Elm", "Fir", "Larch", "Maple", "Oak", "Pine", "Spruce",
    "Alder", "Beech", "Cypress", "Hemlock", "Juniper", "Linden", "Poplar", "Sycamore",
    "Teak", "Yew", "Basalt", "Cobalt", "Flint", "Garnet", "Granite", "Onyx", "Quartz",
    "Slate", "Topaz", "Agate", "Comet", "Delta", "Ember", "Fjord", "Glacier", "Harbor",
    "Island", "Lagoon", "Mesa", "Nebula", "Orbit", "Prairie", "Quasar", "Reef", "Summit",
    "Tundra", "Vale", "Canyon", "Dune", "Estuary", "Geyser", "Heath", "Kelp", "Lichen",
    "Moss", "Nimbus", "Pebble", "Ridge", "Shoal", "Thicket",
)  # fmt: skip

_TEAM_WORDS = (
    "North", "South", "East", "West", "Central", "Harbour", "Valley", "Ridge", "Meadow",
    "Coast", "Hill", "River", "Lake", "Forest", "Bridge", "Park",
)  # fmt: skip

_ROLES = ("manager", "supervisor", "clinician")
_PROBLEMS = ("depression", "anxiety", "trauma", "relationship", "other")
_PROBLEM_P = (0.34, 0.30, 0.12, 0.12, 0.12)
# allowed values come from the contract itself (schemas/exports.py)
_SESSION_STATUS = tuple(SESSION_STATUSES)
_SESSION_TYPES = tuple(SESSION_TYPES)
_MODALITIES = tuple(MODALITIES)
_MEASURES = ("PHQ-9", "GAD-7", "ORS", "SRS", "GOAL")  # generator order; all in schemas/instruments.toml
_GOAL_STATUS = tuple(GOAL_STATUSES)
_HW_CATEGORIES = tuple(HOMEWORK_CATEGORIES)
_HW_STATUS = tuple(HOMEWORK_STATUSES)
_WIN_CATEGORIES = tuple(WIN_CATEGORIES)

_GOALS: tuple[tuple[str, str], ...] = (
    ("Walk three times a week", "health"),
    ("Reconnect with a friend", "connection"),
    ("Cook a simple meal most days", "health"),
    ("Get back to a hobby I enjoy", "meaning"),
    ("Keep a regular sleep schedule", "health"),
    ("Speak up once in each team meeting", "competence"),
    ("Take public transport on my own", "autonomy"),
    ("Go to the shop without a safe person", "autonomy"),
    ("Spend ten minutes outside every day", "health"),
    ("Call a family member each week", "connection"),
    ("Join a class or group activity", "connection"),
    ("Finish one small task before noon", "competence"),
    ("Say no to one extra request a week", "autonomy"),
    ("Practise a calming skill daily", "health"),
    ("Apply for two jobs", "competence"),
    ("Plan one enjoyable activity each weekend", "meaning"),
    ("Have a calm conversation about chores", "connection"),
    ("Drive on the motorway again", "autonomy"),
    ("Volunteer once a month", "meaning"),
    ("Read for pleasure twice a week", "meaning"),
    ("Reduce checking to once an evening", "autonomy"),
    ("Eat breakfast on workdays", "health"),
    ("Return to the gym once a week", "health"),
    ("Ask for help when feeling stuck", "competence"),
    ("Note one thing that went well each day", "meaning"),
    ("Spend screen-free time with family", "connection"),
    ("Keep a simple monthly budget", "competence"),
    ("Stay at a social event for an hour", "connection"),
    ("Learn one new skill at work", "competence"),
    ("Make a plan for the week ahead", "competence"),
)

_WIN_TEXTS: dict[str, tuple[str, ...]] = {
    "client_progress": (
        "A client walked three times this week after weeks of staying in.",
        "A client rated their goal progress higher than ever today.",
        "A client used a grounding skill during a hard moment and it worked.",
        "A client completed every homework task this week.",
        "A client's PHQ-9 dropped below the caseness cut-off.",
        "A client reconnected with an old friend.",
        "A client took the bus on their own for the first time in months.",
        "A client returned to work part-time.",
        "A client named a feeling in session instead of shutting down.",
        "A couple had their first calm conversation about money.",
        "A client finished their exposure ladder.",
        "A client said therapy finally feels like teamwork.",
        "A client slept through the night most of this week.",
        "A client asked for help early instead of waiting for a crisis.",
    ),
    "professional": (
        "Finished the trauma-focused CBT refresher course.",
        "Presented a case formulation at peer consultation.",
        "Caught up on every outstanding note.",
        "Started co-facilitating the anxiety skills group.",
        "Got encouraging feedback on a supervision recording.",
        "Tried a measurement-based care routine with every client this week.",
        "Completed the motivational interviewing workshop.",
        "Wrote a handout on sleep routines for the team.",
    ),
    "self_care": (
        "Took a full lunch break every day this week.",
        "Went for a walk between sessions.",
        "Left work on time three days in a row.",
        "Booked a long weekend off.",
        "Kept my evenings free of notes this week.",
        "Started a regular exercise routine again.",
        "Used my own grounding skills after a heavy session.",
        "Said no to an extra evening slot.",
    ),
    "team": (
        "Thanks to the team for covering intake calls this week.",
        "The team ran the new group protocol smoothly.",
        "Great turnout at the peer consultation meeting.",
        "Everyone pitched in on the waitlist review.",
        "The team welcomed a new colleague warmly.",
        "Supervision group shared three new ideas for stuck cases.",
        "Front desk and clinicians sorted out a scheduling mix-up together.",
        "A month of notes signed within a day, as a team.",
    ),
}

# --------------------------------------------------------------------------
# Client kinds (internal) -> trajectory label, status, course shape
# --------------------------------------------------------------------------
# Kinds 0-8 are the client currently in a seat at the as-of date ("gen 0");
# kinds 9-11 are earlier clients of the seat whose course ended.
(
    _K_IMPROVER,
    _K_EARLY,
    _K_NEW,
    _K_PAUSED,
    _K_SLOW,
    _K_PLATEAU,
    _K_DETER,
    _K_NONRESP,
    _K_DROPOUT,
    _K_RECOVERED,
    _K_DROPOUT_D,
    _K_NONRESP_D,
) = range(12)
_N_KINDS = 12

@dataclass(frozen=True)
class _Kind:
    """One client kind: its answer-key label and the shape of its course (one row of _KINDS)."""

    label: str  # the trajectory label in the answer key
    status: int  # index into _CLIENT_STATUS
    dropout: bool  # stops attending before the course ends
    rising: bool  # goal ratings never fall below their best so far
    slots: tuple[int, int]  # scheduled sessions including the intake: fewest, most
    min_attended: int  # fewest attended ("new": every slot attended)
    baseline: tuple[float, float]  # PHQ-9 baseline range
    change: tuple[float, float]  # PHQ-9 change magnitude range
    homework: tuple[float, float]  # completion propensity: P(completed), P(partial)
    goal_gain: tuple[float, float]  # goal rating gain range (0-10 scale)


# one row per kind, in the order of the _K_ constants above
_KINDS: tuple[_Kind, ...] = (
    #     label                   status dropout rising  slots    att  baseline  change     homework     goal gain
    _Kind("improver",                  0, False, True,  (7, 36),   6, (13, 22), (7.5, 11), (0.66, 0.2), (4, 6)),
    _Kind("early_responder",           0, False, True,  (5, 36),   4, (12, 22), (7, 12),   (0.62, 0.2), (4, 7)),
    # newly started; responding early
    _Kind("early_responder",           0, False, True,  (1, 4),    0, (10, 22), (7, 12),   (0.6, 0.2),  (3, 6)),
    # paused after an early response
    _Kind("early_responder",           1, False, True,  (6, 24),   5, (12, 22), (7, 12),   (0.6, 0.2),  (4, 7)),
    _Kind("slow_responder",            0, False, True,  (13, 52), 10, (14, 22), (4, 9),    (0.5, 0.25), (2, 5)),
    _Kind("plateau",                   0, False, False, (11, 52),  9, (14, 22), (1, 3),    (0.36, 0.3), (0, 1.5)),
    _Kind("deteriorator",              0, False, False, (6, 30),   5, (7, 18),  (6.5, 9),  (0.3, 0.25), (-2, 0)),
    _Kind("non_responder",             0, False, False, (11, 52),  8, (12, 21), (0, 3),    (0.3, 0.3),  (-1, 1.5)),
    _Kind("dropout",                   0, True,  False, (3, 10),   1, (10, 22), (0, 3),    (0.32, 0.2), (0, 1)),
    _Kind("recovered_discharged",      2, False, True,  (12, 36),  6, (11, 20), (0, 0),    (0.66, 0.2), (5, 8)),
    # dropped out earlier; administratively discharged
    _Kind("dropout",                   2, True,  False, (3, 11),   1, (10, 22), (0, 3),    (0.3, 0.2),  (0, 1)),
    # no reliable change; discharged (referred on)
    _Kind("non_responder",             2, False, False, (11, 36),  8, (12, 21), (0, 3),    (0.3, 0.3),  (-1, 1.5)),
)
assert len(_KINDS) == _N_KINDS
_CLIENT_STATUS = ("active", "paused", "discharged")
# the table's columns as arrays, indexed by kind (the generator works on whole arrays of clients)
_KIND_LABEL = np.array([k.label for k in _KINDS], dtype=object)
_KIND_STATUS = np.array([k.status for k in _KINDS])
_KIND_IS_DROPOUT = np.array([k.dropout for k in _KINDS])
_RISING = np.array([k.rising for k in _KINDS])
_K_MIN = np.array([k.slots[0] for k in _KINDS])
_K_MAX = np.array([k.slots[1] for k in _KINDS])
_MIN_ATT = np.array([k.min_attended for k in _KINDS])
_B_LO, _B_HI = (np.array([k.baseline[i] for k in _KINDS], dtype=float) for i in (0, 1))
_D_LO, _D_HI = (np.array([k.change[i] for k in _KINDS], dtype=float) for i in (0, 1))
_HW_P_COMPLETE, _HW_P_PARTIAL = (np.array([k.homework[i] for k in _KINDS]) for i in (0, 1))
_G_LO, _G_HI = (np.array([k.goal_gain[i] for k in _KINDS], dtype=float) for i in (0, 1))
# the mix of kinds: seats at the as-of date (kinds 0-8), and the earlier clients of a seat (9-11)
_W_GEN0 = np.array([0.20, 0.12, 0.12, 0.04, 0.12, 0.11, 0.07, 0.11, 0.11])
_W_PAST = np.array([0.74, 0.12, 0.14])
_SQUEEZE_P = 0.75  # see _plan: earliest courses shortened to fit the window

_EPOCH = dt.date(1970, 1, 1)
_DAY = 86_400


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


@dataclass
class PracticeSpec:
    """What to generate. The same spec always gives byte-identical CSV files."""

    seed: int = 7
    clinicians: int = 25  # total staff including the manager and supervisors
    months: int = 12
    sessions: int | None = None  # target session rows (±15%); None = natural (~20-25k default)
    as_of: dt.date = field(default_factory=clock.today)  # last date anything is dated on


@dataclass
class Practice:
    """A generated practice: the seven contract tables and the ground truth."""

    tables: dict[str, pd.DataFrame]
    trajectories: pd.DataFrame  # client_id, clinician_id, trajectory

    def write(self, out_dir: Path | str) -> dict[str, int]:
        """Write the seven CSV exports into ``out_dir``; return rows per table.

        Each file is written to a hidden temporary name first and then renamed,
        so a reader never sees a half-written export.
        """
        import duckdb  # only needed for writing

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = true")
            for name in TABLES:
                frame = self.tables[name]
                if tuple(frame.columns) != COLUMNS[name]:
                    raise ValueError(f"table {name} has columns {list(frame.columns)}")
                arrow = pa.Table.from_pandas(frame, preserve_index=False)
                for col in _DATE_COLUMNS.get(name, ()):
                    pos = arrow.schema.get_field_index(col)
                    day = pc.cast(arrow[col], pa.date32(), safe=False)
                    arrow = arrow.set_column(pos, col, day)
                tmp = out / f".{name}.csv.tmp"
                con.from_arrow(arrow).write_csv(
                    str(tmp),
                    sep=",",
                    na_rep="",
                    header=True,
                    quotechar='"',
                    escapechar='"',
                    date_format="%Y-%m-%d",
                    timestamp_format="%Y-%m-%d %H:%M:%S",
                )
                tmp.replace(out / f"{name}.csv")
                counts[name] = len(frame)
        finally:
            con.close()
        return counts


def generate_practice(
    spec: PracticeSpec, progress: Callable[[str], None] | None = None
) -> Practice:
    """Build a synthetic practice from ``spec`` (deterministic for a given spec)."""
    say = progress or (lambda _msg: None)
    _validate(spec)
    start_day, as_of_day = _window(spec.as_of, spec.months)
    seeds = np.random.SeedSequence(spec.seed).spawn(8)

    n_staff = spec.clinicians
    load_scale = 1.0
    say(f"planning a practice of {n_staff} staff over {spec.months} months")
    plan = _plan(seeds[0], n_staff, load_scale, start_day, as_of_day)
    if spec.sessions is not None:
        # Scale the staff first, then the caseloads, until the number of
        # scheduled sessions is close to the target; keep the closest plan.
        target = spec.sessions
        tried = {n_staff}
        best = plan
        for _ in range(10):
            total = max(plan.total_slots, 1)
            if abs(total - target) < abs(best.total_slots - target):
                best = plan
            if abs(total - target) <= 0.03 * target:
                break
            ratio = target / total
            new_staff = max(4, round(n_staff * ratio))
            if load_scale == 1.0 and new_staff not in tried:
                n_staff = new_staff
                tried.add(n_staff)
                say(f"scaling to {n_staff} staff for about {target:,} sessions")
            else:
                load_scale *= ratio
            plan = _plan(seeds[0], n_staff, load_scale, start_day, as_of_day)
        if abs(plan.total_slots - target) > abs(best.total_slots - target):
            plan = best

    say(f"scheduling {plan.total_slots:,} sessions for {len(plan.kind):,} clients")
    tables, trajectories = _build(plan, seeds, start_day, as_of_day, say)
    say("done")
    return Practice(tables=tables, trajectories=trajectories)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _validate(spec: PracticeSpec) -> None:
    if not isinstance(spec.seed, (int, np.integer)) or spec.seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if spec.clinicians < 4:
        raise ValueError("clinicians must be at least 4 (a manager, two supervisors, a clinician)")
    if spec.months < 1:
        raise ValueError("months must be at least 1")
    if spec.sessions is not None and spec.sessions < 1:
        raise ValueError("sessions must be positive")
    if not isinstance(spec.as_of, dt.date) or isinstance(spec.as_of, dt.datetime):
        raise ValueError("as_of must be a datetime.date")


def _day(d: dt.date) -> int:
    return (d - _EPOCH).days


def _window(as_of: dt.date, months: int) -> tuple[int, int]:
    """First and last day (days since epoch) of ``months`` months ending at as_of."""
    y, m = as_of.year, as_of.month - months
    while m <= 0:
        m += 12
        y -= 1
    d = min(as_of.day, calendar.monthrange(y, m)[1])
    start = dt.date(y, m, d) + dt.timedelta(days=1)
    return _day(start), _day(as_of)


def _weekday(days: np.ndarray | int) -> np.ndarray | int:
    return (np.asarray(days) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0..n-1 inside each consecutive group of the given sizes."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(_offsets(counts), counts)


def _choice_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One index per row of a (n, k) weight matrix (rows summing to > 0)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


class _Ids:
    """Codes ``prefix + zero-padded number`` for rows 0..n-1 (row -1 = missing)."""

    def __init__(self, prefix: str, n: int, width: int) -> None:
        self.prefix = prefix
        self.n = n
        self.width = max(width, len(str(n)))

    def series(self, rows: np.ndarray) -> pd.Series:
        rows = np.asarray(rows, dtype=np.int64)
        numbers = pa.array(rows + 1, mask=rows < 0)
        text = pc.utf8_lpad(pc.cast(numbers, pa.string()), self.width, "0")
        return _arrow_strings(pc.binary_join_element_wise(pa.scalar(self.prefix), text, ""))


def _arrow_strings(arr: pa.Array) -> pd.Series:
    out = arr.to_pandas()
    if out.dtype != "str":  # pragma: no cover - older pandas
        out = out.astype("str")
    return out


def _vocab(words: tuple[str, ...] | list[str], codes: np.ndarray) -> pd.Series:
    """Strings ``words[code]`` (code -1 = missing)."""
    codes = np.asarray(codes, dtype=np.int64)
    return _arrow_strings(
        pc.take(pa.array(list(words), pa.string()), pa.array(codes, mask=codes < 0))
    )


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    out = (np.asarray(days, dtype=np.int64) * _DAY).astype("datetime64[s]")
    if missing is not None:
        out[missing] = np.datetime64("NaT")
    return out


def _datetimes(secs: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    out = np.asarray(secs, dtype=np.int64).astype("datetime64[s]")
    if missing is not None:
        out[missing] = np.datetime64("NaT")
    return out


def _nullable_int(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing.copy())


# --------------------------------------------------------------------------
# Planning: staff, seats, clients (cheap; no per-session arrays)
# --------------------------------------------------------------------------


@dataclass
class _Plan:
    # staff (index = staff number, id T{index+1})
    role: np.ndarray
    team: np.ndarray  # -1 = none
    team_names: list[str]
    supervisor: np.ndarray  # -1 = none
    fte: np.ndarray
    target: np.ndarray
    active: np.ndarray
    leave_day: np.ndarray  # only meaningful where not active
    overloaded: np.ndarray
    late_notes: np.ndarray
    after_hours: np.ndarray
    measure_every: np.ndarray
    patchy: np.ndarray
    pcoms: np.ndarray
    hw_rate: np.ndarray
    cancel_mult: np.ndarray
    # seats
    seat_staff: np.ndarray
    seat_hour: np.ndarray
    # clients (unsorted)
    seat: np.ndarray
    kind: np.ndarray
    cad: np.ndarray
    k: np.ndarray
    end: np.ndarray  # day of the last scheduled session
    intake: np.ndarray
    n_miss: np.ndarray

    @property
    def total_slots(self) -> int:
        return int(self.k.sum())


def _plan(
    seed: np.random.SeedSequence, n: int, load_scale: float, start_day: int, as_of_day: int
) -> _Plan:
    rng = np.random.default_rng(seed)
    window = as_of_day - start_day + 1

    # ---- staff --------------------------------------------------------------
    if n < 16:
        n_sup = 2
    elif n <= 40:
        n_sup = 3
    else:
        n_sup = max(3, round((n - 1) / 12))
    n_sup = min(n_sup, n - 2)
    n_clin = n - 1 - n_sup
    role = np.array([0] + [1] * n_sup + [2] * n_clin)
    sup_of = np.arange(n_clin) % n_sup
    team = np.concatenate([[-1], np.arange(n_sup), sup_of])
    supervisor = np.concatenate([[-1], np.zeros(n_sup, int), 1 + sup_of])
    team_names = [
        _TEAM_WORDS[i % len(_TEAM_WORDS)]
        + ("" if i < len(_TEAM_WORDS) else f" {i // len(_TEAM_WORDS) + 1}")
        for i in range(n_sup)
    ]
    fte = np.empty(n)
    fte[0] = 1.0
    fte[1 : 1 + n_sup] = rng.choice([1.0, 0.8], size=n_sup, p=[0.7, 0.3])
    fte[1 + n_sup :] = rng.choice([1.0, 0.8, 0.6, 0.5], size=n_clin, p=[0.5, 0.25, 0.15, 0.1])
    base = np.where(role == 0, 0.0, np.where(role == 1, 20.0, 40.0))
    target = np.round(base * fte).astype(np.int64)

    clin_idx = np.arange(1 + n_sup, n)
    # Overloaded staff are picked among those working 0.8 FTE or more.
    perm = clin_idx[np.lexsort((rng.random(n_clin), fte[clin_idx] < 0.8))]
    n_over = 0 if n_clin < 3 else max(1, round(0.1 * n_clin))
    n_inact = 0 if n_clin < 3 else (1 if n_clin < 5 else max(2, round(0.02 * n_clin)))
    overloaded = np.zeros(n, bool)
    overloaded[perm[:n_over]] = True
    active = np.ones(n, bool)
    active[perm[n_over : n_over + n_inact]] = False
    leave_day = np.full(n, as_of_day + 1, dtype=np.int64)
    earliest_leave = start_day + window // 3
    leave = as_of_day - rng.integers(30, 151, size=n)
    leave_day[~active] = np.maximum(leave[~active], earliest_leave)

    # Habits: a fixed share of the staff who carry clients (at least one each),
    # plus, for late and after-hours notes, most of the overloaded.
    carrying = np.flatnonzero(role > 0)

    def some(share: float) -> np.ndarray:
        mask = np.zeros(n, bool)
        count = max(1, round(share * len(carrying)))
        mask[rng.choice(carrying, size=min(count, len(carrying)), replace=False)] = True
        return mask

    late_notes = some(0.1) | (overloaded & (rng.random(n) < 0.6))
    after_hours = some(0.12) | (overloaded & (rng.random(n) < 0.6))
    measure_every = np.where(rng.random(n) < 0.55, 1, 2)
    patchy = some(0.1)
    pcoms = some(0.3)
    hw_rate = rng.uniform(0.35, 0.85, size=n)
    weekly_share = np.where(overloaded, 0.7, rng.uniform(0.3, 0.55, size=n))
    load = np.where(overloaded, rng.uniform(1.4, 1.7, size=n), rng.uniform(0.9, 1.1, size=n))
    cancel_mult = np.where(overloaded, 2.0, 1.0)

    # ---- seats: a weekday and an hour each ----------------------------------
    # Weekdays worked and appointment hours (08:00-17:00 starts; the overloaded
    # work every weekday and also take 18:00 appointments).
    days_avail = np.where(overloaded, 5, np.clip(np.ceil(5 * fte).astype(int), 1, 5))
    hours = np.where(overloaded, 11, 10)
    capacity = days_avail * hours
    n_seats = np.where(target > 0, np.maximum(1, np.round(target * load * load_scale)), 0).astype(
        int
    )
    n_seats = np.minimum(n_seats, capacity)
    seat_staff = np.repeat(np.arange(n), n_seats)
    seat_dow = np.empty(len(seat_staff), dtype=np.int64)
    seat_hour = np.empty(len(seat_staff), dtype=np.int64)
    pos = 0
    for s in range(n):
        m = n_seats[s]
        if m == 0:
            continue
        days = np.sort(rng.permutation(5)[: days_avail[s]])
        cells = rng.choice(days_avail[s] * hours[s], size=m, replace=False)
        seat_dow[pos : pos + m] = days[cells // hours[s]]
        seat_hour[pos : pos + m] = 8 + cells % hours[s]
        pos += m
    n_seat = len(seat_staff)
    # Some seats opened during the window (the practice grew).
    late_open = rng.random(n_seat) < 0.1
    seat_open = np.where(
        late_open, start_day + rng.integers(0, max(1, int(window * 0.7)), n_seat), start_day
    )
    seat_open = np.minimum(seat_open, as_of_day - 28)
    lo = np.maximum(seat_open, start_day)
    e0 = as_of_day - (_weekday(as_of_day) - seat_dow) % 7  # last seat weekday <= as_of

    # ---- gen 0: the client in each seat now ----------------------------------
    cad = np.where(rng.random(n_seat) < weekly_share[seat_staff], 7, 14)
    n_miss = np.where(rng.random(n_seat) < 0.35, 3, 2)
    ends = np.empty((n_seat, 9), dtype=np.int64)
    eng_end = e0 - 7 * ((cad == 14) & (rng.random(n_seat) < 0.5))
    ends[:] = eng_end[:, None]
    ends[:, _K_PAUSED] = e0 - 7 * rng.integers(3, 9, n_seat)
    w_min = np.maximum(1, np.ceil((e0 - n_miss * cad - (as_of_day - 22)) / 7).astype(int))
    ends[:, _K_DROPOUT] = e0 - 7 * (w_min + rng.integers(0, 13, n_seat))
    kmin = np.broadcast_to(_K_MIN[:9], (n_seat, 9)).copy()
    kmin[:, _K_DROPOUT] = n_miss + 1
    max_k = (ends - lo[:, None]) // cad[:, None] + 1
    feasible = max_k >= kmin
    weights = _W_GEN0[None, :] * feasible
    has = weights.sum(axis=1) > 0
    kind0 = _choice_rows(rng, np.where(has[:, None], weights, 1.0))
    rows = np.arange(n_seat)
    end0 = ends[rows, kind0]
    hi = np.minimum(_K_MAX[kind0], max_k[rows, kind0])
    lo_k = kmin[rows, kind0]
    # Skewed towards short elapsed courses: intakes keep coming until the end.
    k0 = lo_k + (rng.random(n_seat) ** 1.6 * (np.maximum(lo_k, hi) - lo_k + 1)).astype(np.int64)
    sel = np.flatnonzero(has)
    parts = {
        "seat": [sel],
        "kind": [kind0[sel]],
        "cad": [cad[sel]],
        "k": [k0[sel]],
        "end": [end0[sel]],
        "n_miss": [np.where(_KIND_IS_DROPOUT[kind0[sel]], n_miss[sel], 0)],
    }
    frontier = end0[sel] - (k0[sel] - 1) * cad[sel]
    parts["intake"] = [frontier.copy()]

    # ---- earlier clients of each seat, walking back in time ------------------
    alive = sel
    front = frontier
    while len(alive):
        m = len(alive)
        gap = rng.choice([1, 1, 1, 2, 2, 3, 5], size=m)
        e = front - 7 * gap
        c = np.where(rng.random(m) < weekly_share[seat_staff[alive]], 7, 14)
        nm = np.where(rng.random(m) < 0.35, 3, 2)
        kmin_p = np.broadcast_to(_K_MIN[9:], (m, 3)).copy()
        kmin_p[:, 1] = nm + 1
        mk = (e - lo[alive]) // c + 1
        # Draw the kind and the course length. A course that does not fit after
        # the start of the window (or the seat's opening) is usually shortened
        # to fit (keeping the seats busy early on) and otherwise left out: the
        # seat was empty before. This trades a small bump of intakes in the
        # first weeks against a ramp of sessions.
        pick = _choice_rows(rng, np.broadcast_to(_W_PAST, (m, 3)))
        r = np.arange(m)
        lo_p = kmin_p[r, pick]
        kk = rng.integers(lo_p, np.maximum(lo_p, _K_MAX[9 + pick]) + 1)
        squeeze = (kk > mk) & (mk >= lo_p) & (rng.random(m) < _SQUEEZE_P)
        kk = np.where(squeeze, rng.integers(lo_p, np.maximum(lo_p, mk) + 1), kk)
        ok = kk <= mk
        if not ok.any():
            break
        keep = np.flatnonzero(ok)
        kind_p = 9 + pick[keep]
        parts["seat"].append(alive[keep])
        parts["kind"].append(kind_p)
        parts["cad"].append(c[keep])
        parts["k"].append(kk[keep])
        parts["end"].append(e[keep])
        parts["n_miss"].append(np.where(_KIND_IS_DROPOUT[kind_p], nm[keep], 0))
        new_front = e[keep] - (kk[keep] - 1) * c[keep]
        parts["intake"].append(new_front)
        alive = alive[keep]
        front = new_front

    cat = {key: np.concatenate(v).astype(np.int64) for key, v in parts.items()}
    return _Plan(
        role=role,
        team=team,
        team_names=team_names,
        supervisor=supervisor,
        fte=fte,
        target=target,
        active=active,
        leave_day=leave_day,
        overloaded=overloaded,
        late_notes=late_notes,
        after_hours=after_hours,
        measure_every=measure_every,
        patchy=patchy,
        pcoms=pcoms,
        hw_rate=hw_rate,
        cancel_mult=cancel_mult,
        seat_staff=seat_staff,
        seat_hour=seat_hour,
        seat=cat["seat"],
        kind=cat["kind"],
        cad=cat["cad"],
        k=cat["k"],
        end=cat["end"],
        intake=cat["intake"],
        n_miss=cat["n_miss"],
    )


# --------------------------------------------------------------------------
# Building the tables
# --------------------------------------------------------------------------


def _build(
    p: _Plan,
    seeds: list[np.random.SeedSequence],
    start_day: int,
    as_of_day: int,
    say: Callable[[str], None],
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    c = _clients_stage(p, np.random.default_rng(seeds[1]), as_of_day)
    staff = _Ids("T", len(p.role), 3)
    clients_ids = _Ids("C", len(c.kind), 5)

    say("drawing session attendance and signing notes")
    s, sessions = _sessions_stage(
        p, c, np.random.default_rng(seeds[7]), np.random.default_rng(seeds[2]), as_of_day,
        staff, clients_ids,
    )  # fmt: skip
    say("setting goals")
    g, goals = _goals_stage(c, s, np.random.default_rng(seeds[4]), clients_ids)
    say("scoring measures")
    measures = _measures_stage(p, c, s, g, np.random.default_rng(seeds[3]), start_day, clients_ids)
    del g
    say("assigning homework")
    homework = _homework_stage(
        p, c, s, np.random.default_rng(seeds[5]), as_of_day, staff, clients_ids
    )
    del s
    say("posting wins")
    wins = _wins_stage(
        p, c, np.random.default_rng(seeds[6]), start_day, as_of_day, staff, clients_ids
    )

    names = []
    role_prefix = ("Manager", "Supervisor", "Clinician")
    for i, r in enumerate(p.role):
        word = _NAME_WORDS[i % len(_NAME_WORDS)]
        suffix = "" if i < len(_NAME_WORDS) else f" {i // len(_NAME_WORDS) + 1}"
        names.append(f"{role_prefix[r]} {word}{suffix}")
    n_staff = len(p.role)
    clinicians = pd.DataFrame(
        {
            "clinician_id": staff.series(np.arange(n_staff)),
            "name": _vocab(names, np.arange(n_staff)),
            "role": _vocab(_ROLES, p.role),
            "supervisor_id": staff.series(p.supervisor),
            "team": _vocab(p.team_names, p.team),
            "fte": p.fte.astype(float),
            "caseload_target": p.target.astype(np.int64),
            "active": p.active.astype(bool),
        }
    )
    n_cl = len(c.kind)
    clients = pd.DataFrame(
        {
            "client_id": clients_ids.series(np.arange(n_cl)),
            "clinician_id": staff.series(c.primary),
            "intake_date": _dates(c.intake),
            "discharge_date": _dates(c.discharge, c.discharge < 0),
            "status": _vocab(_CLIENT_STATUS, c.status),
            "presenting_problem": _vocab(_PROBLEMS, c.problem),
        }
    )
    trajectories = pd.DataFrame(
        {
            "client_id": clients_ids.series(np.arange(n_cl)),
            "clinician_id": staff.series(c.primary),
            "trajectory": _vocab(list(_KIND_LABEL), c.kind),
        }
    )
    tables = {
        "clinicians": clinicians,
        "clients": clients,
        "sessions": sessions,
        "goals": goals,
        "measures": measures,
        "homework": homework,
        "wins": wins,
    }
    return tables, trajectories


class _Bag:
    """A plain attribute bag for the arrays shared between stages."""

    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)

    def __getattr__(self, name: str) -> np.ndarray:  # for type checkers
        raise AttributeError(name)


def _clients_stage(p: _Plan, rng: np.random.Generator, as_of_day: int) -> _Bag:
    """Clients in intake order, with their course and the clinician holding them."""
    order = np.lexsort((p.seat, p.intake))
    seat = p.seat[order]
    kind = p.kind[order]
    end = p.end[order]
    n_cl = len(kind)
    orig = p.seat_staff[seat]
    status = _KIND_STATUS[kind]

    problem = rng.choice(len(_PROBLEMS), size=n_cl, p=_PROBLEM_P)
    fmt_u = rng.random(n_cl)
    fmt = np.where(  # 1 individual, 2 couple, 3 family, 4 group, 5 other
        problem == 3,
        np.where(fmt_u < 0.55, 2, np.where(fmt_u < 0.65, 3, 1)),
        np.where(fmt_u < 0.07, 4, np.where(fmt_u < 0.10, 3, np.where(fmt_u < 0.11, 5, 1))),
    )
    base_dur = rng.choice([50, 45, 60, 30], size=n_cl, p=[0.6, 0.2, 0.15, 0.05])
    tele = rng.random(n_cl) < 0.35
    ns_mult = rng.gamma(2.0, 0.5, size=n_cl)
    lc_mult = rng.gamma(2.0, 0.5, size=n_cl)

    discharge = np.full(n_cl, -1, dtype=np.int64)
    disc_lag = np.select(
        [kind == _K_RECOVERED, kind == _K_DROPOUT_D, kind == _K_NONRESP_D],
        [rng.integers(0, 15, n_cl), rng.integers(14, 43, n_cl), rng.integers(0, 22, n_cl)],
        0,
    )
    is_disc = status == 2
    discharge[is_disc] = np.minimum(end[is_disc] + disc_lag[is_disc], as_of_day)

    # Clients of staff who left go to an active colleague of the same team.
    carrying_active = np.flatnonzero((p.role > 0) & p.active)
    successor = np.full(n_cl, -1, dtype=np.int64)
    leaver_client = ~p.active[orig]
    if leaver_client.any():
        u = rng.random(n_cl)
        for t in np.unique(p.team[orig[leaver_client]]):
            pool = carrying_active[p.team[carrying_active] == t]
            if len(pool) == 0:
                pool = carrying_active
            mask = leaver_client & (p.team[orig] == t)
            successor[mask] = pool[(u[mask] * len(pool)).astype(int)]
    handed_over = leaver_client & ((status != 2) | (end > p.leave_day[orig]))
    primary = np.where(handed_over, successor, orig)
    return _Bag(
        seat=seat,
        kind=kind,
        cad=p.cad[order],
        k=p.k[order],
        end=end,
        intake=p.intake[order],
        n_miss=p.n_miss[order],
        orig=orig,
        status=status,
        problem=problem,
        fmt=fmt,
        base_dur=base_dur,
        tele=tele,
        ns_mult=ns_mult,
        lc_mult=lc_mult,
        discharge=discharge,
        successor=successor,
        leaver_client=leaver_client,
        primary=primary,
    )


def _sessions_stage(
    p: _Plan,
    c: _Bag,
    rng: np.random.Generator,
    rng_n: np.random.Generator,
    as_of_day: int,
    staff: _Ids,
    client_ids: _Ids,
) -> tuple[_Bag, pd.DataFrame]:
    """Every scheduled session (slot) of every client, its status and its note."""
    n_cl = len(c.kind)
    k = c.k
    n_slot = int(k.sum())
    scl = np.repeat(np.arange(n_cl), k)
    slot_off = _offsets(k)
    j = _ranks(k)
    day = c.intake[scl] + j * c.cad[scl]
    sclin = c.orig[scl]
    moved = c.leaver_client[scl] & (day > p.leave_day[sclin])
    sclin = np.where(moved, c.successor[scl], sclin)
    del moved
    start = day * _DAY + p.seat_hour[c.seat[scl]] * 3600

    # Status: attended, no_show, late_cancel, cancelled, clinician_cancel.
    drop_pre = _KIND_IS_DROPOUT[c.kind[scl]]
    u = rng.random(n_slot)
    c1 = 0.072 * c.ns_mult[scl] * np.where(drop_pre, 1.8, 1.0)
    c2 = c1 + 0.048 * c.lc_mult[scl]
    c3 = c2 + 0.045
    c4 = c3 + 0.014 * p.cancel_mult[sclin]
    sst = np.select([u < c1, u < c2, u < c3, u < c4], [1, 2, 3, 4], 0).astype(np.int8)
    del u, c1, c2, c3, c4
    k_of = k[scl]
    last = j == k_of - 1
    forced_miss = drop_pre & (j >= k_of - c.n_miss[scl])
    sst[forced_miss] = np.where(rng.random(int(forced_miss.sum())) < 0.7, 1, 2)
    sst[j == 0] = 0
    # a finished course ends on an attended session; a course still open at the as-of date ends wherever
    # its schedule stops, with the usual chance of a missed session (its last week is like the others)
    sst[last & ~drop_pre & (c.status[scl] == 2)] = 0
    # ...but a client who is not dropping out never ends on two missed sessions in a row (that is the
    # MISSED_SESSIONS pattern their kind must not show)
    missed = (sst == 1) | (sst == 2)
    prev_missed = np.zeros_like(missed)
    prev_missed[1:] = missed[:-1]
    sst[last & ~drop_pre & missed & prev_missed & (j > 0)] = 0
    del missed, prev_missed
    del last, drop_pre, k_of
    # Minimum number of attended sessions for the trajectory.
    min_att = np.where(c.kind == _K_NEW, k, _MIN_ATT[c.kind])
    att = sst == 0
    deficit = np.maximum(0, min_att - np.bincount(scl, weights=att, minlength=n_cl).astype(int))
    elig = (~att & ~forced_miss).astype(np.int64)
    cs = np.cumsum(elig)
    base = cs[slot_off] - elig[slot_off]
    flip = (elig == 1) & (cs - base[scl] <= deficit[scl])
    sst[flip] = 0
    del elig, cs, base, flip, forced_miss
    att = sst == 0
    n_att = np.bincount(scl, weights=att, minlength=n_cl).astype(np.int64)
    att_slots = np.flatnonzero(att)

    # Type, duration, modality.
    stype = np.where(j == 0, 0, c.fmt[scl]).astype(np.int8)
    del j
    dur = np.select(
        [stype == 0, stype == 4, (stype == 2) | (stype == 3)], [60, 90, 60], c.base_dur[scl]
    )
    modality = (c.tele[scl] ^ (rng.random(n_slot) < 0.1)).astype(np.int8)

    # Notes: signed after the session ends; some staff habitually late or after hours.
    end_sec = start + dur * 60
    lag = np.exp(rng_n.normal(np.log(1.5 * 3600), 1.0, n_slot))
    late = p.late_notes[sclin]
    late_draw = rng_n.random(n_slot)
    very_late = np.where(late, late_draw < 0.45, late_draw < 0.02)
    lag = np.where(late & ~very_late, np.exp(rng_n.normal(np.log(8 * 3600), 1.1, n_slot)), lag)
    lag = np.where(very_late, rng_n.uniform(72 * 3600 + 60, 260 * 3600, n_slot), lag)
    signed = end_sec + lag.astype(np.int64)
    del lag, late, late_draw
    ah = p.after_hours[sclin] & (rng_n.random(n_slot) < 0.5) & ~very_late
    evening = rng_n.random(n_slot) < 0.7
    ev_day = day + rng_n.choice([0, 1, 2], size=n_slot, p=[0.5, 0.3, 0.2])
    ev_sec = ev_day * _DAY + rng_n.integers(20 * 3600, 23 * 3600 + 1800, n_slot)
    del ev_day
    wd = _weekday(day)
    sat = day + (5 - wd) % 7
    we_sec = (sat + rng_n.integers(0, 2, n_slot)) * _DAY + rng_n.integers(
        9 * 3600, 15 * 3600, n_slot
    )
    del sat
    ah_sec = np.where(evening | (wd >= 5), ev_sec, we_sec)
    del ev_sec, we_sec, evening, wd
    signed = np.where(ah, np.maximum(ah_sec, end_sec + 600), signed)
    del ah, ah_sec, end_sec, very_late
    unsigned = ~att | (signed // _DAY > as_of_day)

    # Session ids in order of start time.
    so = np.lexsort((scl, start))
    s_rank = np.empty(n_slot, dtype=np.int64)
    s_rank[so] = np.arange(n_slot)
    session_ids = _Ids("S", n_slot, 7)
    sessions = pd.DataFrame(
        {
            "session_id": session_ids.series(np.arange(n_slot)),
            "client_id": client_ids.series(scl[so]),
            "clinician_id": staff.series(sclin[so]),
            "start": _datetimes(start[so]),
            "duration_min": dur[so].astype(np.int64),
            "status": _vocab(_SESSION_STATUS, sst[so]),
            "session_type": _vocab(_SESSION_TYPES, stype[so]),
            "modality": _vocab(_MODALITIES, modality[so]),
            "note_signed_at": _datetimes(signed[so], unsigned[so]),
        }
    )
    del so, sst, stype, modality, signed, unsigned, dur
    a_idx = _ranks(n_att)  # attended index of each attended slot
    return (
        _Bag(
            scl=scl,
            day=day,
            start=start,
            sclin=sclin,
            att_slots=att_slots,
            a_idx=a_idx,
            n_att=n_att,
            att_off=_offsets(n_att),
            a_last=n_att - 1,
            s_rank=s_rank,
            session_ids=session_ids,
        ),
        sessions,
    )


def _goals_stage(
    c: _Bag, s: _Bag, rng: np.random.Generator, client_ids: _Ids
) -> tuple[_Bag, pd.DataFrame]:
    """1-3 goals per client and the client's GOAL ratings of each."""
    n_cl = len(c.kind)
    kind = c.kind
    a_last = s.a_last
    n_goals = rng.choice([1, 2, 3], size=n_cl, p=[0.3, 0.45, 0.25])
    g_cl = np.repeat(np.arange(n_cl), n_goals)
    g_rank = _ranks(n_goals)
    n_g = len(g_cl)
    # The attended session (index) at which the goal was set.
    g_c = np.where(g_rank == 0, 0, np.minimum(rng.integers(0, 4, n_g), a_last[g_cl]))
    g_created = s.day[s.att_slots[s.att_off[g_cl] + g_c]]
    n_phr = len(_GOALS)
    g_base = rng.integers(0, n_phr, n_cl)
    g_step = rng.integers(1, n_phr // 2, n_cl)  # distinct phrases within a client
    g_phrase = (g_base[g_cl] + g_rank * g_step[g_cl]) % n_phr
    g0 = rng.integers(1, 5, n_g).astype(float)
    gain = rng.uniform(_G_LO[kind[g_cl]], _G_HI[kind[g_cl]])

    # Ratings at the session the goal was set, every other session, and the last.
    n_rate = a_last[g_cl] - g_c + 1
    r_goal = np.repeat(np.arange(n_g), n_rate)
    r_x = g_c[r_goal] + _ranks(n_rate)
    keep = ((r_x - g_c[r_goal]) % 2 == 0) | (r_x == a_last[g_cl][r_goal])
    r_goal = r_goal[keep]
    r_x = r_x[keep]
    del keep
    r_cl = g_cl[r_goal]
    steps = (r_x - g_c[r_goal]).astype(float)
    # A goal set late in the course has less time to move (at most ~1 point a rating).
    span = np.maximum(a_last[r_cl] - g_c[r_goal], 6).astype(float)
    prog = steps / span
    rk = kind[r_cl]
    shape = np.select(
        [np.isin(rk, [_K_EARLY, _K_NEW, _K_PAUSED]), rk == _K_SLOW, rk == _K_RECOVERED],
        [
            1 - np.exp(-steps / 1.5),
            prog**1.5,
            (1 - np.exp(-steps / 2.5)) / (1 - np.exp(-span / 2.5)),
        ],
        prog,
    )
    del steps, span, prog
    noise = np.clip(rng.normal(0, 0.35, len(r_x)), -0.8, 0.8)
    rating = np.clip(np.round(g0[r_goal] + gain[r_goal] * shape + noise), 0, 10).astype(np.int64)
    del shape
    # Rising kinds move up in small steps: running maximum inside each goal.
    run_max = np.maximum.accumulate(rating + 11 * r_goal) - 11 * r_goal
    rating = np.where(_RISING[rk], run_max, rating)
    del run_max, rk
    r_slot = s.att_slots[s.att_off[r_cl] + r_x]
    last_rating = rating[np.cumsum(np.bincount(r_goal, minlength=n_g)) - 1]
    u = rng.random(n_g)
    g_status = np.where(
        c.status[g_cl] == 2,
        np.where(last_rating >= 7, 1, 2),
        np.where(
            last_rating >= 8,
            1,
            np.where(u < np.where(_KIND_IS_DROPOUT[kind[g_cl]], 0.4, 0.05), 2, 0),
        ),
    )
    goal_ids = _Ids("G", n_g, 6)
    goals = pd.DataFrame(
        {
            "goal_id": goal_ids.series(np.arange(n_g)),
            "client_id": client_ids.series(g_cl),
            "created_at": _dates(g_created),
            "description": _vocab([t for t, _ in _GOALS], g_phrase),
            "value": _vocab([v for _, v in _GOALS], g_phrase),
            "status": _vocab(_GOAL_STATUS, g_status),
        }
    )
    return _Bag(r_goal=r_goal, r_cl=r_cl, r_slot=r_slot, rating=rating, goal_ids=goal_ids), goals


def _measures_stage(
    p: _Plan,
    c: _Bag,
    s: _Bag,
    g: _Bag,
    rng: np.random.Generator,
    start_day: int,
    client_ids: _Ids,
) -> pd.DataFrame:
    """PHQ-9, GAD-7 (and for some staff ORS, SRS) at attended sessions, GOAL ratings."""
    n_cl = len(c.kind)
    kind = c.kind
    b = np.round(rng.uniform(_B_LO[kind], _B_HI[kind]))
    mag = rng.uniform(_D_LO[kind], _D_HI[kind])
    recovered = kind == _K_RECOVERED
    tau = np.where(recovered, rng.uniform(1.5, 4.0, n_cl), rng.uniform(0.9, 1.6, n_cl))
    # Keep every curve inside the scale.
    early_like = np.isin(kind, [_K_EARLY, _K_NEW, _K_PAUSED])
    mag = np.where(early_like, np.minimum(mag, b - 1), mag)
    plateau = kind == _K_PLATEAU
    b = np.where(plateau, np.maximum(b, 11 + np.ceil(mag)), b)
    deter = kind == _K_DETER
    mag = np.where(deter, np.minimum(mag, 27 - b), mag)
    fin = rng.uniform(3, 8, n_cl)
    mag = np.where(recovered, np.maximum(b - fin, 0), mag)
    plateau_level = np.round(b - mag)

    att_slots = s.att_slots
    x = s.a_idx.astype(float)
    ac = s.scl[att_slots]
    kk = kind[ac]
    ax = np.maximum(s.a_last[ac], 1).astype(float)
    bb = b[ac]
    mm = mag[ac]
    tt = tau[ac]
    rel = x / ax
    # Noise-free PHQ-9 course per trajectory (x = attended session index).
    f = np.select(
        [
            kk == _K_IMPROVER,
            np.isin(kk, [_K_EARLY, _K_NEW, _K_PAUSED]),
            kk == _K_SLOW,
            kk == _K_PLATEAU,
            kk == _K_DETER,
            np.isin(kk, [_K_NONRESP, _K_NONRESP_D]),
            np.isin(kk, [_K_DROPOUT, _K_DROPOUT_D]),
            kk == _K_RECOVERED,
        ],
        [
            bb - mm * rel,
            bb - mm * (1 - np.exp(-x / tt)),
            bb - mm * rel**1.5,
            bb - mm * np.minimum(x / 3, 1),
            bb + mm * rel,
            bb - mm * rel,
            bb - mm * np.minimum(x, 4) / 4,
            bb - mm * (1 - np.exp(-x / tt)) / (1 - np.exp(-ax / tt)),
        ],
        bb,
    )
    del rel, tt, ax, mm
    noise = np.where(
        np.isin(kk, [_K_NONRESP, _K_NONRESP_D]),
        rng.integers(-2, 3, len(x)),
        rng.choice([-1, 0, 1], size=len(x), p=[0.25, 0.5, 0.25]),
    )
    phq_all = np.clip(np.round(f + noise), 0, 27).astype(np.int64)
    bg = np.clip(
        np.round(0.75 * b + rng.normal(0, 2, n_cl) + 2.5 * np.isin(c.problem, [1, 2])), 3, 21
    )
    fin_g = rng.uniform(2, 6, n_cl)
    s_g = np.where(
        recovered,
        np.maximum(bg - fin_g, 0) / np.maximum(mag, 1e-9),
        0.75 * rng.uniform(0.8, 1.2, n_cl),
    )
    gad_all = np.clip(
        np.round(bg[ac] - s_g[ac] * (bb - f) + rng.choice([-1, 0, 1], size=len(x))), 0, 21
    ).astype(np.int64)
    del noise, bb

    # Which attended sessions have PHQ-9 / GAD-7.
    a_att = s.a_idx
    aclin = s.sclin[att_slots]
    skip = p.patchy[aclin] & (rng.random(len(x)) < 0.3)
    forced = (a_att == 0) | ((a_att == s.a_last[ac]) & ~_KIND_IS_DROPOUT[kk]) | (kk == _K_PLATEAU)
    measured = forced | ((a_att % p.measure_every[aclin] == 0) & ~skip)
    del skip, forced, x
    m_slot = att_slots[measured]
    m_cl = ac[measured]
    phq = phq_all[measured]
    gad = gad_all[measured]
    del phq_all, gad_all, measured
    _enforce(m_cl, phq, gad, kind, plateau_level)
    risk_p = (0.006 + 0.02 * (phq >= 15) + 0.05 * (phq >= 20)) * np.where(
        kind[m_cl] == _K_DETER, 3, 1
    )
    risk = np.where(
        rng.random(len(phq)) < risk_p,
        rng.choice([1, 2, 3], size=len(phq), p=[0.75, 0.2, 0.05]),
        0,
    )
    risk = np.minimum(risk, phq)
    del risk_p

    # ORS and SRS (PCOMS) at every attended session of staff who use them.
    pc_ = p.pcoms[aclin]
    o_slot = att_slots[pc_]
    o_f = f[pc_]
    o_kind = kk[pc_]
    del f, kk, aclin, pc_
    n_o = len(o_slot)
    ors = np.clip(np.round(38 - 1.05 * o_f + rng.normal(0, 1.5, n_o)), 0, 40).astype(np.int64)
    dip_p = np.where(np.isin(o_kind, [_K_DETER, _K_DROPOUT, _K_DROPOUT_D, _K_NONRESP]), 0.2, 0.04)
    srs = np.where(
        rng.random(n_o) < dip_p,
        rng.integers(27, 36, n_o),
        rng.choice([36, 37, 38, 39, 40], size=n_o, p=[0.08, 0.15, 0.27, 0.3, 0.2]),
    ).astype(np.int64)
    del o_f, o_kind, dip_p

    # A PHQ-9 screening score a few days before intake for about 1% of clients.
    screen_ok = np.isin(kind, [_K_IMPROVER, _K_EARLY, _K_SLOW, _K_RECOVERED, _K_DROPOUT]) & (
        c.intake - 8 >= start_day
    )
    cand = np.flatnonzero(screen_ok)
    n_scr = min(len(cand), round(0.01 * n_cl))
    scr_cl = np.sort(rng.choice(cand, size=n_scr, replace=False)) if n_scr else cand[:0]
    first_pos = np.searchsorted(m_cl, scr_cl)  # each client's first PHQ-9 row
    scr_score = np.minimum(27, phq[first_pos] + rng.integers(0, 3, n_scr))
    scr_time = (c.intake[scr_cl] - rng.integers(2, 8, n_scr)) * _DAY + (
        rng.integers(9 * 60, 17 * 60, n_scr) * 60
    )

    # Assemble, one row per (client, measure, administered_at, goal).
    n_m = len(m_slot)
    n_r = len(g.r_slot)
    m_all_cl = np.concatenate([m_cl, m_cl, s.scl[o_slot], s.scl[o_slot], g.r_cl, scr_cl])
    code = np.concatenate(
        [
            np.zeros(n_m, np.int8),
            np.ones(n_m, np.int8),
            np.full(n_o, 2, np.int8),
            np.full(n_o, 3, np.int8),
            np.full(n_r, 4, np.int8),
            np.zeros(n_scr, np.int8),
        ]
    )
    slot = np.concatenate([m_slot, m_slot, o_slot, o_slot, g.r_slot, np.full(n_scr, -1)])
    del m_slot, o_slot
    when = s.start[np.maximum(slot, 0)]
    when[len(when) - n_scr :] = scr_time
    score = np.concatenate([phq, gad, ors, srs, g.rating, scr_score]).astype(np.int64)
    risk_all = np.concatenate([risk, np.full(n_m + 2 * n_o + n_r, -1), np.zeros(n_scr, np.int64)])
    goal = np.concatenate([np.full(2 * n_m + 2 * n_o, -1), g.r_goal, np.full(n_scr, -1)])
    del phq, gad, ors, srs, risk
    order = np.lexsort((goal, code, when, m_all_cl))
    slot = slot[order]
    session = np.where(slot >= 0, s.s_rank[np.maximum(slot, 0)], -1)
    del slot
    risk_all = risk_all[order]
    return pd.DataFrame(
        {
            "client_id": client_ids.series(m_all_cl[order]),
            "measure": _vocab(_MEASURES, code[order]),
            "administered_at": _datetimes(when[order]),
            "score": score[order],
            "risk_item": _nullable_int(risk_all, risk_all < 0),
            "goal_id": g.goal_ids.series(goal[order]),
            "session_id": s.session_ids.series(session),
        }
    )


def _homework_stage(
    p: _Plan,
    c: _Bag,
    s: _Bag,
    rng: np.random.Generator,
    as_of_day: int,
    staff: _Ids,
    client_ids: _Ids,
) -> pd.DataFrame:
    """Assignments set at attended sessions and reviewed at the next one."""
    att_slots = s.att_slots
    a_att = s.a_idx
    aclin = s.sclin[att_slots]
    ac = s.scl[att_slots]
    assigned = rng.random(len(att_slots)) < p.hw_rate[aclin] * np.where(a_att == 0, 0.4, 1.0)
    h_slot = att_slots[assigned]
    h_cl = ac[assigned]
    h_a = a_att[assigned]
    n_h = len(h_slot)
    del aclin, ac, assigned
    has_next = h_a < s.a_last[h_cl]
    next_slot = att_slots[np.minimum(s.att_off[h_cl] + h_a + 1, len(att_slots) - 1)]
    reviewed = has_next & ~(rng.random(n_h) < 0.05)  # sometimes not reviewed
    hk = c.kind[h_cl]
    decline = np.isin(hk, [_K_DROPOUT, _K_DROPOUT_D, _K_DETER])
    shift = rng.uniform(-0.12, 0.12, len(c.kind))[h_cl]
    p_done = np.clip(
        _HW_P_COMPLETE[hk] * np.where(decline, np.maximum(0.25, 1 - 0.12 * h_a), 1.0) + shift,
        0.02,
        0.95,
    )
    p_part = np.minimum(_HW_P_PARTIAL[hk], 1 - p_done)
    u = rng.random(n_h)
    status = np.where(~reviewed, 3, np.where(u < p_done, 0, np.where(u < p_done + p_part, 1, 2)))
    quality = np.select(
        [status == 0, status == 1, status == 2],
        [
            rng.choice([2, 3, 4], size=n_h, p=[0.2, 0.45, 0.35]),
            rng.choice([1, 2, 3], size=n_h, p=[0.3, 0.5, 0.2]),
            rng.choice([0, 1], size=n_h, p=[0.8, 0.2]),
        ],
        0,
    )
    h_day = s.day[h_slot]
    due = h_day + c.cad[h_cl]
    no_due = (rng.random(n_h) < 0.25) | (due > as_of_day)
    cat_w = np.array(
        [  # BA, thought record, exposure, mindfulness, skills, journaling, other
            [0.35, 0.2, 0.02, 0.12, 0.12, 0.12, 0.07],  # depression
            [0.08, 0.22, 0.3, 0.16, 0.12, 0.07, 0.05],  # anxiety
            [0.08, 0.15, 0.22, 0.2, 0.2, 0.1, 0.05],  # trauma
            [0.1, 0.12, 0.02, 0.12, 0.4, 0.12, 0.12],  # relationship
            [0.15, 0.15, 0.08, 0.17, 0.2, 0.13, 0.12],  # other
        ]
    )
    cat = _choice_rows(rng, cat_w[c.problem[h_cl]])
    o = np.lexsort((h_cl, h_day))
    return pd.DataFrame(
        {
            "assignment_id": _Ids("H", n_h, 7).series(np.arange(n_h)),
            "client_id": client_ids.series(h_cl[o]),
            "clinician_id": staff.series(s.sclin[h_slot[o]]),
            "assigned_at": _dates(h_day[o]),
            "due_at": _dates(due[o], no_due[o]),
            "category": _vocab(_HW_CATEGORIES, cat[o]),
            "status": _vocab(_HW_STATUS, status[o]),
            "reviewed_at": _dates(s.day[next_slot[o]], ~reviewed[o]),
            "quality": _nullable_int(quality[o], ~reviewed[o]),
        }
    )


def _wins_stage(
    p: _Plan,
    c: _Bag,
    rng: np.random.Generator,
    start_day: int,
    as_of_day: int,
    staff: _Ids,
    client_ids: _Ids,
) -> pd.DataFrame:
    """Small wins posted by staff; some client-progress wins link one of their clients."""
    n_staff = len(p.role)
    last_day = np.minimum(p.leave_day, as_of_day)
    span = np.maximum(last_day - start_day + 1, 1)
    # per month: about one a week per clinician, so a team has a handful to celebrate each week
    rate = np.where(p.role == 0, 2.0, np.where(p.role == 1, 4.5, 4.0))
    n_win = rng.poisson(rate * span / 30.44)
    by = np.repeat(np.arange(n_staff), n_win)
    n_w = len(by)
    w_day = start_day + (rng.random(n_w) * span[by]).astype(np.int64)
    hour = np.where(rng.random(n_w) < 0.1, rng.integers(19, 22, n_w), rng.integers(8, 19, n_w))
    w_time = w_day * _DAY + hour * 3600 + rng.integers(0, 3600, n_w)
    cat_p = np.where(
        (p.role[by] == 0)[:, None],
        np.array([[0.0, 0.25, 0.15, 0.6]]),
        np.array([[0.42, 0.2, 0.23, 0.15]]),
    )
    cat = _choice_rows(rng, cat_p)
    text = np.zeros(n_w, dtype=np.int64)
    flat: list[str] = []
    for ci, name in enumerate(_WIN_CATEGORIES):
        texts = _WIN_TEXTS[name]
        sel = cat == ci
        text[sel] = len(flat) + rng.integers(0, len(texts), int(sel.sum()))
        flat.extend(texts)
    # About half of the client-progress wins name one of the poster's clients
    # whose intake was on or before the day of the post.
    key = c.primary * 1_000_000 + c.intake
    by_key = np.argsort(key, kind="stable")
    key_sorted = key[by_key]
    link = np.full(n_w, -1, dtype=np.int64)
    want = (cat == 0) & (rng.random(n_w) < 0.55)
    lo = np.searchsorted(key_sorted, by * 1_000_000, side="left")
    hi = np.searchsorted(key_sorted, by * 1_000_000 + w_day, side="right")
    can = want & (hi > lo)
    pick = lo + (rng.random(n_w) * np.maximum(hi - lo, 1)).astype(np.int64)
    link[can] = by_key[pick[can]]
    o = np.lexsort((by, w_time))
    return pd.DataFrame(
        {
            "win_id": _Ids("W", n_w, 5).series(np.arange(n_w)),
            "posted_by": staff.series(by[o]),
            "posted_at": _datetimes(w_time[o]),
            "category": _vocab(_WIN_CATEGORIES, cat[o]),
            "text": _vocab(flat, text[o]),
            "client_id": client_ids.series(link[o]),
        }
    )


def _enforce(
    m_cl: np.ndarray,
    phq: np.ndarray,
    gad: np.ndarray,
    kind: np.ndarray,
    plateau_level: np.ndarray,
) -> None:
    """Make each label's defining property hold on the PHQ-9/GAD-7 rows (in place).

    Rows are grouped by client and in time order. Properties (baseline = first
    score, latest = last score):
    improver: latest <= baseline - 6 (reliable improvement, still engaged);
    improver, slow_responder: while still in caseness, the last 4 scores span
    at least 3 points (still improving, not a plateau);
    deteriorator: latest >= baseline + 6;
    non_responder: baseline >= 10 and |latest - baseline| < 6 (with >= 8 attended);
    plateau: last 4 scores within 2 points of each other and all >= 10;
    recovered_discharged: baseline >= 10, latest PHQ-9 < 10 and GAD-7 < 8.
    """
    if len(m_cl) == 0:
        return
    clients, first = np.unique(m_cl, return_index=True)
    counts = np.diff(np.append(first, len(m_cl)))
    last = first + counts - 1
    ck = kind[clients]

    sel = (ck == _K_IMPROVER) & (counts >= 2)
    phq[last[sel]] = np.maximum(0, np.minimum(phq[last[sel]], phq[first[sel]] - 6))
    # Improvers and slow responders are still improving: never a plateau
    # (last 4 scores within 2 points while still in caseness).
    sel = np.isin(ck, [_K_IMPROVER, _K_SLOW]) & (counts >= 4)
    sel &= phq[last] >= 10
    rows = last[sel] - 3
    phq[rows] = np.minimum(27, np.maximum(phq[rows], phq[last[sel]] + 3))

    sel = (ck == _K_DETER) & (counts >= 2)
    phq[last[sel]] = np.minimum(27, np.maximum(phq[last[sel]], phq[first[sel]] + 6))

    sel = np.isin(ck, [_K_NONRESP, _K_NONRESP_D]) & (counts >= 2)
    phq[first[sel]] = np.maximum(phq[first[sel]], 10)
    phq[last[sel]] = np.clip(phq[last[sel]], phq[first[sel]] - 5, phq[first[sel]] + 5)

    sel = (ck == _K_RECOVERED) & (counts >= 2)
    phq[first[sel]] = np.maximum(phq[first[sel]], 10)
    phq[last[sel]] = np.minimum(phq[last[sel]], 9)
    gad[last[sel]] = np.minimum(gad[last[sel]], 7)

    sel = np.flatnonzero((ck == _K_PLATEAU) & (counts >= 4))
    level = plateau_level[clients[sel]]
    for back in range(4):
        rows = last[sel] - back
        phq[rows] = np.clip(phq[rows], level - 1, level + 1)
