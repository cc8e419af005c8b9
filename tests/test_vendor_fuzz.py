"""Malformed practice-system reports: each vendor profile's report, broken in the ways real downloads
break (a summary row in the middle, a repeated header, an unknown status word, an email or a phone
number in the name column, an unknown clinician, ragged rows, bad bytes, a damaged workbook, merged
header cells). For every variant: the ingest returns, rows_read = rows_loaded + rows_rejected, the
ledger says the same, every rejected row has a reason, the loaded rows are in the table under that
load, and no name, email or phone number of the file is in any stored byte.

`make test` runs 36 variants; `make campaign` runs MOMENTUM_VENDOR_FUZZ_VARIANTS (150).
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.ingest.load import ingest
from pipelines.settings import paths
from tests.conftest import query, write_csv

N = int(os.environ.get("MOMENTUM_VENDOR_FUZZ_VARIANTS", "36"))
STAFF = ("clinician_id,name,role,supervisor_id,team,fte,caseload_target,active",
         ["T1,Robin Ash,clinician,,North,1,20,true", "T2,Sam Birch,clinician,,North,1,20,true"])
PEOPLE = [("Ada Fern", "ada.fern@example.org", "(555) 010-4411"), ("Bo Quill", "bo.q@example.org", "555 010 7788"),
          ("Cy Marsh", "cy@example.org", "+1 555 010 9900"), ("Di Lowe", "di.lowe@example.org", "(555) 010-3344"),
          ("Ed Yarrow", "ed@example.org", "555.010.2211"), ("Flo Pike", "flo.pike@example.org", "(555) 010-5566")]
TALLY: Counter = Counter()


@dataclass
class Report:
    """One report as rows of text, then written as CSV (or XLSX) bytes."""

    vendor: str
    name: str
    header: list[str]
    rows: list[list[str]]
    excel: bool = False
    damage: str = ""  # "truncate" or "merged": done to the workbook after it is written


def _base(vendor: str, rng: random.Random) -> Report:
    rows = []
    for i, (name, email, phone) in enumerate(PEOPLE):
        clinician = rng.choice(["Robin Ash", "Sam Birch"])
        day = f"2026-03-{i + 2:02d}"
        if vendor == "simplepractice":
            rows.append([name, clinician, f"03/{i + 2:02d}/2026 10:00", "Main Office", rng.choice(["Show", "No Show"])])
        elif vendor == "owl":
            rows.append([name, clinician, day, "10:00", "50", "Individual Therapy", "Attended", email])
        elif vendor == "jane":
            rows.append([f"{day} 10:00:00", f"{day} 10:50:00", name, email, phone, clinician, "Arrived"])
        else:
            rows.append([f"a{i}", name, email, phone, str(100 + i), "Confirmed", f"{day}T10:00:00", "50", clinician])
    headers = {
        "simplepractice": ["client_name", "clinician_name", "date_of_service", "office_name", "status"],
        "owl": ["Client Name", "Clinician", "Date", "Time", "Duration", "Service", "Attendance", "Email"],
        "jane": ["Start At", "End At", "Patient", "Patient Email", "Patient Phone", "Staff Member", "State"],
        "intakeq": ["Id", "ClientName", "ClientEmail", "ClientPhone", "ClientId", "Status", "StartDateIso", "Duration",
                    "PractitionerName"],
    }
    summary = [["6 clients", "2 clinicians", "6 appointments", "1 office", "2 statuses"]] if vendor == "simplepractice" else []
    name = {"simplepractice": "client_attendance_report", "owl": "attendance", "jane": "appointments",
            "intakeq": "appointments"}[vendor]
    return Report(vendor, name, headers[vendor], [*summary, *rows], excel=vendor == "jane")


def _col(r: Report, *words: str) -> int | None:
    """The column whose header is one of ``words`` (lower case, no spaces or underscores); None after a drop."""
    return next((i for i, h in enumerate(r.header) if h.lower().replace(" ", "").replace("_", "") in words), None)


def _name_col(r: Report) -> int | None:
    return _col(r, "clientname", "patient")


def _data_rows(r: Report) -> list[int]:
    return [i for i, row in enumerate(r.rows) if len(row) == len(r.header) and not row[0].endswith("clients")] or [0]


def _set(r: Report, col: int | None, value: str, rng: random.Random) -> bool:
    i = rng.choice(_data_rows(r))
    if col is None or i >= len(r.rows) or col >= len(r.rows[i]):
        return False
    r.rows[i][col] = value
    return True


def m_summary_in_the_middle(r, rng):
    at = rng.randrange(len(r.rows) + 1)
    r.rows.insert(at, [f"{rng.randint(1, 9)} clients", "2 clinicians", "5 appointments", "1 office", "1 statuses"][
        :len(r.header)])
    return "a summary row in the middle"


def m_header_again(r, rng):
    r.rows.insert(rng.randrange(len(r.rows) + 1), list(r.header))
    return "the header repeated"


def m_unknown_status(r, rng):
    word = rng.choice(["Rescheduled", "Booked Online", "Non-Billable", "WaitingConfirmation", "Maybe"])
    done = _set(r, _col(r, "status", "attendance", "state"), word, rng)
    return "an unknown status word" if done else "(no status column)"


def m_email_in_name(r, rng):
    done = _set(r, _name_col(r), rng.choice([p[1] for p in PEOPLE] + [p[2] for p in PEOPLE]), rng)
    return "an email or phone number where the name goes" if done else "(no name column)"


def m_unknown_clinician(r, rng):
    col = _col(r, "clinicianname", "clinician", "staffmember", "practitionername")
    done = _set(r, col, rng.choice(["Nobody Known", "", "Robin", *[p[1] for p in PEOPLE], *[p[2] for p in PEOPLE]]), rng)
    return "an unknown or empty clinician, or an email or phone there" if done else "(no clinician column)"


def m_ragged(r, rng):
    i = rng.choice(_data_rows(r))
    r.rows[i] = r.rows[i] + [rng.choice(PEOPLE)[2]] if rng.random() < 0.5 else r.rows[i][:-2]
    return "a row with too many or too few values"


def m_bad_date(r, rng):
    col = _col(r, "dateofservice", "date", "startat", "startdateiso")
    done = _set(r, col, rng.choice(["02/30/2026 10:00", "yesterday", "2026-13-01", ""]), rng)
    return "a date that is not a date" if done else "(no date column)"


def m_duplicate(r, rng):
    i = rng.choice(_data_rows(r))
    r.rows.insert(rng.randrange(len(r.rows) + 1), list(r.rows[i]))
    return "a row twice"


def m_drop_needed_column(r, rng):
    j = _name_col(r) if rng.random() < 0.5 else 0
    if j is None:
        return "(no name column)"
    r.header.pop(j)
    for row in r.rows:
        if len(row) > j:
            row.pop(j)
    return f"column {j} dropped"


def m_damage_workbook(r, rng):
    r.excel = True
    r.damage = rng.choice(["truncate", "merged"])
    return f"a workbook, {r.damage}"


def m_bad_bytes(r, rng):
    i, col = rng.choice(_data_rows(r)), _name_col(r)
    if col is None or col >= len(r.rows[i]):
        return "(no name column)"
    r.rows[i][col] += "\udcff"  # written as the byte 0xff: not UTF-8
    return "bytes that are not UTF-8 in a name"


def m_blank_lines(r, rng):
    for _ in range(rng.randint(1, 3)):
        r.rows.insert(rng.randrange(len(r.rows) + 1), [""] * len(r.header))
    return "blank rows"


MUTATIONS = [m_summary_in_the_middle, m_header_again, m_unknown_status, m_email_in_name, m_unknown_clinician,
             m_ragged, m_bad_date, m_duplicate, m_drop_needed_column, m_damage_workbook, m_bad_bytes, m_blank_lines]
VENDORS = ["simplepractice", "owl", "jane", "intakeq"]


def variants(n: int, seed: int = 20261206) -> list[tuple[str, Report]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        report = _base(VENDORS[i % len(VENDORS)], rng)
        steps = [MUTATIONS[i % len(MUTATIONS)], *rng.sample(MUTATIONS, rng.randint(0, 2))]
        done = [step(report, rng) for step in steps]
        out.append((f"{i:03d} {report.vendor}: " + "; ".join(done), report))
    return out


VARIANTS = variants(N)


def _write(report: Report, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not report.excel:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([report.header, *report.rows])
        path = folder / f"{report.name}.csv"
        path.write_bytes(text.getvalue().encode("utf-8", errors="surrogateescape"))
        return path
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(report.header)
    for row in report.rows:
        sheet.append([c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in row])
    if report.damage == "merged":  # a merged header cell: only its first cell holds the text
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    path = folder / f"{report.name}.xlsx"
    book.save(path)
    if report.damage == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
    return path


@pytest.fixture(scope="module", autouse=True)
def _print_the_figures():
    yield
    if TALLY["files"]:
        print(f"\nmalformed reports: {dict(sorted(TALLY.items()))}; crashes 0 (every ingest returned)")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vendor-fuzz")
    db = paths(folder / "data" / "momentum.duckdb")
    staff = write_csv(folder / "in" / "clinicians.csv", *STAFF)
    details = write_csv(folder / "in" / "client_details_report.csv",
                        "Client,Client type,Date added,Primary clinician,Email,Phone number,Status",
                        [f'{n},Adult,01/05/2026,Robin Ash,{e},"{p}",Active' for n, e, p in PEOPLE])
    assert all(f.status == "loaded" for f in ingest([staff, details], db, audit=False).files)
    return folder / "data"


def test_the_variants_use_every_mutation_on_every_vendor():
    assert N >= len(MUTATIONS) * 3
    names = " ".join(name for name, _r in VARIANTS)
    assert all(v in names for v in VENDORS)


@pytest.mark.parametrize("index", range(N), ids=[name[:60] for name, _r in VARIANTS])
def test_malformed_report(template, tmp_path, index):
    name, report = VARIANTS[index]
    data = tmp_path / "data"
    shutil.copytree(template, data)
    db = paths(data / "momentum.duckdb")
    path = _write(report, tmp_path / "export")

    (res,) = ingest([path], db, audit=False).files  # never raises
    TALLY.update({"files": 1, f"status {res.status}": 1, "rows read": res.rows_read,
                  "rows loaded": res.rows_loaded, "rows rejected": res.rows_rejected})
    assert res.status in ("loaded", "partial", "rejected"), name
    assert res.rows_read == res.rows_loaded + res.rows_rejected, name
    ((status, read, loaded, rejected, message),) = query(
        db, "SELECT status, rows_read, rows_loaded, rows_rejected, message FROM loads WHERE load_id = $id",
        {"id": res.load_id})
    assert (status, read, loaded, rejected) == (res.status, res.rows_read, res.rows_loaded, res.rows_rejected)
    rejects = query(db, "SELECT row_number, reason FROM rejected_rows WHERE load_id = $id", {"id": res.load_id})
    assert all(reason and reason.strip() for _row, reason in rejects), name
    if any(row is None for row, _reason in rejects):
        assert res.status == "rejected" and message and message.strip() and len(rejects) == 1, name
    else:
        assert len({row for row, _reason in rejects}) == res.rows_rejected, name
        in_table = query(db, f"SELECT count(*) FROM {res.table} WHERE load_id = $id", {"id": res.load_id})
        assert in_table[0][0] == res.rows_loaded, name
    identifying = [v for person in PEOPLE for v in person]
    stored = {str(p): p.read_bytes().lower() for p in data.rglob("*") if p.is_file()}
    found = [(where, v) for where, blob in stored.items() for v in identifying if v.lower().encode() in blob]
    assert found == [], name
