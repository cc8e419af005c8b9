"""Load validated CSV exports into the imported-data store (design §3).

Every row of every file ends up loaded or in ``rejected_rows`` with a reason;
each file loads in one transaction together with its ``loads`` ledger row, so
a crash leaves the database as before that file or after it.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import getpass
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from pipelines import clock
from pipelines.appstate.db import AppState
from pipelines.appstate.secrets_file import WeakSecretError, ensure_pseudonym_key
from pipelines.ingest import csv_files, items, vendor, xlsx_files
from pipelines.ingest.csv_files import FileRefused
from pipelines.ingest.validate import ValidationCompiler, upsert_statements
from pipelines.ingest.xlsx_files import EXCEL_SUFFIXES, is_excel
from pipelines.models import marts, queries
from pipelines.settings import Paths, memory_size, setting
from pipelines.sql_files import sql, statements
from pipelines.store import DataStore, StoreError
from schemas.contract import TABLES, TableSpec
from schemas.exports import LOAD_ORDER
from schemas.profiles import DEFAULT_PROFILE, HeaderProfile, ReportSpec, load_profile, normalise

ProgressFn = Callable[[str], None]


class IngestArgumentError(Exception):
    """Nothing can be done: a path is missing, no CSV files, an unknown profile."""


@dataclass
class FileResult:
    path: str
    table: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = "rejected"  # loaded, partial, rejected, duplicate
    load_id: int | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        d = asdict(self)
        return {k: d[k] for k in ("path", "table", "rows_read", "rows_loaded", "rows_rejected", "status")}


@dataclass
class IngestResult:
    files: list[FileResult]
    published: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if all(f.status in ("loaded", "duplicate") for f in self.files) else 1


@dataclass
class _Planned:
    path: Path
    sha256: str
    table: str | None
    column_map: dict[str, str]
    n_columns: int
    notes: list[str]
    profile: HeaderProfile | None = None
    refused: str | None = None
    has_nul: bool = True  # a NUL byte anywhere in the file: the validation tests every value for chr(0)
    wide: items.WideHeader | None = None  # an item-level measures file: scored into totals first
    report: ReportSpec | None = None  # a practice system's report (pipelines/ingest/vendor.py)
    fields: list[str] = field(default_factory=list)  # its header


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(x for x in p.iterdir() if x.is_file() and x.suffix.lower() in (".csv", *EXCEL_SUFFIXES))
            if not found:
                raise IngestArgumentError(f"{p}: no .csv or .xlsx files in this folder")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise IngestArgumentError(f"{p}: no such file or folder")
    if not files:
        raise IngestArgumentError("no files given")
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique


def map_header(spec: TableSpec, fields: list[str], profile: HeaderProfile) -> tuple[dict[str, str], list[str], list[str]]:
    """Map header fields onto a table's columns.

    Returns (column -> raw column name, unknown headers, problems).
    """
    canonical = {normalise(c): c for c in spec.column_names}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    problems: list[str] = []
    first_header: dict[str, str] = {}
    for i, header in enumerate(fields):
        col = canonical.get(normalise(header)) or profile.column_for(spec.name, header)
        if col is None:
            unknown.append(header)
            continue
        if col in mapping:
            problems.append(f"columns '{first_header[col]}' and '{header}' both mean {col}")
            continue
        mapping[col] = f"c{i}"
        first_header[col] = header
    return mapping, unknown, problems


def recognise(path: Path, fields: list[str], profile: HeaderProfile) -> tuple[str, dict[str, str], list[str]]:
    """Which table a header belongs to. Raises FileRefused with a clear message."""
    stem = normalise(path.stem)
    scored = []
    for name, spec in TABLES.items():
        mapping, unknown, problems = map_header(spec, fields, profile)
        missing = [c for c in spec.required_columns if c not in mapping]
        hint = stem.startswith(normalise(name)) or stem.startswith(normalise(name.rstrip("s")))
        scored.append((name, mapping, unknown, problems, missing, hint))
    complete = [s for s in scored if not s[4]]
    if len(complete) > 1:
        hinted = [s for s in complete if s[5]]
        if len(hinted) == 1:
            complete = hinted
        else:
            best = max(len(s[1]) for s in complete)
            top = [s for s in complete if len(s[1]) == best]
            if len(top) > 1:
                names = " and ".join(s[0] for s in top)
                raise FileRefused(
                    f"the header fits both {names}; name the file after its table (e.g. {top[0][0]}.csv)"
                )
            complete = top
    if complete:
        name, mapping, unknown, problems, _missing, _hint = complete[0]
        if problems:
            raise FileRefused("; ".join(problems))
        notes = []
        if unknown:
            notes.append(
                "ignored column(s) that are not part of the contract: " + ", ".join(repr(u) for u in unknown)
            )
        return name, mapping, notes
    # nothing complete: explain the closest match
    def closeness(s: tuple) -> tuple[int, int]:
        return (1 if s[5] else 0, len(s[1]))

    best = max(scored, key=closeness)
    name, mapping, unknown, _problems, missing, hint = best
    if hint or len(mapping) >= 2:
        extra = f" (unrecognised headers: {', '.join(repr(u) for u in unknown)})" if unknown else ""
        raise FileRefused(
            f"looks like {name} but is missing required column(s): {', '.join(missing)}{extra}"
        )
    raise FileRefused(
        "the header does not match any Momentum table (clinicians, clients, sessions, goals, "
        f"measures, homework, wins); found columns: {', '.join(repr(f) for f in fields[:12])}"
    )


def _plan(path: Path, profile: HeaderProfile, practice_dir: Path | None = None) -> _Planned:
    sha, has_nul = csv_files.fingerprint(path)
    excel = is_excel(path)
    has_nul = has_nul or excel  # a workbook is a zip: its bytes say nothing of its cells (_x0000_ is a NUL)
    try:
        header = xlsx_files.read_header(path)[0] if excel else csv_files.read_header(path)
        report = vendor.detect(header.fields, profile, practice_dir)
        if report is not None:
            vendor.source_columns(report, header.fields)  # refuses a report without a column it needs
            return _Planned(path, sha, report.table, {}, len(header.fields), [],
                            load_profile(report.profile, practice_dir),
                            has_nul=has_nul, report=report, fields=header.fields)
        wide = _wide(header.fields, profile)
        fields = wide.fields if wide else header.fields
        table, mapping, notes = recognise(path, fields, profile)
        if wide and table != "measures":  # item columns in another table: not an item-level measures file
            wide, fields = None, header.fields
            table, mapping, notes = recognise(path, fields, profile)
        if wide:  # the item columns were set aside for scoring, not ignored: say what they are
            ignored = [repr(h) for i, h in enumerate(header.fields)
                       if i not in wide.items.values() and i != wide.given_total and f"c{i}" not in mapping.values()]
            notes = [f"scored {len(wide.items)} item columns into each row's total"
                     + (f"; ignored column(s) that are not part of the contract: {', '.join(ignored)}" if ignored else "")]
    except FileRefused as exc:
        return _Planned(path, sha, None, {}, 0, [], profile, refused=str(exc))
    used = profile
    if profile.name == DEFAULT_PROFILE:
        # auto: a file whose headers are all canonical names is read by the
        # canonical profile's stricter rules (e.g. no date-only datetimes)
        canonical_names = {normalise(c) for c in TABLES[table].column_names}
        mapped_headers = [fields[int(raw[1:])] for raw in mapping.values()]
        if all(normalise(h) in canonical_names for h in mapped_headers):
            used = load_profile("canonical")
        else:
            used = load_profile("generic")
    return _Planned(path, sha, table, mapping, len(header.fields), notes, used, has_nul=has_nul, wide=wide)


def _wide(fields: list[str], profile: HeaderProfile) -> items.WideHeader | None:
    """The item columns of an item-level measures header (None for any other file)."""
    totals = {"score", *(alias for alias, col in profile.columns.get("measures", {}).items() if col == "score")}
    try:
        return items.wide_header(fields, totals)
    except ValueError as exc:
        raise FileRefused(str(exc)) from None


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    (n,) = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()
    return int(n)


def _ledger(con: duckdb.DuckDBPyConnection, r: FileResult, sha: str, loaded_by: str, profile: str) -> None:
    con.execute(
        "INSERT INTO loads VALUES ($id, $file, $sha, $table, $read, $loaded, $rejected, $status, "
        "now()::TIMESTAMP, $by, $profile, $message)",
        {
            "id": r.load_id,
            "file": r.path,
            "sha": sha,
            "table": r.table,
            "read": r.rows_read,
            "loaded": r.rows_loaded,
            "rejected": r.rows_rejected,
            "status": r.status,
            "by": loaded_by,
            "profile": profile,
            "message": r.message or None,
        },
    )


def _drop_temps(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in statements("drop_ingest_temps"):
        con.execute(stmt)


def _load_one(
    con: duckdb.DuckDBPyConnection,
    plan: _Planned,
    profile: HeaderProfile,
    loaded_by: str,
    progress: ProgressFn,
    key: bytes | None = None,
) -> FileResult:
    result = FileResult(path=str(plan.path), table=plan.table, notes=list(plan.notes))
    dup = con.execute(
        "SELECT load_id FROM loads WHERE sha256 = $sha AND status IN ('loaded', 'partial') "
        "ORDER BY load_id LIMIT 1",
        {"sha": plan.sha256},
    ).fetchone()
    refused = plan.refused
    raw: csv_files.RawLoad | None = None
    if not dup and not refused:
        # read the file into a temp table before the transaction: a parse error
        # in DuckDB's fast reader would otherwise abort the transaction
        progress(f"{plan.path.name}: reading ({plan.table})")
        try:
            if plan.report is not None:
                assert plan.profile is not None
                raw = vendor.read_report(con, plan.path, plan.report, plan.profile, plan.fields, key)
                plan.column_map = raw.column_map
                result.notes.extend(raw.notes)
            elif is_excel(plan.path):
                assert plan.table is not None
                kinds = {int(raw_name[1:]): TABLES[plan.table].column(col).kind for col, raw_name in plan.column_map.items()}
                raw = xlsx_files.load_raw(con, plan.path, plan.n_columns, kinds)
            else:
                raw = csv_files.load_raw(con, plan.path, plan.n_columns)
            if plan.wide is not None:
                progress(f"{plan.path.name}: scoring the items of {raw.rows_read:,} rows")
                measure = plan.column_map.get("measure")
                given = measure if measure and int(measure[1:]) < plan.n_columns else None
                raw = items.score(con, plan.wide, raw, plan.n_columns, given)
        except FileRefused as exc:
            refused = str(exc)
    con.execute("BEGIN TRANSACTION")
    try:
        result.load_id = _next_load_id(con)
        if dup:
            result.status = "duplicate"
            result.message = f"identical to load {dup[0]}; skipped"
        elif refused:
            _refuse(con, result, refused)
        else:
            assert raw is not None
            _validate_and_upsert(con, plan, raw, profile, result, progress)
        if result.notes and not result.message:
            result.message = "; ".join(result.notes)
        _ledger(con, result, plan.sha256, loaded_by, (plan.profile or profile).name)
        con.execute("COMMIT")
    except BaseException:
        # a failed write (a full disk) may have ended the transaction already
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            _drop_temps(con)
    return result


def _refuse(con: duckdb.DuckDBPyConnection, result: FileResult, reason: str) -> None:
    result.status = "rejected"
    result.message = reason
    result.rows_read = result.rows_rejected = _count_records(Path(result.path))
    result.rows_loaded = 0
    con.execute(
        "INSERT INTO rejected_rows VALUES ($id, $file, NULL, NULL, NULL, $reason)",
        {"id": result.load_id, "file": result.path, "reason": "whole file rejected: " + reason},
    )


def _count_records(path: Path) -> int:
    """Best-effort count of data records in a refused file (for the ledger)."""
    if is_excel(path):
        return xlsx_files.count_rows(path)
    try:
        with path.open("rb") as fh:
            utf16 = fh.read(2) in (b"\xff\xfe", b"\xfe\xff")
        return csv_files.count_records(path, strict=False, encoding="utf-16" if utf16 else "utf-8-sig")
    except (OSError, UnicodeError, csv.Error):
        return 0


def _validate_and_upsert(
    con: duckdb.DuckDBPyConnection,
    plan: _Planned,
    raw: csv_files.RawLoad,
    profile: HeaderProfile,
    result: FileResult,
    progress: ProgressFn,
) -> None:
    assert plan.table is not None
    spec = TABLES[plan.table]
    name = plan.path.name
    if raw.path_used == "careful":
        result.notes.append("the file had irregular rows; they were read one by one")
    if isinstance(raw, vendor.VendorLoad):
        _vendor_facts(con, raw, result)
    progress(f"{name}: validating {raw.rows_read:,} rows")
    compiled = ValidationCompiler(
        spec, plan.column_map, plan.profile or profile, setting("MOMENTUM_TIMEZONE"), check_nul=plan.has_nul
    ).compile()
    for stmt, params in compiled.statements:
        con.execute(stmt, params)
    if con.execute(compiled.may_have_duplicates).fetchone()[0]:
        con.execute(*compiled.duplicates)
    for row, value, reason in raw.structural:
        con.execute(
            "INSERT INTO problems VALUES ($row, NULL, $value, $reason)",
            {"row": row, "value": value, "reason": reason},
        )
    con.execute(
        "INSERT INTO rejected_rows SELECT $id, $file, __row, column_name, value, reason "
        "FROM problems ORDER BY __row, column_name",
        {"id": result.load_id, "file": result.path},
    )
    (rejected,) = con.execute("SELECT count(DISTINCT __row) FROM problems").fetchone()
    (typed_rows,) = con.execute("SELECT count(*) FROM typed").fetchone()
    structural = len({row for row, _v, _r in raw.structural})
    valid = typed_rows - (rejected - structural)
    progress(f"{name}: writing {valid:,} rows")
    delete, insert = upsert_statements(spec)
    if con.execute(sql("table_has_rows"), {"table": spec.name}).fetchall()[0][0]:
        con.execute(delete)  # only stored rows can be replaced
    con.execute(insert, {"load_id": result.load_id})
    if isinstance(raw, vendor.VendorLoad) and raw.new_clients:
        _clients_added(con, result)
    result.rows_read = raw.rows_read
    result.rows_loaded = int(valid)
    result.rows_rejected = int(rejected)
    if result.rows_read != result.rows_loaded + result.rows_rejected:  # never lose a row
        raise RuntimeError(
            f"{name}: row accounting failed ({result.rows_read} read, {result.rows_loaded} loaded, "
            f"{result.rows_rejected} rejected)"
        )
    result.status = "loaded" if rejected == 0 else ("partial" if valid else "rejected")
    if result.status == "rejected":
        result.message = "every row was rejected; see rejected_rows"


def _vendor_facts(con: duckdb.DuckDBPyConnection, raw: vendor.VendorLoad, result: FileResult) -> None:
    """What a practice system's report adds besides its rows, in the same transaction: the
    (name code, client code) pairs seen with a date of birth, and clients it adds."""
    if raw.births:
        names, codes = zip(*sorted(raw.births), strict=True)
        con.execute(sql("client_births_add"), {"names": list(names), "codes": list(codes), "load_id": result.load_id})
    if raw.new_clients:
        ids, clinicians, days = zip(*raw.new_clients, strict=True)
        con.execute(sql("clients_derived_add"), {"ids": list(ids), "clinicians": list(clinicians),
                                                 "days": list(days), "load_id": result.load_id})


def _clients_added(con: duckdb.DuckDBPyConnection, result: FileResult) -> None:
    """After the rows are written: the clients the report added that no loaded row names are taken out."""
    con.execute(sql("clients_derived_unused_drop"), {"load_id": result.load_id})
    (added,) = con.execute(sql("clients_added_by_load"), {"load_id": result.load_id}).fetchall()[0]
    if added:
        result.notes.append(f"added {added} client(s) first seen here (intake date: their first session in "
                            "this file; clinician: that session's; status active)")


def ingest(
    paths: Iterable[str | Path],
    db_paths: Paths,
    profile_name: str = "auto",
    loaded_by: str | None = None,
    progress: ProgressFn | None = None,
    audit: bool = True,
    demo: bool = False,
    refresh: bool = False,
    refresh_as_of: date | None = None,
) -> IngestResult:
    """Load files into the imported-data store and publish a new snapshot."""
    progress = progress or (lambda _msg: None)
    try:
        profile = load_profile(profile_name, db_paths.practice_profiles)
        plans = [_plan(f, profile, db_paths.practice_profiles) for f in collect_files(paths)]
    except ValueError as exc:  # a profile file that breaks the rules, named with its key
        raise IngestArgumentError(str(exc)) from None
    loaded_by = loaded_by or _whoami()
    order = {t: i for i, t in enumerate(LOAD_ORDER)}
    # dependency order; unrecognised files first (they load nothing); within a table, a report that
    # keeps stored values of columns it lacks after the reports that give them; else stable
    plans.sort(key=lambda p: (-1, 0) if p.table is None else (order[p.table], bool(p.report and p.report.keep_stored)))
    ingest_memory = memory_size("MOMENTUM_INGEST_MEMORY")  # a bad setting stops the run before any file loads
    if refresh:
        marts.refresh_memory_limit()  # likewise MOMENTUM_REFRESH_MEMORY
    key = None
    if any(p.report is not None and "client" in p.report.names.values() for p in plans):
        try:
            key = ensure_pseudonym_key(db_paths.secrets)
        except WeakSecretError as exc:
            raise IngestArgumentError(f"client names cannot be pseudonymised: {exc}") from None
    store = DataStore(db_paths)
    results: list[FileResult] = []
    started = time.monotonic()
    with store.writer() as con, _storage_failures(db_paths, results, plans):
        # validating and loading spill beyond the cap instead of growing (the refresh sets its own)
        con.execute(sql("memory_limit_set"), {"limit": ingest_memory})
        for i, plan in enumerate(plans, 1):
            progress(f"[{i}/{len(plans)}] {plan.path.name}")
            results.append(_load_one(con, plan, profile, loaded_by, progress, key))
        if demo or any(r.status in ("loaded", "partial") for r in results):
            # demo accounts only work while every loaded file came from sample_data/
            con.execute(sql("meta_set"), {"key": "demo", "value": "true" if demo else "false"})
        if refresh and (any(r.status in ("loaded", "partial") for r in results) or not queries.marts_state(con).current):
            as_of = refresh_as_of or clock.today()
            progress(f"refreshing the clinical models as of {as_of.isoformat()}")
            queries.refresh_marts(con, as_of, progress=progress)
        con.execute("CHECKPOINT")
        (latest_load,) = con.execute(sql("latest_load_id")).fetchall()[0]
    # publish when this run changed something, or when an earlier run was stopped
    # between its commit and its publish (the snapshot is behind the ledger)
    changed = any(r.status != "duplicate" for r in results) or store.snapshot_load_id() < latest_load
    if changed:
        progress("publishing the new data to the dashboard")
        with _storage_failures(db_paths, results, plans):
            store.publish_snapshot()
    if audit:
        from pipelines.appstate import audit as audit_log

        audit_log.record(
            AppState(db_paths.app_db),
            loaded_by,
            "ingest",
            files=[r.as_json() for r in results],
            seconds=round(time.monotonic() - started, 3),
        )
    return IngestResult(files=results, published=changed)


DAMAGED_HINTS = ("could not read", "corrupt", "checksum", "not a valid duckdb", "invalid block")
FULL_HINTS = ("could not write", "no space left", "file too large", "disk quota")


@contextlib.contextmanager
def _storage_failures(db_paths: Paths, results: list[FileResult], plans: list[_Planned]) -> Iterator[None]:
    """A damaged database file, or a write that fails (a full disk), becomes one clear
    StoreError that says what is loaded and what to do."""
    try:
        yield
    except (duckdb.Error, OSError) as exc:
        text = str(exc).lower()
        done = len(results)
        loaded = f"{done} file(s) before that point are loaded, nothing after it."
        if isinstance(exc, duckdb.Error) and any(h in text for h in DAMAGED_HINTS):
            raise StoreError(
                f"the database file {db_paths.data_db} is damaged (truncated or corrupted: {exc}). {loaded} "
                "Restore it from a backup (python -m pipelines restore BACKUP --force); the dashboard keeps "
                "showing the data it last published"
            ) from None
        full = (exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO) if isinstance(exc, OSError)
                else isinstance(exc, duckdb.IOException) or any(h in text for h in FULL_HINTS))
        if not full:
            raise
        where = (f"while loading {plans[done].path.name}" if done < len(plans)
                 else "after loading, while saving the database or publishing it to the dashboard")
        raise StoreError(
            f"could not write to {db_paths.data_db.parent} {where} ({exc}); the disk may be full. {loaded} "
            "Free some space and run the same ingest again: files already loaded are skipped as duplicates"
        ) from None


def _whoami() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"
