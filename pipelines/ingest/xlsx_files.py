"""Excel exports (.xlsx, .xlsm): the first sheet read like a CSV file, into the same ``raw_rows``.

The header is the sheet's first row that holds a value; every later row is a data row,
numbered as the sheet numbers it (row 2 is the first data row under a header in row 1),
so a rejected row names the row a person sees in Excel. A row that is blank in every cell
is not a row. Cells become the text a CSV export of the same sheet would hold:

* text as it is; a whole number without ``.0``; TRUE/FALSE as ``true``/``false``;
* a date or date-time cell in ISO form (``2026-03-02``, ``2026-03-02 10:00:00``; in a
  date column, a date-time at midnight is its date);
* a number in a date or date-time column is an Excel serial date (days since
  1899-12-30, Excel's 1900 date system) and is turned into that date (and time);
* an error cell (``#N/A``, ``#REF!``) reads as empty, as the reader gives it: a required column
  then says so, an optional one loads empty.

A value to the right of the header's last column is a structural problem of its row. A
file that is not a readable workbook (damaged, encrypted, not a zip) is refused whole.
The workbook is read with python-calamine (a maintained Rust reader; DuckDB's Excel
extension cannot be downloaded at run time here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
from python_calamine import CalamineError, CalamineWorkbook

from pipelines.ingest.csv_files import FileRefused, Header, RawLoad, preview, store_rows

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# Excel's 1900 date system counts 1900-02-29, a day that never was: from serial 61 (1900-03-01) on,
# days since 1899-12-30 give the date Excel shows; the dates of a clinical export are all after it
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def _rows(path: Path) -> Iterator[tuple[int, list]]:
    """(sheet row number, cells) of the first sheet, from row 1."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise FileRefused("the workbook has no sheet")
        sheet = workbook.get_sheet_by_index(0)
        yield from enumerate(sheet.iter_rows(), start=1)
    except CalamineError as exc:
        raise FileRefused(f"the file is not a readable Excel workbook ({type(exc).__name__}: {exc}); "
                          "open it in Excel and save it again, or export the report as CSV") from None
    except (OSError, ValueError) as exc:
        raise FileRefused(f"the file is not a readable Excel workbook ({exc})") from None


def blank(cells: list) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else format(value, ".15g")


def _when(value: dt.date, kind: str | None) -> str:
    if isinstance(value, dt.datetime):
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        if kind == "date" and midnight:  # Excel keeps a date as a date-time at midnight
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "datetime":  # the reader gives a date-time cell at exactly midnight as a date
        return value.isoformat() + " 00:00:00"
    return value.isoformat()


def cell_text(value: object, kind: str | None = None) -> str:
    """A cell as the text a CSV export of the sheet holds; ``kind``: the contract kind of its column."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):  # a date or a date-time (a datetime is a date)
        return _when(value, kind)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, int | float):
        if kind in ("date", "datetime", "date_or_datetime") and 0 < value < 2_958_466:  # to 9999-12-31
            return _when(_EXCEL_EPOCH + dt.timedelta(days=float(value)), kind)  # a serial date
        return _number(value)
    return str(value)


def read_header(path: Path) -> tuple[Header, int]:
    """The header (its cells as text) and the sheet row it is on."""
    for number, cells in _rows(path):
        if not blank(cells):
            fields = [cell_text(c).strip() for c in cells]
            while fields and not fields[-1]:
                fields.pop()
            return Header(fields=fields, has_bom=False), number
    raise FileRefused("the first sheet is empty: it has no header row")


def data_rows(path: Path) -> Iterator[tuple[int, list]]:
    """(sheet row number, cells) of every row under the header that holds a value."""
    header_seen = False
    for number, cells in _rows(path):
        if blank(cells):
            continue
        if header_seen:
            yield number, cells
        header_seen = True


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, n_columns: int, kinds: dict[int, str]) -> RawLoad:
    """Create ``raw_rows`` from the first sheet (``kinds``: the contract kind of each mapped column)."""
    kept: list[list] = []
    row_numbers: list[int] = []
    structural: list[tuple[int, str, str]] = []
    rows = 0
    header_seen = False  # one pass over the sheet: its first row holding a value is the header
    for number, cells in _rows(path):
        if blank(cells):
            continue
        if not header_seen:
            header_seen = True
            continue
        rows += 1
        if len(cells) > n_columns and not blank(cells[n_columns:]):
            shown = ",".join(cell_text(c) for c in cells if not blank([c]))
            structural.append((number, preview(shown), f"the row has values to the right of the header's "
                                                        f"{n_columns} columns"))
            continue
        row_numbers.append(number)
        kept.append(cells[:n_columns] if len(cells) >= n_columns else [*cells, *[""] * (n_columns - len(cells))])
    # column by column: text cells (most of them) pass through, the rest become text by their column's kind
    columns = list(zip(*kept, strict=True)) if kept else [() for _ in range(n_columns)]
    cols = [[c if type(c) is str else cell_text(c, kinds.get(i)) for c in column] for i, column in enumerate(columns)]
    store_rows(con, row_numbers, [f"c{i}" for i in range(n_columns)], cols)
    return RawLoad(rows_read=rows, path_used="excel", structural=structural)


def count_rows(path: Path) -> int:
    """Data rows under the header of the first sheet (for the ledger of a refused file); 0 if unreadable."""
    try:
        return max(0, sum(1 for _number, cells in _rows(path) if not blank(cells)) - 1)  # less the header
    except FileRefused:
        return 0
