"""A generated practice written as a practice system's reports, with made-up names and contact details.

``python -m pipelines sample --vendor simplepractice --out DIR`` writes what a practice manager
downloads from SimplePractice (its attendance report with the summary row, its appointment
status report with repeated headers, its client details report with addresses, phones and
emails) plus the staff list (a canonical clinicians.csv), so loading a practice system's export
can be tried, and tested, without real people. ``--vendor jane`` writes a Jane-style XLSX
appointments export; ``--vendor owl`` an Owl Practice-style attendance CSV. Every name is
invented from the seed; none is a person's.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pandas as pd

from pipelines.synthetic.sample_practice import Practice

VENDORS = ("simplepractice", "jane", "owl")

_FIRST = ["Avery", "Blake", "Casey", "Dana", "Emery", "Finley", "Gray", "Harper", "Indigo", "Jules", "Kai",
          "Lane", "Marlow", "Noel", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Tatum", "Umber", "Vale",
          "Wren", "Xen", "Yael", "Zephyr"]
_LAST = ["Ashdown", "Brightwater", "Calloway", "Dunmore", "Eversley", "Fairweather", "Glenholm", "Hartwell",
         "Ivesworth", "Jarrowby", "Kestrel", "Larkspur", "Merriweather", "Northcott", "Oldacre", "Pennywhistle",
         "Quarrington", "Rookwood", "Stillwater", "Thistlewood", "Underhill", "Vexley", "Whitlock", "Yarborough"]
_STREETS = ["Alder Lane", "Beacon Road", "Cedar Court", "Dovecote Way", "Elm Row", "Foxglove Street"]

# contract value -> each system's word
_SP_STATUS = {"attended": "Show", "no_show": "No Show", "late_cancel": "Late Canceled", "cancelled": "Canceled",
              "clinician_cancel": "Clinician Canceled"}
_JANE_STATE = {"attended": "Arrived", "no_show": "No Show", "late_cancel": "Late Cancelled", "cancelled": "Cancelled",
               "clinician_cancel": "Cancelled by Practitioner"}
_OWL_STATUS = {"attended": "Attended", "no_show": "No Show", "late_cancel": "Late Cancelled", "cancelled": "Cancelled",
               "clinician_cancel": "Clinician Cancelled"}


def client_people(practice: Practice, seed: int) -> pd.DataFrame:
    """client_id -> an invented, unique name with an email, a phone number and an address."""
    rng = random.Random(seed)
    ids = list(practice.tables["clients"]["client_id"])
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < len(ids):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name in seen:
            name = f"{rng.choice(_FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(_LAST)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return pd.DataFrame({
        "client_id": ids,
        "name": names,
        "email": [n.lower().replace(" ", ".").replace("..", ".") + "@example.org" for n in names],
        "phone": [f"(555) 01{rng.randrange(10)}-{rng.randrange(1000, 9999)}" for _ in ids],
        "address": [f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}" for _ in ids],
    })


def write_vendor_exports(practice: Practice, vendor: str, out: Path, seed: int = 7) -> dict[str, int]:
    """Write ``practice`` as ``vendor``'s reports into ``out``; returns rows per file."""
    if vendor not in VENDORS:
        raise ValueError(f"unknown practice system {vendor!r}; choose one of: {', '.join(VENDORS)}")
    out.mkdir(parents=True, exist_ok=True)
    people = client_people(practice, seed).set_index("client_id")
    staff = practice.tables["clinicians"]
    staff_name = dict(zip(staff["clinician_id"], staff["name"], strict=True))
    sessions = practice.tables["sessions"].merge(people, left_on="client_id", right_index=True)
    sessions = sessions.sort_values("start", kind="stable")
    counts = {"clinicians.csv": _write_csv(out / "clinicians.csv", list(staff.columns),
                                           staff.astype(object).where(staff.notna(), "").values.tolist())}
    if vendor == "simplepractice":
        counts.update(_simplepractice(practice, people, staff_name, sessions, out))
    elif vendor == "jane":
        counts.update(_jane(staff_name, sessions, out))
    else:
        counts.update(_owl(staff_name, sessions, out))
    return counts


