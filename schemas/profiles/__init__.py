"""Header profiles: how a vendor's column names and values map onto the contract.

A profile is a TOML file in this folder (``canonical.toml``, ``generic.toml``,
and one per practice system: ``simplepractice.toml``, ``jane.toml``, ``owl.toml``,
``intakeq.toml``). Headers and values are compared after :func:`normalise` (lower
case, with everything but letters and digits removed), so ``Client ID``,
``client id`` and ``CLIENT_ID`` are the same header, and ``No-Show`` equals ``no_show``.

A practice system's profile lists its **reports** (``[[reports]]``): the headers
that recognise each report, which of its columns feed which contract column
(every other column - billing, insurance, address, phone, email - is dropped as
the file is read), which columns hold client or clinician *names*, the values it
derives or defaults, and the rows it skips (a report's summary row). Each report
says which of its parts are confirmed from real exports and which are assumed.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from schemas.contract import TABLES
from schemas.text import normalise

__all__ = ["DEFAULT_PROFILE", "HeaderProfile", "ReportSpec", "available_profiles", "load_profile", "normalise",
           "practice_profile_names", "read_profile", "shipped_profiles", "vendor_profiles"]

PROFILE_DIR = Path(__file__).parent
ISO_DATE_FORMATS = ("%Y-%m-%d",)
ISO_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M")
DEFAULT_PROFILE = "auto"  # canonical names plus every alias of the generic profile


# the contract columns a report may fill, and the kinds of name a column may hold
NAME_KINDS = ("client", "clinician")
_REPORT_KEYS = {"name", "table", "detect", "exact_header", "columns", "names", "date_of_birth", "ends", "derive", "defaults",
                "keep_stored", "derive_clients", "summary_row", "evidence"}


@dataclass(frozen=True)
class ReportSpec:
    """One report of a practice system, and how its rows become rows of one contract table."""

    profile: str
    name: str  # "attendance report"
    table: str  # the contract table it feeds
    detect: tuple[str, ...]  # headers that must all be present (compared normalised) to recognise it
    exact_header: bool  # the header must be exactly these columns (a practice's own profile), not include them
    columns: dict[str, str]  # contract column -> source header ("Charge#2": its second "Charge")
    names: dict[str, str]  # contract column -> "client" (pseudonymised) or "clinician" (matched by name)
    date_of_birth: str | None  # a source header read into the client's pseudonym, then dropped
    ends: str | None  # a source header holding the end: duration_min is the minutes from start to it
    derive: dict[str, tuple[str, ...]]  # contract column -> the contract columns its value is derived from
    defaults: dict[str, str]  # contract column -> the value when the report has no such column
    keep_stored: tuple[str, ...]  # absent columns taken from the stored row with the same key
    derive_clients: bool  # a client first seen here is added, from their first session in the file
    summary_row: str | None  # a row whose every non-empty cell matches this expression is skipped
    evidence: str  # which parts are confirmed from real exports, which assumed

    @property
    def label(self) -> str:
        return f"{self.profile} {self.name}"


@dataclass(frozen=True)
class HeaderProfile:
    name: str
    description: str
    date_formats: tuple[str, ...]
    datetime_formats: tuple[str, ...]
    date_only_datetimes: bool
    # table -> normalised alias -> canonical column
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # table -> column -> normalised alias -> canonical value
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    reports: tuple[ReportSpec, ...] = ()  # a practice system's reports (empty for canonical and generic)

    def column_for(self, table: str, header: str) -> str | None:
        return self.columns.get(table, {}).get(normalise(header))

    def value_map(self, table: str, column: str) -> dict[str, str]:
        return self.values.get(table, {}).get(column, {})


def _read(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def practice_profile_names(practice_dir: Path | None) -> list[str]:
    """The practice's own profiles (saved by the column-mapping page) in ``practice_dir``."""
    if practice_dir is None or not practice_dir.is_dir():
        return []
    return sorted(p.stem for p in practice_dir.glob("*.toml") if p.stem not in shipped_profiles())


def available_profiles(practice_dir: Path | None = None) -> list[str]:
    return sorted([*shipped_profiles(), *practice_profile_names(practice_dir), DEFAULT_PROFILE])


@functools.cache
def _shipped_vendor_profiles() -> tuple[HeaderProfile, ...]:
    return tuple(p for p in (load_profile(name) for name in shipped_profiles()) if p.reports)


def vendor_profiles(practice_dir: Path | None = None) -> list[HeaderProfile]:
    """The profiles with reports: the practice systems' shipped here, then the practice's own."""
    own = [read_profile(practice_dir / f"{name}.toml") for name in practice_profile_names(practice_dir)]
    return [*_shipped_vendor_profiles(), *own]


