"""No text from a CSV or a user reaches HTML or Markdown unescaped, on any page, for any role.

A practice whose every free-text field - clinician names and teams, goal
descriptions, imported wins - holds an HTML payload, a script tag, a
javascript: Markdown link and every Markdown effect Streamlit renders (links,
GFM autolinks, images, colour and icon directives, emoji shortcodes, emphasis,
maths); whose identifier columns (client_id, clinician_id - and with it
supervisor_id and posted_by -, session_id, goal_id, assignment_id, win_id) hold
the most hostile values the identifier pattern still lets through (an autolink,
underscores, dots); app-posted wins, consultation questions, flag-review notes,
a display name and a tampered ?client= add user text. Every page is run
through AppTest and every element that renders Markdown - markdown, captions,
alerts, metric values and labels, widget labels, expander, status and progress
labels - is checked for any Markdown effect on the payloads; HTML-capable
elements for any payload; chart labels and hovers for raw markup. Saving a
flag review and a consultation note shows their "Saved…" messages too.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from pipelines.appstate import consultations, flag_reviews, wins
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user
from pipelines.demo import SAMPLE_AS_OF, pick_accounts
from pipelines.ingest.load import ingest
from pipelines.settings import SAMPLE_DATA_DIR, paths
from pipelines.store import DataStore
from tests.conftest import REPO

APP = str(REPO / "app.py")
PASSWORD = "xss test password 42"
HTML = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
MD_LINK = "[click](javascript:alert(1))"
# every Markdown effect Streamlit renders; each carries the marker EVIL so an effect can be told from the page's own
MD_EFFECTS = ("https://e.x/EVIL1 www.EVIL2.x x@EVIL3.x :red[EVIL4] :material/home:EVIL5 :smile:EVIL6 "
              "![EVIL7](http://127.0.0.1:9/7) **EVIL8** _EVIL9_ ~~EVIL10~~ $EVIL11^2$ <b>EVIL12</b> "
              "[EVIL13](//e.x)")
PAYLOAD = f"{HTML} {SCRIPT} {MD_LINK} {MD_EFFECTS}"
PIECES = [HTML, SCRIPT, MD_LINK, *MD_EFFECTS.split(" ")]
LIMITS = {"name": 200, "team": 100, "description": 200, "text": 500}  # the contract's lengths


def _hostile_text(original: str, column: str, i: int, everything: bool = False) -> str:
    """The original's start and as many payloads as the column's length limit allows (rows take turns)."""
    for candidate in ((MD_EFFECTS,) if everything else (PAYLOAD, (HTML, SCRIPT, MD_LINK, MD_EFFECTS)[i % 4])):
        text = f"{original[:8]} {candidate}"
        if len(text) <= LIMITS[column]:
            return text
    return f"{original[:8]} {PIECES[i % len(PIECES)]}"
# identifier values that the identifier pattern (docs/data-contract.md) still accepts, at their most hostile
HOSTILE_IDS = {
    "client_id": "www.EVILc1.example",
    "clinician_id": "T_EVILt1_.www.EVILt2.example",
    "session_id": "www.EVILs1.example",
    "goal_id": "www.EVILg1.example",
    "assignment_id": "www.EVILh1.example",
    "win_id": "www.EVILw1.example",
}
ID_COLUMNS = {"client_id": ["client_id"], "clinician_id": ["clinician_id", "supervisor_id", "posted_by"],
              "session_id": ["session_id"], "goal_id": ["goal_id"], "assignment_id": ["assignment_id"],
              "win_id": ["win_id"]}
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


def _flagged_client(tmp_path_factory) -> tuple[str, str]:
    """The demo clinician's clinician_id and one of their active clients with an open flag (sample data)."""
    from pipelines.models import queries
    from pipelines.scope import Scope
    from pipelines.store import SnapshotReader

    db = paths(tmp_path_factory.mktemp("xss-sample") / "momentum.duckdb")
    ingest([SAMPLE_DATA_DIR], db, refresh=True, refresh_as_of=SAMPLE_AS_OF)
    clinician_id = pick_accounts(DataStore(db))["clinician"][1]
    reader = SnapshotReader(DataStore(db))
    try:
        flags = queries.active_flags(reader.cursor(), Scope.of([clinician_id]), SAMPLE_AS_OF)
    finally:
        reader.close()
    return clinician_id, sorted(flags["client_id"])[0]


def _one_of(rows: list[dict], column: str, **match) -> str:
    return next(r[column] for r in rows if all(r.get(k) == v for k, v in match.items()))