def _mdy(value: pd.Timestamp, time: bool = True) -> str:
    return value.strftime("%m/%d/%Y %H:%M" if time else "%m/%d/%Y")


def _simplepractice(practice: Practice, people: pd.DataFrame, staff_name: dict[str, str], sessions: pd.DataFrame,
                    out: Path) -> dict[str, int]:
    clients = practice.tables["clients"].merge(people, left_on="client_id", right_index=True)
    details = [[r.name, "Adult", _mdy(pd.Timestamp(r.intake_date), time=False), staff_name[r.clinician_id], "", "",
                r.address, "Springfield", "OR", "97477", r.phone, r.email, "", "", "", "Acme Health", "",
                "Active" if r.status == "active" else "Inactive"] for r in clients.itertuples()]
    attendance = [[r.name, staff_name[r.clinician_id], _mdy(r.start), "Main Office", _SP_STATUS[r.status]]
                  for r in sessions.itertuples()]
    summary = [f"{sessions['client_id'].nunique()} clients", f"{sessions['clinician_id'].nunique()} clinicians",
               f"{len(sessions)} appointments", "1 office", f"{sessions['status'].nunique()} statuses"]
    billed = sessions[sessions["status"].isin(["attended", "late_cancel", "no_show"])]
    status_rows = [[_mdy(r.start), r.name, staff_name[r.clinician_id], "90834", "Acme Health", "", "150.00", "1",
                    "150.00", "Signed", "Paid", "20.00", "0.00", "20.00", "0.00", "Paid", "130.00", "130.00", "0.00",
                    "0.00"] for r in billed.itertuples()]
    return {
        "client_details_report.csv": _write_csv(out / "client_details_report.csv", [
            "Client", "Client type", "Date added", "Primary clinician", "Last appointment", "Next appointment",
            "Address", "City", "State", "ZIP", "Phone number", "Email", "Contact name", "Contact phone",
            "Contact email", "Primary insurance", "Insurance ID", "Status"], details),
        "client_attendance_report.csv": _write_csv(out / "client_attendance_report.csv", [
            "client_name", "clinician_name", "date_of_service", "office_name", "status"], [summary, *attendance]),
        "appointment-status-report.csv": _write_csv(out / "appointment-status-report.csv", [
            "Date of Service", "Client", "Clinician", "Billing Code", "Primary Insurance", "Secondary Insurance",
            "Rate per Unit", "Units", "Total Fee", "Progress Note Status", "Client Payment Status", "Charge",
            "Uninvoiced", "Paid", "Unpaid", "Insurance Payment Status", "Charge", "Paid", "Write Off", "Unpaid"],
            status_rows),
    }


def _jane(staff_name: dict[str, str], sessions: pd.DataFrame, out: Path) -> dict[str, int]:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Appointments"
    header = ["Start At", "End At", "Patient", "Patient Email", "Patient Phone", "Staff Member", "Treatment",
              "State", "Location"]
    sheet.append(header)
    for r in sessions.itertuples():
        start = r.start.to_pydatetime()
        sheet.append([start, start + pd.Timedelta(minutes=int(r.duration_min)), r.name, r.email, r.phone,
                      staff_name[r.clinician_id], "Individual Counselling", _JANE_STATE[r.status], "Main Clinic"])
    path = out / "appointments.xlsx"
    book.save(path)
    return {path.name: len(sessions)}


def _owl(staff_name: dict[str, str], sessions: pd.DataFrame, out: Path) -> dict[str, int]:
    rows = [[r.name, staff_name[r.clinician_id], r.start.strftime("%Y-%m-%d"), r.start.strftime("%H:%M"),
             str(int(r.duration_min)), "Individual Therapy", _OWL_STATUS[r.status], "125.00"]
            for r in sessions.itertuples()]
    return {"attendance.csv": _write_csv(out / "attendance.csv", [
        "Client Name", "Clinician", "Date", "Time", "Duration", "Service", "Attendance", "Fee"], rows)}


def _write_csv(path: Path, header: list[str], rows: list[list]) -> int:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    tmp.replace(path)
    return len(rows)
