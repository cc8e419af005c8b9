"""The column-mapping step: a file no profile recognises becomes a practice profile of its own.

For a header no profile fits, :func:`propose` suggests the table and, for each contract column, a
source column (the canonical names and the generic profile's aliases); :func:`unknown_words` lists
the values of the file's status-like columns no profile knows. The manager's choices become a
profile with one report (:func:`build`, the same shape as a practice system's profile in
schemas/profiles/), :func:`preview` shows the first rows as they would load or be rejected, with
reasons, and :func:`save` writes the profile, validated, into the data folder
(``Paths.practice_profiles``). From then on the ingest recognises files with that header by itself,
and ``--profile NAME`` names it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import tomli_w

from pipelines.appstate.secrets_file import ensure_pseudonym_key
from pipelines.ingest import vendor, xlsx_files
from pipelines.ingest.csv_files import FileRefused, read_header
from pipelines.ingest.validate import ValidationCompiler
from pipelines.settings import Paths, setting
from pipelines.sql_files import sql, statements
from pipelines.store import DataStore
from schemas.contract import TABLES
from schemas.exports import LOAD_ORDER
from schemas.profiles import (
    DEFAULT_PROFILE,
    PROFILE_DIR,
    HeaderProfile,
    load_profile,
    normalise,
    read_profile,
    shipped_profiles,
)

NAME_RULE = re.compile(r"[a-z0-9][a-z0-9_-]{1,39}")
# how dates are written in the file: the formats each choice reads (dates, then date-times)
DATE_STYLES: dict[str, tuple[list[str], list[str]]] = {
    "YYYY-MM-DD": (["%Y-%m-%d"], ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]),
    "MM/DD/YYYY": (["%m/%d/%Y"], ["%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p"]),
    "DD/MM/YYYY": (["%d/%m/%Y"], ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"]),
    "DD.MM.YYYY": (["%d.%m.%Y"], ["%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"]),
}
# columns a derived session id is made from when a sessions export has none
SESSION_KEY_PARTS = ["client_id", "clinician_id", "start"]


class MappingError(ValueError):
    """The choices cannot make a profile; the message says which and why."""


@dataclass
class Mapping:
    """What the manager chose on the mapping page."""

    name: str
    table: str
    columns: dict[str, str]  # contract column -> source header
    client_names: bool = False  # the client column holds names: pseudonymise them
    clinician_names: bool = False  # the clinician column holds names: match them to the staff list
    add_clients: bool = False  # sessions: a client first seen here is added (intake: their first session)
    date_style: str = "YYYY-MM-DD"
    words: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> file word -> contract value
    saved_by: str = ""
    saved_on: str = ""


def header_of(path: Path) -> list[str]:
    return xlsx_files.read_header(path)[0].fields if xlsx_files.is_excel(path) else read_header(path).fields


def propose_columns(fields: list[str], table: str) -> dict[str, str]:
    """For each column of ``table`` a source header fits: that header (canonical names and the generic
    profile's aliases, compared normalised; the first fitting header wins)."""
    generic = load_profile("generic")
    canonical = {normalise(c): c for c in TABLES[table].column_names}
    found: dict[str, str] = {}
    for header in fields:
        col = canonical.get(normalise(header)) or generic.column_for(table, header)
        if col and col not in found:
            found[col] = header
    return found


def propose(fields: list[str]) -> tuple[str, dict[str, str]]:
    """The likeliest table (most required columns found, then most columns) and its proposed columns."""
    def score(table: str) -> tuple[int, int]:
        found = propose_columns(fields, table)
        return sum(1 for c in TABLES[table].required_columns if c in found), len(found)

    table = max(LOAD_ORDER, key=score)  # max keeps the first of equals: the load order
    return table, propose_columns(fields, table)


def looks_like_names(path: Path, fields: list[str], column: str | None, sample: int = 200) -> bool:
    """Do the column's values look like people's names (two words or more, letters)? The mapping page then
    proposes to turn them into codes."""
    if column not in fields:
        return False
    at = fields.index(column)  # type: ignore[arg-type]
    for n, (_row, cells, _problem) in enumerate(vendor.records(path, len(fields), {})):
        if n >= sample:
            break
        value = (cells or [""] * len(fields))[at].strip()
        if len(value.split()) >= 2 and any(ch.isalpha() for ch in value):
            return True
    return False


def _allowed_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns if c.allowed is not None]