def _report(path: Path, index: int, raw: dict, profile: str, tables: dict[str, list[str]]) -> ReportSpec:
    where = f"{path.name}: report {raw.get('name', index + 1)!r}"
    unknown = sorted(set(raw) - _REPORT_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_REPORT_KEYS))})")
    for key in ("name", "table", "detect", "columns", "evidence"):
        if key not in raw:
            raise ValueError(f"{where}: {key} is missing")
    table = raw["table"]
    if table not in tables:
        raise ValueError(f"{where}: table {table!r} is not a contract table ({', '.join(tables)})")
    known = tables[table]
    columns = {str(k): str(v) for k, v in raw["columns"].items()}
    derive = {str(k): tuple(v) for k, v in raw.get("derive", {}).items()}
    defaults = {str(k): str(v) for k, v in raw.get("defaults", {}).items()}
    keep = tuple(raw.get("keep_stored", ()))
    names = {str(k): str(v) for k, v in raw.get("names", {}).items()}
    for label, cols in (("columns", columns), ("derive", derive), ("defaults", defaults),
                        ("keep_stored", keep), ("names", names)):
        bad = [c for c in cols if c not in known]
        if bad:
            raise ValueError(f"{where}: {label} names {', '.join(bad)}, not column(s) of {table}")
    for col, kind in names.items():
        if kind not in NAME_KINDS:
            raise ValueError(f"{where}: names.{col} is {kind!r}; it must be one of {', '.join(NAME_KINDS)}")
        if col not in columns:
            raise ValueError(f"{where}: names.{col}: the report has no column for {col}")
    for col, parts in derive.items():
        if col in columns or not parts or any(p not in columns for p in parts):
            raise ValueError(f"{where}: derive.{col} must be a column the report lacks, made of columns it has")
    if "ends" in raw and (table != "sessions" or "duration_min" in columns):
        raise ValueError(f"{where}: ends gives a session's duration: only for sessions without a duration column")
    summary = raw.get("summary_row")
    if summary is not None:
        re.compile(summary)
    return ReportSpec(
        profile=profile, name=str(raw["name"]), table=table,
        detect=tuple(str(h) for h in raw["detect"]), exact_header=bool(raw.get("exact_header", False)), columns=columns, names=names,
        date_of_birth=raw.get("date_of_birth"), ends=raw.get("ends"), derive=derive, defaults=defaults, keep_stored=keep,
        derive_clients=bool(raw.get("derive_clients", False)), summary_row=summary, evidence=str(raw["evidence"]),
    )


def load_profile(name: str = DEFAULT_PROFILE, practice_dir: Path | None = None) -> HeaderProfile:
    """Load a profile by name (shipped, or the practice's own in ``practice_dir``); ``auto`` merges the
    canonical and generic profiles (and detection then also tries every profile's reports)."""
    if name == DEFAULT_PROFILE:
        # Canonical names always match; auto adds every alias of the generic profile.
        return replace(
            load_profile("generic"),
            name=DEFAULT_PROFILE,
            description="canonical names plus the aliases and formats of the generic profile",
        )
    path = PROFILE_DIR / f"{name}.toml"
    if not path.is_file() and name in practice_profile_names(practice_dir):
        path = practice_dir / f"{name}.toml"  # type: ignore[operator]
    if not path.is_file():
        raise ValueError(
            f"unknown header profile {name!r}; choose one of: {', '.join(available_profiles(practice_dir))}"
        )
    return read_profile(path)


def read_profile(path: Path) -> HeaderProfile:
    """A profile from its TOML file; a report that breaks the rules is a ValueError naming the file, report and key."""
    raw = _read(path)
    columns = {
        table: {normalise(alias): column for column, aliases in cols.items() for alias in aliases}
        for table, cols in raw.get("columns", {}).items()
    }
    values = {
        table: {
            column: {normalise(a): canonical for canonical, aliases in vmap.items() for a in aliases}
            for column, vmap in cols.items()
        }
        for table, cols in raw.get("values", {}).items()
    }
    reports = tuple(_report(path, i, r, raw["name"], _contract_columns()) for i, r in enumerate(raw.get("reports", [])))
    date_formats, datetime_formats = list(raw["date_formats"]), list(raw["datetime_formats"])
    if reports:  # a stored value kept for a column a report lacks comes back as ISO text
        date_formats += [f for f in ISO_DATE_FORMATS if f not in date_formats]
        datetime_formats += [f for f in ISO_DATETIME_FORMATS if f not in datetime_formats]
    return HeaderProfile(
        name=raw["name"],
        description=raw.get("description", ""),
        date_formats=tuple(date_formats),
        datetime_formats=tuple(datetime_formats),
        date_only_datetimes=bool(raw.get("date_only_datetimes", False)),
        columns=columns,
        values=values,
        reports=reports,
    )


def _contract_columns() -> dict[str, list[str]]:
    return {name: spec.column_names for name, spec in TABLES.items()}