@pytest.fixture(scope="module")
def hostile_practice(tmp_path_factory):
    clinician_id, client_id = _flagged_client(tmp_path_factory)
    folder = tmp_path_factory.mktemp("xss")
    export = folder / "export"
    export.mkdir()
    tables = {}
    for src in SAMPLE_DATA_DIR.glob("*.csv"):
        with src.open(encoding="utf-8", newline="") as fh:
            tables[src.name] = list(csv.DictReader(fh))
    # one value of every identifier column becomes hostile, wherever it occurs
    renamed = {client_id: HOSTILE_IDS["client_id"], clinician_id: HOSTILE_IDS["clinician_id"]}
    for table, column in [("sessions.csv", "session_id"), ("goals.csv", "goal_id"),
                          ("homework.csv", "assignment_id"), ("wins.csv", "win_id")]:
        renamed[_one_of(tables[table], column, client_id=client_id) if table != "wins.csv"
                else _one_of(tables[table], column)] = HOSTILE_IDS[column]
    for name, rows in tables.items():
        for i, row in enumerate(rows):
            for kind, columns in ID_COLUMNS.items():
                for col in columns:
                    if row.get(col) in renamed and (kind != "clinician_id" or row[col] == clinician_id):
                        row[col] = renamed[row[col]]
            for col in FIELDS.get(name, []):
                if row[col]:
                    row[col] = _hostile_text(row[col], col, i, everything=row.get("clinician_id") == HOSTILE_IDS[
                        "clinician_id"] and col == "name")
    for name, rows in tables.items():
        src = SAMPLE_DATA_DIR / name
        with (export / src.name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    db = paths(folder / "db" / "momentum.duckdb")
    result = ingest([export], db, refresh=True, refresh_as_of=SAMPLE_AS_OF)
    assert all(f.status == "loaded" for f in result.files), [(f.path, f.status, f.message) for f in result.files]
    state = AppState(db.app_db)
    staff = {r["clinician_id"]: r for r in tables["clinicians.csv"]}
    me = staff[HOSTILE_IDS["clinician_id"]]
    accounts = {"manager": next(c for c, r in staff.items() if r["role"] == "manager"),
                "supervisor": me["supervisor_id"], "clinician": me["clinician_id"]}
    for role, clinician_id in accounts.items():
        add_user(state, role, f"{role} {MD_EFFECTS}", role, PASSWORD, clinician_id)
    clinician_id = accounts["clinician"]
    client_id = HOSTILE_IDS["client_id"]
    wins.post(state, username="clinician", clinician_id=clinician_id, category="team",
              text=f"Posted {HTML} {SCRIPT}", confirmed=[])
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


_MD = MarkdownIt("commonmark").enable("strikethrough")
_AUTOLINK = re.compile(r"https?://|(?<![\w\u2060])www\.|[\w.+-]@[\w-]+\.[\w-]", re.IGNORECASE)
# Streamlit's own syntax, read before Markdown's escapes are applied: :red[…], :material/…:, :emoji:, $maths$
_DIRECTIVE = re.compile(r"(?<!\\)(?::[a-z-]+\[|:material/|:[a-z0-9_+-]+:|\$)", re.IGNORECASE)
_EFFECT_TOKENS = {"link_open": "a link", "image": "an image", "strong_open": "bold", "em_open": "emphasis",
                  "s_open": "strikethrough", "html_inline": "raw HTML", "html_block": "raw HTML"}
MARKER = "EVIL"


def markdown_effects(body: str) -> list[str]:
    """What Streamlit's Markdown would make of the payloads in ``body``: any link, GFM autolink, image,
    emphasis, raw HTML, colour/icon directive, emoji shortcode or maths that touches a payload's marker."""
    found = []
    for m in _DIRECTIVE.finditer(body):
        if MARKER in body[max(0, m.start() - 40): m.end() + 40]:
            found.append(f"Streamlit syntax {m.group(0)!r}")
    tokens = _MD.parse(body)
    for i, tok in enumerate(tokens):
        # block structure made by the data itself: a heading, list, quote, code block or table it starts
        if tok.type in ("heading_open", "bullet_list_open", "ordered_list_open", "blockquote_open", "code_block",
                        "fence", "table_open", "hr") and MARKER in "".join(
                            t.content for t in tokens[i:i + 3])[:len(MARKER) + 2]:
            found.append(f"block structure ({tok.type})")
        if tok.type in _EFFECT_TOKENS and MARKER in "".join(t.content for t in tokens[i:i + 3]):
            found.append(_EFFECT_TOKENS[tok.type])
        for j, child in enumerate(tok.children or []):
            near = "".join(c.content or c.attrs.get("src", "") or "" for c in tok.children[j:j + 3])
            if child.type in _EFFECT_TOKENS and (MARKER in near or MARKER in tok.content and child.type == "html_inline"):
                found.append(_EFFECT_TOKENS[child.type])
            if child.type == "text" and MARKER in child.content and _AUTOLINK.search(child.content):
                found.append(f"an autolink in {child.content[:60]!r}")
    return found


# Markdown-rendering fields of an element's proto; plain-text elements are skipped
_MD_FIELDS = {"body", "label", "text", "caption", "help"}
_PLAIN = {"text", "code", "html", "dataframe", "arrow_data_frame", "plotly_chart", "json", "exception",
          "selectbox", "multiselect", "text_input", "text_area", "date_input"}


def _markdown_strings(at: AppTest):
    """(element type, field, string) for every string an element renders as Markdown."""
    def walk(node):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and hasattr(proto, "ListFields") and kind not in _PLAIN:
            for fd, value in proto.ListFields():
                if fd.name in _MD_FIELDS and isinstance(value, str):
                    yield kind, fd.name, value
                elif hasattr(value, "ListFields"):  # e.g. a block's expandable.label
                    for fd2, v2 in value.ListFields():
                        if fd2.name in _MD_FIELDS and isinstance(v2, str):
                            yield kind, f"{fd.name}.{fd2.name}", v2
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(at._tree)


def _chart_leaks(spec) -> list[str]:
    """Plotly renders a subset of HTML (a, b, i, br, span…) in labels and hovers."""
    return [f"chart label or hover holds raw markup: {s[:120]!r}" for s in _strings(spec)
            if "<img" in s or "<script" in s or (MARKER in s and re.search(r"<[a-z/]", s))]


def _leaks(at: AppTest) -> list[str]:
    found = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader", "header", "title",
                 "text", "html"):
        for el in at.get(kind):
            body = getattr(el.proto, "body", "") or getattr(el.proto, "text", "") or ""
            allows_html = kind == "html" or bool(getattr(el.proto, "allow_html", False))
            if allows_html and ("<img" in body or "<script" in body or ATTR.search(body) or "<b>EVIL" in body):
                found.append(f"{kind} renders HTML from data: {body[:120]!r}")
            if kind not in ("text", "html") and LINK.search(body):
                found.append(f"{kind} has a live javascript: link: {body[:120]!r}")
    for kind, field, body in _markdown_strings(at):
        for effect in markdown_effects(body):
            found.append(f"{kind}.{field} renders {effect}: {body[:160]!r}")
    for chart in at.get("plotly_chart"):
        found += _chart_leaks(json.loads(chart.proto.spec))
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