def unknown_words(path: Path, fields: list[str], table: str, columns: dict[str, str], limit: int = 5000) -> dict[str, list[str]]:
    """For each mapped column with allowed values: the words in the file's first ``limit`` rows that
    are neither a contract value nor a generic alias (compared normalised)."""
    generic = load_profile("generic")
    wanted = {c: fields.index(columns[c]) for c in _allowed_columns(table) if columns.get(c) in fields}
    seen: dict[str, set[str]] = {c: set() for c in wanted}
    for n, (_row, cells, _problem) in enumerate(vendor.records(path, len(fields), {})):
        if n >= limit:
            break
        if cells is None:
            continue
        for col, at in wanted.items():
            if cells[at].strip():
                seen[col].add(cells[at].strip())
    out = {}
    for col, words in seen.items():
        spec = TABLES[table].column(col)
        known = {normalise(v) for v in spec.allowed or ()} | set(generic.value_map(table, col))
        unknown = sorted(w for w in words if normalise(w) not in known)
        if unknown:
            out[col] = unknown
    return out


def build(mapping: Mapping, fields: list[str]) -> dict:
    """The profile the choices make, as TOML data; MappingError when they cannot make one."""
    if not NAME_RULE.fullmatch(mapping.name):
        raise MappingError("the profile's name must be 2-40 lower-case letters, digits, '-' or '_', "
                           "starting with a letter or a digit")
    if mapping.name in (*shipped_profiles(), DEFAULT_PROFILE):
        raise MappingError(f"{mapping.name!r} is the name of a profile Momentum ships; choose another")
    if mapping.table not in TABLES:
        raise MappingError(f"{mapping.table!r} is not a table")
    if mapping.date_style not in DATE_STYLES:
        raise MappingError(f"unknown date style {mapping.date_style!r}")
    spec = TABLES[mapping.table]
    columns = {c: h for c, h in mapping.columns.items() if h}
    unknown = [h for h in columns.values() if h not in fields]
    if unknown:
        raise MappingError(f"the file has no column {unknown[0]!r}")
    twice = {h for h in columns.values() if list(columns.values()).count(h) > 1}
    if twice:
        raise MappingError(f"column {sorted(twice)[0]!r} is chosen for more than one contract column")
    derive = {}
    key = spec.key[0] if len(spec.key) == 1 else None
    if key and key not in columns and mapping.table == "sessions" and all(p in columns for p in SESSION_KEY_PARTS):
        derive[key] = SESSION_KEY_PARTS
    missing = [c for c in spec.required_columns if c not in columns and c not in derive]
    if missing:
        raise MappingError(f"choose a column for {', '.join(missing)} (required in {mapping.table})")
    names = {}
    if mapping.client_names and "client_id" in columns:
        names["client_id"] = "client"
    if mapping.clinician_names and "clinician_id" in columns:
        names["clinician_id"] = "clinician"
    dates, datetimes = DATE_STYLES[mapping.date_style]
    report: dict = {
        "name": f"{mapping.table} export", "table": mapping.table,
        "detect": list(fields), "exact_header": True,  # this header and no other: see vendor.fits_header
        "columns": {c: columns[c] for c in spec.column_names if c in columns},
        "evidence": f"mapped on the data page by {mapping.saved_by or 'a manager'} on {mapping.saved_on or 'the day saved'}",
    }
    if names:
        report["names"] = names
    if derive:
        report["derive"] = derive
    if mapping.add_clients and mapping.table == "sessions":
        report["derive_clients"] = True
    # the generic profile's words for this table (what unknown_words counts as known), then the manager's
    values: dict = {mapping.table: {col: {v: list(words) for v, words in by_value.items()}
                                    for col, by_value in _generic_words(mapping.table).items()}}
    for col, words in mapping.words.items():
        allowed = TABLES[mapping.table].column(col).allowed or ()
        by_value: dict[str, list[str]] = {}
        for word, value in words.items():
            if value:
                if value not in allowed:
                    raise MappingError(f"{value!r} is not an allowed {col}")
                by_value.setdefault(value, []).append(word)
        for value, given in by_value.items():
            known = values[mapping.table].setdefault(col, {}).setdefault(value, [])
            known.extend(w for w in given if w not in known)
    values = {t: cols for t, cols in values.items() if cols}
    profile = {
        "name": mapping.name,
        "description": f"A practice's own {mapping.table} export, mapped on the data page",
        "date_formats": dates, "datetime_formats": datetimes, "date_only_datetimes": True,
        "reports": [report],
    }
    if values:
        profile["values"] = values
    return profile


def _generic_words(table: str) -> dict[str, dict[str, list[str]]]:
    """column -> contract value -> the generic profile's words for it (as written in generic.toml)."""
    raw = _read_toml(PROFILE_DIR / "generic.toml")
    return raw.get("values", {}).get(table, {})


