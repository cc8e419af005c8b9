"""No text from a CSV or a user reaches HTML unescaped, on any page, for any role.

A practice whose every free-text field - clinician names and teams, goal
descriptions, imported wins - holds an HTML payload, a script
tag and a javascript: Markdown link; app-posted wins, consultation questions,
flag-review notes and a tampered ?client= add user text. Every page is run
through AppTest and each element that can render HTML or Markdown is checked:
no payload inside HTML-capable elements (st.html, markdown with HTML allowed),
no live javascript: link in any Markdown, and no raw markup in any chart label.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import consultations, flag_reviews, wins
from pipelines.demo import SAMPLE_AS_OF, pick_accounts
from pipelines.ingest import ingest
from pipelines.settings import SAMPLE_DATA_DIR, paths
from pipelines.store import AppState, DataStore
from pipelines.users import add_user
from tests.conftest import REPO

APP = str(REPO / "app.py")
PASSWORD = "xss test password 42"
HTML = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
MD_LINK = "[click](javascript:alert(1))"
PAYLOAD = f"{HTML} {SCRIPT} {MD_LINK}"
FIELDS = {  # file -> columns that hold free text
    "clinicians.csv": ["name", "team"],
    "goals.csv": ["description"],
    "wins.csv": ["text"],
}
PAGES = ["pages/caseload.py", "pages/client.py", "pages/flags.py", "pages/homework.py", "pages/wins.py",
         "pages/consultation.py", "pages/workload.py", "pages/data_status.py", "pages/meeting.py",
         "pages/audit_log.py"]
LINK = re.compile(r"(?<!\\)\]\(\s*javascript:", re.IGNORECASE)  # a Markdown link to javascript:
ATTR = re.compile(r"(href|src)\s*=\s*['\"]?\s*javascript:", re.IGNORECASE)  # one in an HTML attribute


@pytest.fixture(scope="module")
def hostile_practice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    export = folder / "export"
    export.mkdir()
    for src in SAMPLE_DATA_DIR.glob("*.csv"):
        with src.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            for col in FIELDS.get(src.name, []):
                if row[col]:
                    row[col] = f"{row[col][:60]} {PAYLOAD}"
        with (export / src.name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    db = paths(folder / "db" / "momentum.duckdb")
    result = ingest([export], db, refresh=True, refresh_as_of=SAMPLE_AS_OF)
    assert all(f.status == "loaded" for f in result.files), [(f.path, f.status, f.message) for f in result.files]
    state = AppState(db.app_db)
    accounts = pick_accounts(DataStore(db))
    for role, (name, clinician_id) in accounts.items():
        add_user(state, role, name, role, PASSWORD, clinician_id)
    clinician_id = accounts["clinician"][1]
    wins.post(state, username="clinician", clinician_id=clinician_id, category="team",
              text=f"Posted {HTML} {SCRIPT}", confirmed=[])
    con = __import__("duckdb").connect(str(db.data_db), read_only=True)
    client_id = con.execute("SELECT client_id FROM clients WHERE clinician_id = ? AND status = 'active' LIMIT 1",
                            [clinician_id]).fetchone()[0]
    con.close()
    consultations.bring(state, client_id=client_id, clinician_id=clinician_id, team="x", brought_by="clinician",
                        as_of=SAMPLE_AS_OF, question=f"What next? {HTML} {SCRIPT}", from_flag=None,
                        flags_then=[], momentum_then=None, measure=None, score_then=None)
    flag_reviews.record(state, client_id=client_id, flag="NO_RECENT_SESSION", flag_since=date(2026, 11, 1),
                        action="acknowledge", reviewed_by="clinician", note=f"Note {HTML} {MD_LINK}",
                        today=SAMPLE_AS_OF)
    return folder / "db", client_id


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _leaks(at: AppTest) -> list[str]:
    found = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader", "header", "title",
                 "text", "html"):
        for el in at.get(kind):
            body = getattr(el.proto, "body", "") or getattr(el.proto, "text", "") or ""
            allows_html = kind == "html" or bool(getattr(el.proto, "allow_html", False))
            if allows_html and ("<img" in body or "<script" in body or ATTR.search(body)):
                found.append(f"{kind} renders HTML from data: {body[:120]!r}")
            if kind not in ("text", "html") and LINK.search(body):
                found.append(f"{kind} has a live javascript: link: {body[:120]!r}")
    for chart in at.get("plotly_chart"):
        for s in _strings(json.loads(chart.proto.spec)):
            if "<img" in s or "<script" in s:
                found.append(f"chart label holds raw markup: {s[:120]!r}")
    return found


@pytest.fixture
def hostile_db(hostile_practice, tmp_path, monkeypatch):
    folder, client_id = hostile_practice
    copy = tmp_path / "db"
    shutil.copytree(folder, copy)
    monkeypatch.setenv("MOMENTUM_DB", str(copy / "momentum.duckdb"))
    return client_id


@pytest.mark.parametrize("role", ["manager", "clinician"])
def test_no_page_renders_payloads_from_csv_or_user_text(hostile_db, role):
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input[0].input(role)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    leaks = []
    pages = PAGES if role == "manager" else PAGES[:8]
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        leaks += [f"{page}: {leak}" for leak in _leaks(at)]
    # the client view of a client with a review note, and a tampered ?client= that ends up in the audit log
    at.query_params["client"] = hostile_db
    at.switch_page("pages/client.py").run()
    leaks += _leaks(at)
    at.query_params["client"] = f"C1{SCRIPT}"
    at.switch_page("pages/client.py").run()
    leaks += _leaks(at)
    if role == "manager":
        at.switch_page("pages/audit_log.py").run()
        leaks += _leaks(at)
    assert not at.exception, at.exception
    assert leaks == [], "\n".join(leaks)
