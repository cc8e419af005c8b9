"""Reading export files: the header, and the rows as text into DuckDB.

Two paths, same result (a temp table ``raw_rows``: ``__row`` = 1-based data
row, then one VARCHAR column ``c0 … cN`` per header field):

* fast: DuckDB's own CSV reader in strict RFC 4180 mode. Any irregularity
  (a row with too many or too few fields, a stray quote, bytes that are not
  UTF-8, a NUL byte) makes it stop, and the file is read again by
* careful: Python's ``csv`` module, record by record, which puts every
  irregular record in ``structural`` with a reason and keeps the rest.

A quote that is never closed makes the rest of the file unreadable; that file
is refused whole (``FileRefused``) rather than guessed at.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.ingest.validate import VALUE_PREVIEW
from pipelines.sql_files import statements

csv.field_size_limit(64 * 1024 * 1024)


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, for a person."""


@dataclass
class Header:
    fields: list[str]
    has_bom: bool


@dataclass
class RawLoad:
    rows_read: int
    path_used: str  # "fast" or "careful"
    structural: list[tuple[int, str, str]] = field(default_factory=list)  # (row, value, reason)


def sha256_of(path: Path) -> str:
    return fingerprint(path)[0]


def fingerprint(path: Path) -> tuple[str, bool]:
    """The file's SHA-256 and whether it holds a NUL byte anywhere, in one read.

    Without a NUL byte no value can hold chr(0) (in UTF-8, U+0000 is the byte
    0x00; a UTF-16 file is full of them and counts as holding one), so the
    validation can skip its per-column NUL tests (pipelines/ingest/validate.py).
    """
    h = hashlib.sha256()
    nul = False
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            nul = nul or b"\x00" in chunk
    return h.hexdigest(), nul


def read_header(path: Path) -> Header:
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head.strip():
        raise FileRefused("the file is empty: it has no header row")
    has_bom = head.startswith(b"\xef\xbb\xbf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused("the file is UTF-16 encoded; export it as UTF-8 (CSV UTF-8)")
    text = head.decode("utf-8-sig", errors="surrogateescape")
    try:
        first = next(csv.reader(io.StringIO(text), strict=True))
    except (csv.Error, StopIteration) as exc:
        raise FileRefused(f"the header row cannot be read as CSV ({exc})") from None
    if any(any("\udc80" <= ch <= "\udcff" for ch in f) for f in first):
        raise FileRefused("the header row has bytes that are not UTF-8; export the file as UTF-8")
    fields = [f.strip() for f in first]
    if len(fields) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in fields[0]:
                raise FileRefused(
                    f"the columns are separated by {name}; Momentum reads comma-separated "
                    "files (re-export as CSV with commas)"
                )
    if not any(fields):
        raise FileRefused("the header row is blank")
    return Header(fields=fields, has_bom=has_bom)


def _column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def _is_blank(record: list[str]) -> bool:
    return not record or (len(record) == 1 and not record[0].strip())


def count_records(path: Path, strict: bool = True, encoding: str = "utf-8-sig") -> int:
    """Data records as Python's ``csv`` module reads them (blank lines are not records).

    With ``strict``, raises ``csv.Error`` where the file is not strict CSV."""
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, strict=strict)
        next(reader, None)  # header
        return sum(1 for record in reader if not _is_blank(record))


# a line end, a line with no comma, a line end (re skips ahead to each "\n")
_LINE_WITHOUT_A_COMMA = re.compile(rb"\n[^,\n]*\n")
_BLOCK = 1 << 23


def count_records_from_bytes(path: Path) -> int | None:
    r"""The count :func:`count_records` gives, taken from the bytes, for the files where
    the two must agree; None for any other file.

    Python's csv module (newline="" as :func:`count_records` opens the file)
    ends a record at a line end unless the line end is inside quotes. A file
    with no quote character, only \n or \r\n line ends and a comma on every
    line (so no line is blank) therefore has exactly one record per line. That
    holds for most exports and is checked here in a fraction of the csv
    module's time (about 1.0 s against 3.9 s for 2.7M measures, 128 MB).
    Everything else - quotes, bare \r, blank or one-field lines - returns
    None, and the csv module counts it. ``tests/test_csv_counts.py`` checks
    that both counts agree.
    """
    lines = 0
    carry = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            if not block:
                break
            data = carry + block
            cut = data.rfind(b"\n") + 1  # whole lines only; the rest waits for the next block
            piece, carry = data[:cut], data[cut:]
            if not piece:  # no line end yet: a very long line, or bare \r line ends
                if len(carry) > 8 * _BLOCK:
                    return None
                continue
            if (
                b'"' in piece
                or (b"\r" in piece and piece.count(b"\r") != piece.count(b"\r\n"))
                or b"," not in piece[: piece.find(b"\n")]  # the piece's first line
                or _LINE_WITHOUT_A_COMMA.search(piece)
            ):
                return None
            lines += piece.count(b"\n")
    if carry:  # a last line with no line end
        if b'"' in carry or b"\r" in carry or b"," not in carry:
            return None
        lines += 1
    return lines - 1 if lines else None  # the header is not a record