def _read_toml(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _as_profile(data: dict) -> HeaderProfile:
    """Validate profile data by reading it back as the ingest will."""
    with tempfile.TemporaryDirectory(prefix="momentum-profile-") as tmp:
        path = Path(tmp) / f"{data['name']}.toml"
        path.write_text(_toml(data), encoding="utf-8")
        try:
            return read_profile(path)
        except (ValueError, KeyError) as exc:
            raise MappingError(str(exc)) from None


def _toml(data: dict) -> str:
    return ("# A practice's own header profile, saved by the column-mapping page (docs/data-contract.md).\n"
            + tomli_w.dumps(data))


def already_read(paths: Paths, fields: list[str]) -> str | None:
    """What reads this header already, if anything: a practice system's report, a profile of the practice,
    or the canonical names of a table (a profile for it would take over files the ingest reads now)."""
    try:
        report = vendor.detect(fields, load_profile(DEFAULT_PROFILE), paths.practice_profiles)
    except FileRefused:
        report = None  # two reports fit: the ingest refuses it, so a profile of its own does no harm
    if report is not None:
        return f"the {report.label}"
    headers = {normalise(f) for f in fields}
    for table in LOAD_ORDER:
        names = {normalise(c) for c in TABLES[table].column_names}
        if headers <= names and {normalise(c) for c in TABLES[table].required_columns} <= headers:
            return f"the canonical {table} columns"
    return None


def save(paths: Paths, data: dict) -> Path:
    """Write the profile into the data folder (validated first), and return its path. A profile of that
    name already there is never replaced (MappingError), even by a save at the same moment (a hard link
    is made only where no file is), nor one for a header the ingest already reads."""
    _as_profile(data)
    fields = data["reports"][0]["detect"]
    taken = already_read(paths, fields)
    if taken:
        raise MappingError(f"files with this header are already read as {taken}; load them as they are")
    folder = paths.practice_profiles
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{data['name']}.toml"
    with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".", suffix=".tmp", delete=False,
                                     encoding="utf-8") as fh:
        fh.write(_toml(data))
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(fh.name, target)
    except FileExistsError:
        raise MappingError(f"this practice already has a profile named {data['name']!r}; choose another name") from None
    finally:
        os.unlink(fh.name)
    return target


@contextlib.contextmanager
def _published(paths: Paths):
    """An in-memory database to preview in: the contract tables are empty, and each reads as the published
    snapshot's rows (read-only) plus what the preview adds (search_path: the view schema first)."""
    con = duckdb.connect()
    try:
        for stmt in statements("data_schema"):
            con.execute(stmt)
        snapshot = DataStore(paths).current_snapshot()
        if snapshot is not None:
            con.execute("ATTACH $path AS snap (READ_ONLY)", {"path": str(snapshot)})
            con.execute("CREATE SCHEMA live")
            for stmt in statements("preview_views"):
                with contextlib.suppress(duckdb.CatalogException):  # a table an older snapshot lacks
                    con.execute(stmt)
            con.execute("SET search_path = 'live,main'")
        yield con
    finally:
        con.close()


def preview(paths: Paths, path: Path, data: dict, limit: int = 20) -> pd.DataFrame:
    """The first ``limit`` rows as they would load: one row each with ``row``, ``outcome`` (loads /
    rejected), ``reason`` and the contract columns' values (client names as their codes)."""
    profile = _as_profile(data)
    report = profile.reports[0]
    fields = header_of(path)
    key = ensure_pseudonym_key(paths.secrets) if "client" in report.names.values() else None
    spec = TABLES[report.table]
    with _published(paths) as con:
        try:
            raw = vendor.read_report(con, path, report, profile, fields, key, limit=limit)
        except FileRefused as exc:
            raise MappingError(str(exc)) from None
        if raw.new_clients:  # the clients the load would add first
            ids, clinicians, days = zip(*raw.new_clients, strict=True)
            con.execute(sql("preview_clients_add"), {"ids": list(ids), "clinicians": list(clinicians), "days": list(days)})
        compiled = ValidationCompiler(spec, raw.column_map, profile, setting("MOMENTUM_TIMEZONE")).compile()
        for stmt, params in compiled.statements:
            con.execute(stmt, params)
        con.execute(*compiled.duplicates)
        typed = con.execute("SELECT * FROM typed ORDER BY __row").df()
        problems = con.execute("SELECT __row, string_agg(reason, '; ' ORDER BY reason) FROM problems GROUP BY 1").fetchall()
    reasons = {int(r): text for r, text in problems}
    for row, _value, reason in raw.structural:
        reasons[row] = reason
    shown = typed[["__row", *spec.column_names]].rename(columns={"__row": "row"})
    extra = pd.DataFrame({"row": [r for r in reasons if r not in set(shown["row"])]})
    shown = pd.concat([shown, extra], ignore_index=True).sort_values("row", kind="stable")
    shown["row"] = shown["row"].astype(int)
    shown.insert(1, "outcome", ["rejected" if int(r) in reasons else "loads" for r in shown["row"]])
    shown.insert(2, "reason", [reasons.get(int(r), "") for r in shown["row"]])
    return shown.reset_index(drop=True)