def _saved_messages(at: AppTest) -> list[str]:
    return [el.proto.body for el in at.get("success")]


def test_saved_messages_show_hostile_ids_as_written(hostile_db):
    """The "Saved…" messages after a flag review and a consultation note name the client: as plain text."""
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input[0].input("clinician")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("pages/flags.py").run()
    assert not at.exception, at.exception
    pick = next(sb for sb in at.selectbox if sb.label == "Flag to review")
    option = next(o for o in pick.options if MARKER in o)
    pick.select_index(pick.options.index(option)).run()  # the options shown, in the queue's order
    next(t for t in at.text_area if t.label == "Note").input("Talked it through")
    next(b for b in at.button if b.label == "Save review").click().run()
    assert not at.exception, at.exception
    saved = [m for m in _saved_messages(at) if "Saved" in m]
    at.switch_page("pages/consultation.py").run()
    next(t for t in at.text_area if t.label == "Ideas from the group").input("Try a new angle")
    next(t for t in at.text_area if t.label == "Agreed next step").input("Review goals next time")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, at.exception
    saved += [m for m in _saved_messages(at) if "Saved" in m]
    assert len(saved) == 2, saved
    assert all(MARKER in m for m in saved), saved
    leaks = [f"{m!r}: {e}" for m in saved for e in markdown_effects(m)]
    assert leaks == [], leaks
    leaks = [f"{k}.{f}: {e}" for k, f, b in _markdown_strings(at) for e in markdown_effects(b)]
    assert leaks == [], leaks


@pytest.mark.parametrize("payload", [MD_EFFECTS, *HOSTILE_IDS.values(), "1. EVIL", "# EVIL", "> EVIL", "EVIL\n\n# EVIL",
                                     "    EVIL code", "EVIL | EVIL\n--- | ---", "C:\\EVIL\\x", "EVIL&amp;&#58;"])
def test_plain_md_leaves_no_markdown_effect(payload):
    from ui.layout import plain_md

    out = plain_md(payload)
    assert markdown_effects(out) == []
    assert "\n" not in out and "\r" not in out  # one line: no block structure from data
    # what a reader sees is what was written (escapes and invisible link breakers aside)
    tokens = _MD.parseInline(out)
    seen = "".join(c.content for t in tokens for c in (t.children or []) if c.type in ("text", "softbreak"))
    assert seen.replace("\u2060", "") == payload.replace("\r", " ").replace("\n", " ").strip()


def test_chart_hovers_escape_identifiers():
    from ui.charts import completion_vs_change, weekly_metric

    points = pd.DataFrame({"client_id": ["<b>EVIL</b>"], "primary_measure": ["PHQ-9"], "completion_rate": [0.5],
                           "change_rc": [1.0]})
    assert _chart_leaks(json.loads(completion_vs_change(points, None, 0.26).to_json())) == []
    load = pd.DataFrame({"clinician": ["<a href='https://evil.example'>EVIL</a> %{x}"],
                         "week_start": [date(2026, 1, 5)], "hours": [3.0]})
    spec = json.loads(weekly_metric(load, "hours", "Hours").to_json())
    assert _chart_leaks(spec) == []
    # a name is shown through %{fullData.name}, never spliced into a hover template, where %{…} is read
    assert all(MARKER not in trace.get("hovertemplate", "") for trace in spec["data"])
