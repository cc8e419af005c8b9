"""Reports of practice systems (the vendor profiles in schemas/profiles/): which report a file is,
and its rows as rows of a contract table.

A report is read in Python, row by row (a CSV file, or the first sheet of a workbook), and only
the columns its profile uses are kept: billing, insurance, address, phone, email and contact
columns are dropped as each row is read and never reach the database. On the way:

* a row that repeats the header, or the report's summary row ("230 clients,9 clinicians,...")
  is skipped, and the ledger says which rows those were;
* a client's name (with the date of birth, when the report has one) becomes a pseudonymous
  code (pipelines/ingest/pseudonym.py); a name cell holding an email address or a phone number
  is rejected without keeping it;
* a clinician's name is matched to the staff list (the ``name`` column of clinicians, ignoring
  case and spaces); an unknown or ambiguous name rejects the row and names it;
* a column the report lacks is derived (a session id from client, clinician and start), given the
  profile's default, or kept from the stored row with the same key (``keep_stored``).

The result is the same ``raw_rows`` table the other readers make, with one text column per contract
column, so the validation and the upsert are those of every other file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.ingest import xlsx_files
from pipelines.ingest.csv_files import FileRefused, RawLoad, careful_records, store_rows
from pipelines.ingest.pseudonym import client_code, name_code, name_key
from pipelines.ingest.validate import stored_values_sql
from pipelines.sql_files import sql
from schemas.contract import TABLES
from schemas.profiles import HeaderProfile, ReportSpec, normalise, vendor_profiles

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9()\s.-]{7,}")
NOT_KEPT = "its value is not kept"


@dataclass
class VendorLoad(RawLoad):
    column_map: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # (client code, clinician id, first session date) of clients first seen in a report that adds them
    new_clients: list[tuple[str, str, str]] = field(default_factory=list)
    # (name code, client code) of every client whose name came with a date of birth
    births: set[tuple[str, str]] = field(default_factory=set)


def detect(fields: list[str], requested: HeaderProfile, practice_dir: Path | None = None) -> ReportSpec | None:
    """The report a header belongs to: among every practice system's reports and the practice's own
    profiles (``practice_dir``) when ``requested`` is ``auto``, among its own reports when it is a
    profile with reports, none otherwise."""
    headers = {normalise(f) for f in fields}
    if requested.reports:
        candidates = list(requested.reports)
    elif requested.name == "auto":
        candidates = [r for p in vendor_profiles(practice_dir) for r in p.reports]
    else:
        return None
    fits = [r for r in candidates if fits_header(r, headers)]
    if len(fits) > 1:
        raise FileRefused("the header fits more than one practice system's report ("
                          + ", ".join(r.label for r in fits) + "); name the one it is with --profile")
    if fits:
        return fits[0]
    if requested.reports:
        wanted = "; ".join(f"{r.name}: {', '.join(r.detect)}" for r in requested.reports)
        raise FileRefused(f"the header is not one of the {requested.name} reports Momentum knows ({wanted})")
    return None


def fits_header(report: ReportSpec, headers: set[str]) -> bool:
    """Does a header (its normalised names) fit the report: include its columns, or, for a practice's own
    profile (``exact_header``), be exactly them, so a file that merely contains them is not taken for it."""
    wanted = {normalise(h) for h in report.detect}
    return wanted == headers if report.exact_header else wanted <= headers


def source_columns(report: ReportSpec, fields: list[str]) -> dict[str, list[int]]:
    """Contract column -> the positions of its source columns: ``Charge#2`` is the second ``Charge``;
    ``Date+Time`` joins two columns with a space. ``__dob`` and ``__end`` are the date of birth and the end."""
    positions: dict[str, list[int]] = {}
    for i, f in enumerate(fields):
        positions.setdefault(normalise(f), []).append(i)
    found: dict[str, list[int]] = {}
    wanted = dict(report.columns)
    if report.date_of_birth:
        wanted["__dob"] = report.date_of_birth
    if report.ends:
        wanted["__end"] = report.ends
    for col, source in wanted.items():
        if positions.get(normalise(source)):  # a header as it is written ("Date + Time", "# of visits")
            found[col] = positions[normalise(source)][:1]
            continue
        parts = []
        for part in source.split("+"):
            name, _, nth = part.partition("#")
            at = positions.get(normalise(name), [])
            k = int(nth) - 1 if nth.strip().isdigit() else 0
            if k < len(at) and (not nth or nth.strip().isdigit()):
                parts.append(at[k])
        if len(parts) == len(source.split("+")):
            found[col] = parts
        elif col in TABLES[report.table].required_columns:
            raise FileRefused(f"looks like the {report.label} but has no {source!r} column (needed for {col})")
    return found


def _staff(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    staff: dict[str, list[str]] = {}
    for clinician_id, name in con.execute(sql("staff_names")).fetchall():
        staff.setdefault(name_key(name), []).append(clinician_id)
    return staff


def _when(text: str, profile: HeaderProfile) -> str:
    """A date or date-time as ISO text, read by the profile's formats (the text itself if none fits)."""
    for fmt in (*profile.datetime_formats, *profile.date_formats):
        try:
            return datetime.strptime(text, fmt).isoformat(sep=" ")
        except ValueError:
            continue
    return text


