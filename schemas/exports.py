"""One pandera DataFrameModel per canonical export (design §2).

These models are the single source of truth for the data contract:

* the column names, their order and their kinds (``metadata["kind"]``);
* which columns are required, unique or references to another table;
* allowed values and ranges (pandera ``Field`` checks);
* cross-column rules (``@pa.dataframe_check``), e.g. discharge ≥ intake.

``pipelines.ingest.validate`` compiles them into DuckDB SQL so that a million-row
export validates at scan speed; ``tests/test_schemas.py`` runs the very same
fixtures through pandera itself and checks both agree.

Kinds: ``text``, ``integer``, ``number``, ``boolean``, ``date`` (YYYY-MM-DD),
``datetime`` (YYYY-MM-DD HH:MM[:SS] local practice time, or ISO 8601) and
``date_or_datetime``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

from schemas.instruments import INSTRUMENTS

CLINICIAN_ROLES = ["clinician", "supervisor", "manager"]
CLIENT_STATUSES = ["active", "paused", "discharged"]
PRESENTING_PROBLEMS = [
    "depression",
    "anxiety",
    "trauma",
    "relationship",
    "grief",
    "substance_use",
    "eating",
    "stress",
    "other",
]
SESSION_STATUSES = ["attended", "no_show", "late_cancel", "cancelled", "clinician_cancel"]
SESSION_TYPES = ["intake", "individual", "couple", "family", "group", "other"]
MODALITIES = ["in_person", "telehealth"]
GOAL_STATUSES = ["active", "achieved", "dropped"]
HOMEWORK_CATEGORIES = [
    "behavioral_activation",
    "thought_record",
    "exposure",
    "mindfulness",
    "skills_practice",
    "journaling",
    "other",
]
HOMEWORK_STATUSES = ["completed", "partial", "not_done", "not_reviewed"]
WIN_CATEGORIES = ["client_progress", "professional", "self_care", "team"]


def _meta(kind: str, references: str | None = None, default: Any = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"kind": kind}
    if references:
        meta["references"] = references
    if default is not None:
        meta["default"] = default
    return meta


def _text(**kw: Any) -> Any:
    refs = kw.pop("references", None)
    default = kw.pop("default", None)
    return pa.Field(metadata=_meta("text", refs, default), **kw)


# Identifier columns (client_id, clinician_id, supervisor_id, session_id, goal_id, assignment_id,
# win_id, posted_by): letters, digits, '.', '-' and '_', starting with a letter or a digit, at most
# ID_MAX_LENGTH characters (docs/data-contract.md). Ids are shown, linked, audited and put in file
# names: this keeps markup, spaces, control characters and formula starts out of them.
ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]*"
ID_MAX_LENGTH = 64


def _id(**kw: Any) -> Any:
    """An identifier column (see ID_PATTERN)."""
    return _text(str_length={"min_value": 1, "max_value": ID_MAX_LENGTH}, str_matches=ID_PATTERN + r"\Z", **kw)


def _typed(kind: str, **kw: Any) -> Any:
    default = kw.pop("default", None)
    return pa.Field(metadata=_meta(kind, None, default), **kw)


def _after(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """True where later is missing, earlier is missing, or later ≥ earlier."""
    a = pd.to_datetime(later, errors="coerce")
    b = pd.to_datetime(earlier, errors="coerce")
    return a.isna() | b.isna() | (a >= b)


class _Export(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class Clinicians(_Export):
    clinician_id: Series[str] = _id()
    name: Series[str] = _text(str_length={"min_value": 1, "max_value": 200})
    role: Series[str] = _text(isin=CLINICIAN_ROLES)
    supervisor_id: Series[str] = _id(nullable=True, references="clinicians.clinician_id")
    team: Series[str] = _text(nullable=True, str_length={"max_value": 100})
    fte: Series[float] = _typed("number", nullable=True, gt=0, le=1.5, default=1.0)
    caseload_target: Series[pd.Int64Dtype] = _typed("integer", nullable=True, ge=0)
    active: Series[pd.BooleanDtype] = _typed("boolean", nullable=True, default=True)

    class Config(_Export.Config):
        unique = ["clinician_id"]


class Clients(_Export):
    client_id: Series[str] = _id()
    clinician_id: Series[str] = _id(references="clinicians.clinician_id")
    intake_date: Series[pd.Timestamp] = _typed("date")
    discharge_date: Series[pd.Timestamp] = _typed("date", nullable=True)
    status: Series[str] = _text(nullable=True, isin=CLIENT_STATUSES, default="active")
    presenting_problem: Series[str] = _text(nullable=True, isin=PRESENTING_PROBLEMS)

    class Config(_Export.Config):
        unique = ["client_id"]

    @pa.dataframe_check(error="discharge_date is before intake_date")
    @classmethod
    def discharge_after_intake(cls, df: pd.DataFrame) -> pd.Series:
        return _after(df["discharge_date"], df["intake_date"])

    @pa.dataframe_check(error="status discharged needs a discharge_date")
    @classmethod
    def discharged_has_date(cls, df: pd.DataFrame) -> pd.Series:
        return (df["status"] != "discharged") | df["discharge_date"].notna()


class Sessions(_Export):
    session_id: Series[str] = _id()
    client_id: Series[str] = _id(references="clients.client_id")
    clinician_id: Series[str] = _id(references="clinicians.clinician_id")
    start: Series[pd.Timestamp] = _typed("datetime")
    duration_min: Series[pd.Int64Dtype] = _typed("integer", ge=1, le=480)
    status: Series[str] = _text(isin=SESSION_STATUSES)
    session_type: Series[str] = _text(nullable=True, isin=SESSION_TYPES)
    modality: Series[str] = _text(nullable=True, isin=MODALITIES)
    note_signed_at: Series[pd.Timestamp] = _typed("datetime", nullable=True)

    class Config(_Export.Config):
        unique = ["session_id"]

    @pa.dataframe_check(error="note_signed_at is before the session start")
    @classmethod
    def note_after_start(cls, df: pd.DataFrame) -> pd.Series:
        return _after(df["note_signed_at"], df["start"])


class Goals(_Export):
    goal_id: Series[str] = _id()
    client_id: Series[str] = _id(references="clients.client_id")
    created_at: Series[pd.Timestamp] = _typed("date")
    description: Series[str] = _text(str_length={"min_value": 1, "max_value": 200})
    value: Series[str] = _text(nullable=True, str_length={"max_value": 50})
    status: Series[str] = _text(isin=GOAL_STATUSES)

    class Config(_Export.Config):
        unique = ["goal_id"]


class Measures(_Export):
    client_id: Series[str] = _id(references="clients.client_id")
    measure: Series[str] = _text(isin=sorted(INSTRUMENTS))
    administered_at: Series[pd.Timestamp] = _typed("date_or_datetime")
    score: Series[float] = _typed("number")
    risk_item: Series[pd.Int64Dtype] = _typed("integer", nullable=True, ge=0, le=3)
    goal_id: Series[str] = _id(nullable=True, references="goals.goal_id")
    session_id: Series[str] = _id(nullable=True, references="sessions.session_id")

    class Config(_Export.Config):
        unique = ["client_id", "measure", "administered_at", "goal_id"]

    @pa.dataframe_check(error="score is outside the instrument's range")
    @classmethod
    def score_in_instrument_range(cls, df: pd.DataFrame) -> pd.Series:
        lo = df["measure"].map({k: v.range_min for k, v in INSTRUMENTS.items()})
        hi = df["measure"].map({k: v.range_max for k, v in INSTRUMENTS.items()})
        score = pd.to_numeric(df["score"], errors="coerce")
        return lo.isna() | score.isna() | ((score >= lo) & (score <= hi))

    @pa.dataframe_check(error="risk_item is only recorded for an instrument with a risk item")
    @classmethod
    def risk_item_only_where_defined(cls, df: pd.DataFrame) -> pd.Series:
        has_item = df["measure"].map({k: v.risk_item_max is not None for k, v in INSTRUMENTS.items()})
        return df["risk_item"].isna() | has_item.fillna(False).astype(bool)

    @pa.dataframe_check(error="goal_id is required for GOAL and must be empty otherwise")
    @classmethod
    def goal_id_iff_goal(cls, df: pd.DataFrame) -> pd.Series:
        return (df["measure"] == "GOAL") == df["goal_id"].notna()


class Homework(_Export):
    assignment_id: Series[str] = _id()
    client_id: Series[str] = _id(references="clients.client_id")
    clinician_id: Series[str] = _id(references="clinicians.clinician_id")
    assigned_at: Series[pd.Timestamp] = _typed("date")
    due_at: Series[pd.Timestamp] = _typed("date", nullable=True)
    category: Series[str] = _text(isin=HOMEWORK_CATEGORIES)
    status: Series[str] = _text(isin=HOMEWORK_STATUSES)
    reviewed_at: Series[pd.Timestamp] = _typed("date", nullable=True)
    quality: Series[pd.Int64Dtype] = _typed("integer", nullable=True, ge=0, le=4)

    class Config(_Export.Config):
        unique = ["assignment_id"]


class Wins(_Export):
    win_id: Series[str] = _id()
    posted_by: Series[str] = _id(references="clinicians.clinician_id")
    posted_at: Series[pd.Timestamp] = _typed("datetime")
    category: Series[str] = _text(isin=WIN_CATEGORIES)
    text: Series[str] = _text(str_length={"min_value": 1, "max_value": 500})
    client_id: Series[str] = _id(nullable=True, references="clients.client_id")

    class Config(_Export.Config):
        unique = ["win_id"]


# Load order inside one ingest call (design §2): a table only references
# tables loaded before it (clinicians also references itself).
EXPORT_MODELS: dict[str, type[_Export]] = {
    "clinicians": Clinicians,
    "clients": Clients,
    "sessions": Sessions,
    "goals": Goals,
    "measures": Measures,
    "homework": Homework,
    "wins": Wins,
}
LOAD_ORDER: list[str] = list(EXPORT_MODELS)
