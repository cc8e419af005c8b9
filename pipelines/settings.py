"""Where Momentum keeps its files. Every setting is declared once, with its help.

Environment variables override the defaults; `docs/architecture.md` lists them
and `tests/test_docs.py` fails if one is undocumented.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = REPO_ROOT / "sample_data"

# name -> (default, help)
SETTINGS: dict[str, tuple[str, str]] = {
    "MOMENTUM_DB": (
        "data/momentum.duckdb",
        "Imported data (DuckDB). Only `python -m pipelines ingest` writes it.",
    ),
    "MOMENTUM_APP_DB": (
        "",
        "App state: users, sessions, audit log, wins, reviews. A SQLite file, or a PostgreSQL "
        "database given as a postgresql:// URL (several app processes can share it). "
        "Default: next to MOMENTUM_DB, named <stem>.app.sqlite.",
    ),
    "MOMENTUM_SECRETS": (
        "",
        "Secrets file holding the sign-in cookie key (mode 0600, generated on first run). "
        "Default: next to MOMENTUM_DB, named secrets.toml.",
    ),
    "MOMENTUM_TIMEZONE": (
        "UTC",
        "The practice's time zone; ISO 8601 times with an offset are converted to it.",
    ),
    "MOMENTUM_IDLE_TIMEOUT_S": (
        "900",
        "Seconds without a user action after which a signed-in session ends and the screen clears.",
    ),
    "MOMENTUM_SESSION_MAX_S": (
        "28800",
        "Seconds after sign-in when a session ends regardless of activity (absolute timeout, 8 hours).",
    ),
    "MOMENTUM_REFRESH_MEMORY": (
        "1GB",
        "DuckDB memory limit while the clinical models are refreshed after an ingest (e.g. 1GB, 700MB); "
        "beyond it DuckDB spills to disk. Keeps the refresh of 1M sessions near 1.2 GB of resident memory.",
    ),
    "MOMENTUM_INGEST_MEMORY": (
        "1GB",
        "DuckDB memory limit while an ingest validates and loads files (e.g. 1GB, 700MB); beyond it DuckDB "
        "spills to disk. Keeps the ingest of 10M sessions within about 2 GB of resident memory.",
    ),
    "MOMENTUM_READ_MEMORY": (
        "1GB",
        "DuckDB memory limit of the dashboard's read-only connection to the published data (e.g. 1GB); "
        "beyond it DuckDB spills to disk. Bounds a page that computes its models live, for an as-of date "
        "other than the refreshed one.",
    ),
    "MOMENTUM_INSTRUMENTS": (
        "",
        "A practice's own instruments (a TOML file like schemas/instruments.toml: BDI-II, PCL-5, CORE-10, "
        "...), added to the shipped ones. Each definition is checked strictly; a file that fails stops the "
        "app and the data commands with one message naming the file, instrument and key.",
    ),
    "MOMENTUM_TODAY": (
        "",
        "Pins the practice's today (YYYY-MM-DD) for every page, report and refresh: replay a past day, or "
        "pin tests. Empty: the wall clock's date, except on the demo practice, which stays on its last day. "
        "Audit entries and sign-in sessions always use the real time.",
    ),
    "MOMENTUM_PULSE_MONTHS": (
        "1",
        "Months in one wellbeing-pulse period: 1 (monthly, the default), 2, 3 (quarterly), 4, 6 or 12. Periods "
        "follow the calendar from January; each clinician answers at most once a period, and team aggregates "
        "are shown only once a period has closed.",
    ),
    "MOMENTUM_COOKIE_SECURE": (
        "auto",
        "The sign-in cookie's Secure flag (sent over HTTPS only): auto, on or off. auto sets it when the "
        "page is served over HTTPS, seen from the page's URL or the reverse proxy's X-Forwarded-Proto header.",
    ),
    "MOMENTUM_STALE_DAYS": (
        "7",
        "Days after the latest session in the data when the freshness indicator on every page turns amber: "
        "the exports have not been loaded for a while.",
    ),
    "MOMENTUM_LOCK_WAIT_S": (
        "30",
        "Seconds an ingest waits for another ingest to finish before giving up.",
    ),
}


def setting(name: str) -> str:
    default, _help = SETTINGS[name]
    return os.environ.get(name, default)


_MEMORY_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.I)


def memory_size(name: str) -> str:
    """A memory-size setting (MOMENTUM_REFRESH_MEMORY, MOMENTUM_READ_MEMORY), checked: 1GB, 700MB."""
    value = setting(name)
    if not _MEMORY_SIZE.match(value):
        raise ValueError(f"{name}={value!r} is not a memory size; use a number and a unit, e.g. 1GB or 700MB")
    return value.strip()


POSTGRES_URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(value: object) -> bool:
    """Is this app-state setting a PostgreSQL URL (rather than a SQLite file)?"""
    return isinstance(value, str) and value.startswith(POSTGRES_URL_SCHEMES)


@dataclass(frozen=True)
class Paths:
    data_db: Path
    app_db: Path | str  # a SQLite file, or a postgresql:// URL (pipelines.appstate.db.AppState takes either)
    secrets: Path

    @property
    def snapshot_dir(self) -> Path:
        return self.data_db.parent / f".{self.data_db.stem}-snapshots"

    @property
    def snapshot_pointer(self) -> Path:
        return self.data_db.parent / f"{self.data_db.name}.current"

    @property
    def practice_profiles(self) -> Path:
        """The practice's own header profiles, saved by the column-mapping page (one TOML file each)."""
        return self.data_db.parent / "profiles"


def paths(data_db: str | os.PathLike[str] | None = None) -> Paths:
    db = Path(data_db or setting("MOMENTUM_DB"))
    if not db.is_absolute():
        db = Path.cwd() / db
    app_db = setting("MOMENTUM_APP_DB") if data_db is None else ""
    secrets = setting("MOMENTUM_SECRETS") if data_db is None else ""
    if not is_postgres_url(app_db):
        app_db = Path(app_db) if app_db else db.with_name(f"{db.stem}.app.sqlite")
    return Paths(
        data_db=db,
        app_db=app_db,
        secrets=Path(secrets) if secrets else db.with_name("secrets.toml"),
    )
