"""A generator of malformed exports: valid rows from the sample practice, broken
in the ways real exports break (design §3; the security campaign, step 1).

Each variant stacks one to three mutations, drawn with a seeded RNG, over a few
dozen real rows of one table, then writes the file with a chosen delimiter, line
ending and encoding. Every variant has a name that says what was done to it, so
a failure can be reproduced with ``variants(seed)[i]``.

Kinds covered: encodings, quoting, delimiters, line endings, column drift,
types, ranges, references, duplicates, sizes from empty to large, formula text,
NUL and invalid bytes.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.settings import SAMPLE_DATA_DIR

TABLES = ("sessions", "measures", "homework", "wins", "goals", "clients")
SEED_ROWS = 30


@dataclass
class Draft:
    table: str
    header: list[str]
    rows: list[list[str]]
    delimiter: str = ","
    line_ending: str = "\n"
    encoding: str = "utf-8"
    bom: bool = False
    final_newline: bool = True
    byte_ops: list[Callable[[random.Random, bytes], bytes]] = field(default_factory=list)
    raw: bytes | None = None  # set by size mutations that replace the whole file

    def render(self, rng: random.Random) -> bytes:
        if self.raw is not None:
            return self.raw
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=self.delimiter, lineterminator=self.line_ending,
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(self.header)
        for row in self.rows:
            writer.writerow(row)
        text = buf.getvalue()
        if not self.final_newline:
            text = text.rstrip("\r\n")
        data = text.encode(self.encoding, errors="replace")
        if self.bom and self.encoding == "utf-8":
            data = b"\xef\xbb\xbf" + data
        for op in self.byte_ops:
            data = op(rng, data)
        return data


@dataclass(frozen=True)
class Variant:
    name: str
    table: str
    content: bytes

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.table}.csv"
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.content)
        return path


@functools.cache
def _sample_table(table: str) -> tuple[list[str], list[list[str]]]:
    """The sample practice's table, read once per process (every variant samples its rows, and each test
    process builds the variants when it collects the tests)."""
    with (SAMPLE_DATA_DIR / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    return records[0], records[1:]


def seed_rows(table: str, rng: random.Random, n: int = SEED_ROWS) -> tuple[list[str], list[list[str]]]:
    header, rows = _sample_table(table)
    return list(header), [list(r) for r in rng.sample(rows, min(n, len(rows)))]


# -- mutations: (draft, rng) -> a short description ----------------------------
def _cell(d: Draft, rng: random.Random) -> tuple[int, int]:
    return rng.randrange(len(d.rows)), rng.randrange(len(d.header))


def _col(d: Draft, *names: str) -> int | None:
    for n in names:
        if n in d.header:
            return d.header.index(n)
    return None


def m_bad_type(d, rng):
    if not d.rows:
        return "no rows"
    r, c = _cell(d, rng)
    value = rng.choice(["abc", "1e999", "", "  ", "2026-13-45", "NaN", "-0", "9" * 40, "true?", "12,5", "½"])
    d.rows[r][c] = value
    return f"type: row {r + 1} {d.header[c]}={value!r}"


def m_out_of_range(d, rng):
    if not d.rows:
        return "no rows"
    r = rng.randrange(len(d.rows))
    numeric = [i for i, h in enumerate(d.header) if h in ("score", "duration_min", "quality", "risk_item", "fte")]
    dates = [i for i, h in enumerate(d.header) if any(k in h for k in ("date", "_at", "start"))]
    if numeric and rng.random() < 0.5:
        c = rng.choice(numeric)
        d.rows[r][c] = rng.choice(["-5", "99999", "-1", "1000000000000"])
    elif dates:
        c = rng.choice(dates)
        d.rows[r][c] = rng.choice(["1899-01-01", "2199-01-01", "0001-01-01 00:00:00", "2026-02-30"])
    else:
        return "range: nothing numeric"
    return f"range: row {r + 1} {d.header[c]}={d.rows[r][c]!r}"


def m_unknown_reference(d, rng):
    c = _col(d, "client_id", "clinician_id", "posted_by")
    if c is None or not d.rows:
        return "reference: none"
    r = rng.randrange(len(d.rows))
    d.rows[r][c] = rng.choice(["C99999", "T999", "c00001", " C00001 ", "NULL"])
    return f"reference: row {r + 1} {d.header[c]}={d.rows[r][c]!r}"


def m_duplicate_rows(d, rng):
    if not d.rows:
        return "no rows"
    k = rng.randint(1, 3)
    for _ in range(k):
        row = list(rng.choice(d.rows))
        if rng.random() < 0.5 and len(row) > 1:
            i = rng.randrange(1, len(row))
            row[i] = row[i] + "x"  # same key, different values
        d.rows.insert(rng.randrange(len(d.rows) + 1), row)
    return f"duplicates: {k} rows"


def m_drop_column(d, rng):
    c = rng.randrange(len(d.header))
    name = d.header.pop(c)
    for row in d.rows:
        if c < len(row):
            row.pop(c)
    return f"drift: dropped column {name}"


def m_extra_column(d, rng):
    d.header.append(rng.choice(["notes", "extra", "", "client_id"]))
    for row in d.rows:
        row.append(rng.choice(["", "x", "=1+1"]))
    return f"drift: extra column {d.header[-1]!r}"


def m_reorder_columns(d, rng):
    order = list(range(len(d.header)))
    rng.shuffle(order)
    d.header = [d.header[i] for i in order]
    d.rows = [[row[i] for i in order if i < len(row)] + row[len(order):] for row in d.rows]
    return "drift: columns reordered"


def m_rename_header(d, rng):
    c = rng.randrange(len(d.header))
    old = d.header[c]
    d.header[c] = rng.choice([old.upper(), f" {old} ", old.replace("_", " "), old + "_2", old.title()])
    return f"drift: header {old!r} -> {d.header[c]!r}"


def m_ragged_rows(d, rng):
    if not d.rows:
        return "no rows"
    r = rng.randrange(len(d.rows))
    if rng.random() < 0.5 and len(d.rows[r]) > 1:
        d.rows[r].pop()
        return f"drift: row {r + 1} one value short"
    d.rows[r].append("surplus")
    return f"drift: row {r + 1} one value too many"


def m_header_again(d, rng):
    d.rows.insert(rng.randrange(len(d.rows) + 1), list(d.header))
    return "duplicates: header repeated inside the file"


def m_formula(d, rng):
    if not d.rows:
        return "no rows"
    r, c = _cell(d, rng)
    d.rows[r][c] = rng.choice(['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2+3", "\t=1", "\r=1", "=cmd|' /C calc'!A0"])
    return f"formula: row {r + 1} {d.header[c]}={d.rows[r][c]!r}"


def m_quoted_newline(d, rng):
    c = _col(d, "text", "description", "presenting_problem", "category")
    if c is None or not d.rows:
        return "quoting: no text column"
    r = rng.randrange(len(d.rows))
    d.rows[r][c] = rng.choice(['line one\nline two', 'a "quoted" word', "comma, inside", "crlf\r\ninside"])
    return f"quoting: row {r + 1} {d.header[c]} holds {d.rows[r][c]!r}"


def m_whitespace(d, rng):
    if not d.rows:
        return "no rows"
    r, c = _cell(d, rng)
    d.rows[r][c] = rng.choice(["  ", "\t"]) + d.rows[r][c] + rng.choice(["", " ", "\u00a0"])
    return f"whitespace around row {r + 1} {d.header[c]}"


def m_delimiter(d, rng):
    d.delimiter = rng.choice([";", "\t", "|"])
    return f"delimiter: {d.delimiter!r} for the whole file"


def m_line_endings(d, rng):
    d.line_ending = rng.choice(["\r\n", "\r", "\n"])
    d.final_newline = rng.random() < 0.7
    return f"line endings {d.line_ending!r}, final newline {d.final_newline}"


def m_encoding(d, rng):
    choice = rng.choice(["bom", "latin-1", "utf-16", "cp1252"])
    c = _col(d, "text", "description", "presenting_problem")
    if choice == "bom":
        d.bom = True
    else:
        d.encoding = choice
        if c is not None and d.rows:
            d.rows[rng.randrange(len(d.rows))][c] = "Zoë went to the café – naïve"
    return f"encoding: {choice}"


def _at_random_line(rng: random.Random, data: bytes, insert: bytes) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 3:
        return data + insert
    i = rng.randrange(1, len(lines) - 1)
    lines[i] = lines[i][: len(lines[i]) // 2] + insert + lines[i][len(lines[i]) // 2:]
    return b"\n".join(lines)


def m_invalid_bytes(d, rng):
    bad = rng.choice([b"\xff", b"\xc3\x28", b"\x00", b"\xe2\x82", b"\x1a"])
    d.byte_ops.append(lambda r, data: _at_random_line(r, data, bad))
    return f"bytes: {bad!r} inside a row"


def m_stray_quote(d, rng):
    choice = rng.choice(['ab"c', '"unclosed', 'x" ,y'])
    d.byte_ops.append(lambda r, data: _at_random_line(r, data, choice.encode()))
    return f"quoting: stray {choice!r}"


def m_blank_lines(d, rng):
    blank = rng.choice([b"\n", b"\n\n", b"   \n", b",,,\n"])
    d.byte_ops.append(lambda r, data: _at_random_line(r, data, b"\n" + blank))
    return f"blank line {blank!r}"


def m_truncate(d, rng):
    d.byte_ops.append(lambda r, data: data[: max(1, int(len(data) * r.uniform(0.3, 0.99)))])
    return "size: cut off mid-file"


def m_size(d, rng):
    kind = rng.choice(["empty", "header only", "whitespace", "one row", "large", "huge value"])
    if kind == "empty":
        d.raw = b""
    elif kind == "whitespace":
        d.raw = b"  \n\n \r\n"
    elif kind == "header only":
        d.rows = []
    elif kind == "one row":
        d.rows = d.rows[:1]
    elif kind == "large":
        base = list(d.rows)
        d.rows = []
        for i in range(20_000 // max(len(base), 1)):
            for row in base:
                copy = list(row)
                copy[0] = f"{copy[0]}-{i}" if d.table != "measures" else copy[0]
                d.rows.append(copy)
    else:
        c = _col(d, "text", "description", "presenting_problem") or 1
        if d.rows:
            d.rows[0][c] = "x" * rng.choice([70_000, 1_100_000])
    return f"size: {kind}"


MUTATIONS = [
    m_bad_type, m_out_of_range, m_unknown_reference, m_duplicate_rows, m_drop_column, m_extra_column,
    m_reorder_columns, m_rename_header, m_ragged_rows, m_header_again, m_formula, m_quoted_newline,
    m_whitespace, m_delimiter, m_line_endings, m_encoding, m_invalid_bytes, m_stray_quote, m_blank_lines,
    m_truncate, m_size,
]


# how many variants a test run makes: 84 in make test, 300 in make campaign
VARIANT_COUNT = int(os.environ.get("MOMENTUM_FUZZ_VARIANTS", "84"))


def variants(n: int, seed: int = 20261122) -> list[Variant]:
    """``n`` malformed files; every mutation is used at least once when n >= len(MUTATIONS)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        table = TABLES[i % len(TABLES)]
        header, rows = seed_rows(table, rng)
        draft = Draft(table, header, rows)
        first = MUTATIONS[i % len(MUTATIONS)]
        steps = [first, *rng.sample(MUTATIONS, rng.randint(0, 2))]
        done = [step(draft, rng) for step in steps]
        out.append(Variant(f"{i:03d} {table}: " + "; ".join(done), table, draft.render(rng)))
    return out