def cross_check_count(path: Path) -> int:
    """Records as Python's csv module reads them: from the bytes where that is
    exact (:func:`count_records_from_bytes`), else by the csv module (strict)."""
    fast = count_records_from_bytes(path)
    return count_records(path) if fast is None else fast


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, n_columns: int) -> RawLoad:
    """Create ``raw_rows`` for ``path``; returns how many data rows were read.

    DuckDB's count is cross-checked against Python's ``csv`` module, counted in a
    second thread while DuckDB reads; if the two disagree the file is refused
    rather than risk a lost or invented row.
    """
    names = _column_names(n_columns)
    with ThreadPoolExecutor(max_workers=1) as pool:
        python_count = pool.submit(cross_check_count, path)
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE raw_file AS SELECT * FROM read_csv($path, "
                "header = true, columns = $columns, delim = ',', quote = '\"', escape = '\"', "
                "auto_detect = false, strict_mode = true, encoding = 'utf-8')",
                {"path": str(path), "columns": {n: "VARCHAR" for n in names}},
            )
        except duckdb.Error:
            python_count.cancel()
            return _load_careful(con, path, names)
        try:
            expected = python_count.result()
        except csv.Error:
            # strict for DuckDB but not for Python's csv: read it record by record
            con.execute("DROP TABLE IF EXISTS raw_file")
            return _load_careful(con, path, names)
    for stmt in statements("raw_rows_view"):
        con.execute(stmt)
    (rows,) = con.execute("SELECT count(*) FROM raw_file").fetchall()[0]
    if rows != expected:
        raise FileRefused(
            f"DuckDB's CSV reader found {rows} records but Python's csv module finds {expected}; "
            "the file is refused rather than risk losing or inventing rows (check its quotes and line endings)"
        )
    return RawLoad(rows_read=rows, path_used="fast")


def _has_bad_bytes(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def careful_records(path: Path, n: int) -> Iterator[tuple[int, list[str] | None, str, str]]:
    """Every data record, read by Python's csv module: (row, record, "", "") for a good one,
    (row, None, value, reason) for one that cannot be a row. Blank lines are not rows."""
    row = 0
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            next(reader)  # header
        except (csv.Error, StopIteration):
            raise FileRefused("the header row cannot be read as CSV") from None
        while True:
            starts_at_line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row += 1
                msg = str(exc)
                if "unexpected end of data" in msg or "EOF" in msg:
                    raise FileRefused(
                        f"row {row} (line {starts_at_line}) opens a quoted value that is never "
                        "closed, so the rest of the file cannot be read reliably; fix the quote "
                        "and load the file again"
                    ) from None
                if "NUL" in msg:
                    reason = "the row contains a NUL byte"
                else:
                    reason = f"the row is not valid CSV ({msg}); check its quotes"
                yield row, None, "", reason
                continue
            if _is_blank(record):
                continue  # blank line: not a row
            row += 1
            joined = ",".join(record)
            if any(_has_bad_bytes(v) for v in record):
                yield row, None, preview(joined), "the row has bytes that are not UTF-8; export the file as UTF-8"
            elif len(record) != n:
                yield row, None, preview(joined), f"the row has {len(record)} values but the header has {n} columns"
            else:
                yield row, record, "", ""


def _load_careful(con: duckdb.DuckDBPyConnection, path: Path, names: list[str]) -> RawLoad:
    n = len(names)
    cols: list[list[str | None]] = [[] for _ in range(n)]
    row_numbers: list[int] = []
    structural: list[tuple[int, str, str]] = []
    rows = 0
    for row, record, value, reason in careful_records(path, n):
        rows = row
        if record is None:
            structural.append((row, value, reason))
            continue
        row_numbers.append(row)
        for i, v in enumerate(record):
            cols[i].append(v)
    store_rows(con, row_numbers, names, cols)
    return RawLoad(rows_read=rows, path_used="careful", structural=structural)


def store_rows(con: duckdb.DuckDBPyConnection, row_numbers: list[int], names: list[str],
               cols: list[list[str | None]]) -> None:
    """Rows read in Python (one list of text per column) as the ``raw_rows`` the validation reads."""
    table = pa.table(
        {"__row": pa.array(row_numbers, pa.int64()), **{name: pa.array(col, pa.string()) for name, col in zip(names, cols, strict=True)}}
    )
    con.register("raw_arrow", table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE raw_file AS SELECT * FROM raw_arrow")
        con.execute("CREATE OR REPLACE TEMP VIEW raw_rows AS SELECT * FROM raw_file")
    finally:
        con.unregister("raw_arrow")


def preview(value: str) -> str:
    clean = value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    return clean[:VALUE_PREVIEW]
