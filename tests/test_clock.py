"""One clock: no product module reads the wall clock itself, and the clock's rules hold.

The scan below is the check the developers' guide asks for: it fails if anyone adds a
``date.today()``, ``datetime.now()``, ``time.time()`` (or a SQL ``current_date``) to
product code instead of asking :mod:`pipelines.clock`.
"""

from __future__ import annotations

import ast
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines import clock
from tests.conftest import REPO

CLOCK = REPO / "pipelines" / "clock.py"
PRODUCT = sorted(
    [REPO / "app.py", *(p for folder in ("pipelines", "ui", "pages", "schemas") for p in (REPO / folder).rglob("*.py"))]
)
DATE_TYPES = {"date", "datetime", "Timestamp"}
WALL_ATTRS = {"today", "now", "utcnow"}
TIME_FUNCS = {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime", "strftime"}
NOW_WORDS = {"now", "today"}
SQL_WALL = re.compile(r"\b(current_date|current_timestamp|current_time|localtimestamp|now\s*\(\)|today\s*\(\))",
                      re.I)


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every place ``source`` reads the wall clock, called or passed on
    (``field(default_factory=date.today)`` reads it as surely as ``date.today()``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if alias.name in TIME_FUNCS:
                    found.append((node.lineno, f"from time import {alias.name}"))
        if isinstance(node, ast.Attribute):
            owner = _name(node.value)
            if owner in DATE_TYPES and node.attr in WALL_ATTRS:
                found.append((node.lineno, f"{owner}.{node.attr}"))
            if owner == "time" and node.attr in TIME_FUNCS - {"strftime"}:
                found.append((node.lineno, f"time.{node.attr}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        # time.strftime(fmt, struct) formats a given time; only the one-argument form reads the clock
        if isinstance(func, ast.Attribute) and _name(func.value) == "time" and func.attr == "strftime" \
                and len(node.args) < 2:
            found.append((node.lineno, "time.strftime(fmt)"))
        callee = _name(func)
        if callee in {"Timestamp", "to_datetime", "datetime64"} and any(
            isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.strip().lower() in NOW_WORDS
            for a in node.args
        ):
            found.append((node.lineno, f"{callee}('now'/'today')"))
    return found


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(REPO)))
def test_no_product_module_reads_the_wall_clock_but_the_clock(path: Path):
    if path == CLOCK:
        return
    reads = wall_clock_reads(path.read_text(encoding="utf-8"))
    assert not reads, (
        f"{path.relative_to(REPO)} reads the wall clock at "
        + ", ".join(f"line {n} ({what})" for n, what in reads)
        + ": ask pipelines.clock (today/now for the practice's day, instant/epoch for real moments)"
    )


def test_no_named_query_reads_the_wall_clock():
    for path in sorted((REPO / "pipelines" / "sql").rglob("*.sql")):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        assert not SQL_WALL.search(text), f"{path.name}: pass the as-of date as a bound parameter instead"


@pytest.mark.parametrize("snippet", [
    "from datetime import date\nx = date.today()",
    "import datetime\nx = datetime.datetime.now()",
    "from datetime import datetime, UTC\nx = datetime.now(UTC)",
    "import time\nx = time.time()",
    "from time import time",
    "import pandas as pd\nx = pd.Timestamp('today')",
    "import pandas as pd\nx = pd.Timestamp.now()",
    "import time\nx = time.strftime('%Y')",
    "import datetime as dt\nfrom dataclasses import field\nx = field(default_factory=dt.date.today)",
])
def test_the_scan_sees_every_way_of_reading_the_clock(snippet):
    assert wall_clock_reads(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "from pipelines import clock\nx = clock.today()",
    "import time\nx = time.monotonic(); y = time.perf_counter()",
    "from datetime import date\nx = date.fromisoformat('2026-11-22')",
    "import time\nx = time.strftime('%Y', (2026, 1, 1, 0, 0, 0, 0, 1, 0))",
])
def test_the_scan_leaves_durations_and_given_dates_alone(snippet):
    assert not wall_clock_reads(snippet), snippet


# -- the clock's rules ---------------------------------------------------------


@pytest.fixture
def wall(monkeypatch):
    """Set the wall clock the clock reads (its one read)."""
    def set_wall(at: datetime) -> None:
        monkeypatch.setattr(clock, "_wall", lambda: at)
    return set_wall


def test_the_setting_pins_today_and_now_keeps_the_time_of_day(monkeypatch, wall):
    wall(datetime(2027, 12, 31, 14, 5, 9, 123))
    monkeypatch.setenv("MOMENTUM_TODAY", "2026-11-22")
    assert clock.today() == date(2026, 11, 22)
    assert clock.today(date(2026, 1, 1)) == date(2026, 11, 22)  # the setting wins over a dataset's day
    assert clock.now() == datetime(2026, 11, 22, 14, 5, 9)


def test_a_dataset_fixed_in_time_sets_today_when_nothing_is_pinned(monkeypatch, wall):
    wall(datetime(2027, 12, 31, 9, 0))
    monkeypatch.delenv("MOMENTUM_TODAY", raising=False)
    assert clock.today(date(2026, 11, 22)) == date(2026, 11, 22)
    assert clock.now(date(2026, 11, 22)) == datetime(2026, 11, 22, 9, 0)
    assert clock.today() == date(2027, 12, 31)  # real data: the wall clock's date


def test_a_bad_setting_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("MOMENTUM_TODAY", "22/11/2026")
    with pytest.raises(clock.ClockError, match="MOMENTUM_TODAY='22/11/2026' is not a date; use YYYY-MM-DD"):
        clock.today()


def test_instants_follow_the_real_clock_even_when_the_day_is_pinned(monkeypatch):
    monkeypatch.setenv("MOMENTUM_TODAY", "2001-01-01")
    assert clock.instant().year >= 2026
    assert clock.epoch() > datetime(2026, 1, 1).timestamp()