def _day(text: str, profile: HeaderProfile) -> str | None:
    for fmt in profile.date_formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _minutes(start: str, end: str, profile: HeaderProfile) -> str:
    """Whole minutes from start to end ("" when either is not a date-time: the duration is then reported empty)."""
    a, b = _when(start, profile), _when(end, profile)
    try:
        return str(round((datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60))
    except (ValueError, TypeError):  # not a date-time, or one with an offset and one without
        return ""


def derived_id(column: str, parts: list[str]) -> str:
    """A deterministic identifier from the values it is derived from: re-importing a report gives the same id."""
    digest = hashlib.sha256("\x1f".join([column, *parts]).encode("utf-8")).hexdigest()
    return column[0].upper() + "-" + digest[:16]


def records(path: Path, n: int, kinds: dict[int, str]) -> Iterator[tuple[int, list[str] | None, str]]:
    """(row, cells as text, problem) of every data row, from a CSV file or a workbook's first sheet."""
    if xlsx_files.is_excel(path):
        for number, cells in xlsx_files.data_rows(path):
            if len(cells) > n and not xlsx_files.blank(cells[n:]):
                yield number, None, f"the row has values to the right of the header's {n} columns"
                continue
            padded = [*cells[:n], *[None] * (n - len(cells))]
            yield number, [xlsx_files.cell_text(c, kinds.get(i)) for i, c in enumerate(padded)], ""
        return
    for row, record, _value, reason in careful_records(path, n):
        yield row, record, reason  # the value of a bad row is not kept: it may hold names


def read_report(con: duckdb.DuckDBPyConnection, path: Path, report: ReportSpec, profile: HeaderProfile,
                fields: list[str], key: bytes | None, limit: int | None = None) -> VendorLoad:
    """Create ``raw_rows`` from a practice system's report (see the module's docstring); ``limit``:
    stop after that many data rows (the mapping page's preview)."""
    spec = TABLES[report.table]
    index = source_columns(report, fields)
    used = {i for at in index.values() for i in at}
    dob_at = index.pop("__dob", [None])[0]
    end_at = index.pop("__end", [None])[0]
    given = [c for c in spec.column_names if c in index]
    timed = "duration_min" in spec.column_names and "duration_min" not in index and end_at is not None
    derived = [c for c in spec.column_names if c in report.derive or (c == "duration_min" and timed)]
    defaulted = [c for c in spec.column_names if c in report.defaults and c not in index]
    kept = [c for c in spec.column_names if c in report.keep_stored and c not in index]
    out = [*given, *derived, *defaulted, *kept]
    staff = _staff(con) if "clinician" in report.names.values() else {}
    births = {n: list(codes) for n, codes in con.execute(sql("client_births")).fetchall()}
    kinds = {at[0]: spec.column(c).kind for c, at in index.items()}
    if dob_at is not None:
        kinds[dob_at] = "date"
    if end_at is not None:
        kinds[end_at] = "datetime"
    header = [normalise(f) for f in fields]
    summary = re.compile(report.summary_row) if report.summary_row else None
    load = VendorLoad(rows_read=0, path_used="report")
    cols: dict[str, list[str]] = {c: [] for c in out}
    row_numbers: list[int] = []
    repeated, summaries = [], []
    first_session: dict[str, tuple[str, str]] = {}
    if dob_at is not None and key is not None and "client_id" in index:
        _births_in_file(path, fields, kinds, index["client_id"], dob_at, profile, key, births)
    for number, cells, problem in records(path, len(fields), kinds):
        if cells is not None and [normalise(c) for c in cells] == header:
            repeated.append(number)
            continue
        if cells is not None and summary is not None:
            filled = [c.strip() for c in cells if c.strip()]
            if filled and all(summary.fullmatch(c) for c in filled):
                summaries.append(number)
                continue
        if limit is not None and load.rows_read >= limit:
            break
        load.rows_read += 1
        if cells is None:
            load.structural.append((number, "", f"{problem} ({NOT_KEPT}: the row may hold names)"))
            continue
        values = {c: " ".join(cells[i].strip() for i in at).strip() for c, at in index.items()}
        reason = _resolve_names(values, report, staff, key,
                                cells[dob_at].strip() if dob_at is not None else "", profile, load, births)
        if reason:
            load.structural.append((number, reason[1], reason[0]))
            continue
        for col in derived:
            if col == "duration_min" and timed:
                values[col] = _minutes(values.get("start", ""), cells[end_at].strip(), profile)
                continue
            values[col] = derived_id(col, [_when(values[p], profile) if spec.column(p).kind != "text" else values[p]
                                           for p in report.derive[col]])
        for col in defaulted:
            values[col] = report.defaults[col]
        row_numbers.append(number)
        for col in out:
            if col not in kept:  # those are filled from the stored rows below
                cols[col].append(values.get(col, ""))
        if report.derive_clients and values.get("client_id") and values.get("start"):
            day = (_when(values["start"], profile)[:10])
            seen = first_session.get(values["client_id"])
            if seen is None or day < seen[0]:
                first_session[values["client_id"]] = (day, values.get("clinician_id", ""))
    if kept:
        _keep_stored(con, report, kept, cols, row_numbers, load)
    names = [f"c{i}" for i in range(len(out))]
    store_rows(con, row_numbers, names, [cols[c] for c in out])
    load.column_map = dict(zip(out, names, strict=True))
    load.new_clients = [(code, clin, day) for code, (day, clin) in sorted(first_session.items())]
    load.notes = _notes(report, derived, defaulted, kept, repeated, summaries, len(fields) - len(used))
    return load


def _births_in_file(path: Path, fields: list[str], kinds: dict[int, str], name_at: list[int], dob_at: int,
                    profile: HeaderProfile, key: bytes, births: dict[str, list[str]]) -> None:
    """Every (name, date of birth) of the file, before any row is resolved: a row without a date of birth
    then finds the code of its name whether the row with the date comes before or after it."""
    for _number, cells, _problem in records(path, len(fields), kinds):
        if cells is None:
            continue
        name = " ".join(cells[i].strip() for i in name_at).strip()
        birth = _day(cells[dob_at].strip(), profile) if cells[dob_at].strip() else None
        if name and birth and not _looks_like_contact(name):
            code = client_code(key, name, birth)
            known = births.setdefault(name_code(key, name), [])
            if code not in known:
                known.append(code)


def _looks_like_contact(text: str) -> bool:
    """An email address or a phone number (seven digits or more), where a name should be."""
    return bool(_EMAIL.fullmatch(text) or (_PHONE.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 7))


def _resolve_names(values: dict[str, str], report: ReportSpec, staff: dict[str, list[str]], key: bytes | None,
                   dob: str, profile: HeaderProfile, load: VendorLoad, births: dict[str, list[str]]) -> tuple[str, str] | None:
    """Names become codes in ``values``; returns (reason, value shown) when the row cannot load."""
    for col, kind in report.names.items():
        text = values.get(col, "")
        if not text:
            continue  # a required column then says it is empty
        if _looks_like_contact(text):
            return f"the {kind} column holds an email address or a phone number, not a name; {NOT_KEPT}", ""
        if kind == "clinician":
            ids = staff.get(name_key(text), [])
            if not ids:
                return (f"clinician {text!r} is not in the staff list: load a clinicians file whose name column "
                        "has this name (case and spaces do not matter)", text[:60])
            if len(ids) > 1:
                return f"clinician name {text!r} fits {len(ids)} clinicians ({', '.join(ids)}) in the staff list", text[:60]
            values[col] = ids[0]
            continue
        assert key is not None, "a report with client names needs the pseudonym key"
        named = name_code(key, text)
        if dob:
            birth = _day(dob, profile)
            if birth is None:
                return f"the date of birth is not a date ({', '.join(profile.date_formats)}); {NOT_KEPT}", ""
            values[col] = client_code(key, text, birth)
            if values[col] not in births.setdefault(named, []):
                births[named].append(values[col])
            load.births.add((named, values[col]))  # recorded with the load (client_births_add skips known pairs)
            continue
        codes = births.get(named, [])
        if len(codes) > 1:
            return (f"possible collision: this client's name has come with {len(codes)} different dates of birth "
                    f"({', '.join(codes)}), and this row has none, so it cannot say which client it is; "
                    f"add the date of birth ({NOT_KEPT})"), ""
        values[col] = codes[0] if codes else client_code(key, text)
    return None


def _keep_stored(con: duckdb.DuckDBPyConnection, report: ReportSpec, kept: list[str], cols: dict[str, list[str]],
                 row_numbers: list[int], load: VendorLoad) -> None:
    """Fill the columns the report lacks from the stored rows with the same key; a row whose key is not
    stored and that lacks a required column is rejected, saying which report to load first."""
    spec = TABLES[report.table]
    (key,) = spec.key
    stored = {row[0]: row[1:] for row in con.execute(
        stored_values_sql(spec, kept), {"keys": sorted(set(cols[key]))}).fetchall()}
    required = [c for c in kept if spec.column(c).required]
    drop: list[int] = []
    for i, k in enumerate(cols[key]):
        found = stored.get(k)
        if found is None and required:
            load.structural.append((row_numbers[i], "", (
                f"this report has no {' or '.join(required)}, and no {spec.name[:-1]} with the same "
                f"{', '.join(report.derive.get(key, (key,)))} is loaded yet: load the report that gives "
                f"{' and '.join(required)} first")))
            drop.append(i)
            continue
        for j, c in enumerate(kept):
            cols[c].append("" if found is None or found[j] is None else str(found[j]))
    for i in reversed(drop):
        row_numbers.pop(i)
        for c in cols:
            if c not in kept:
                cols[c].pop(i)


def _notes(report: ReportSpec, derived: list[str], defaulted: list[str], kept: list[str], repeated: list[int],
           summaries: list[int], dropped: int) -> list[str]:
    notes = [f"read as the {report.label}"]
    if report.ends and "duration_min" in derived:
        notes.append(f"duration_min derived from start and {report.ends!r}")
        derived = [c for c in derived if c != "duration_min"]
    if report.names:
        words = {"client": "client names replaced by pseudonymous codes",
                 "clinician": "clinician names matched to the staff list"}
        notes.append(", ".join(words[k] for k in sorted(set(report.names.values()))))
    for col in derived:
        notes.append(f"{col} derived from {', '.join(report.derive[col])}")
    for col in defaulted:
        notes.append(f"{col} {report.defaults[col]} for every row (the profile's default)")
    if kept:
        notes.append(f"{', '.join(kept)} kept from the stored rows")
    if summaries:
        notes.append(f"skipped the summary row(s) {', '.join(map(str, summaries))}")
    if repeated:
        notes.append(f"skipped repeated header row(s) {', '.join(map(str, repeated))}")
    if dropped:
        notes.append(f"dropped {dropped} column(s) the contract does not use")
    return notes
