"""Shared fixtures: isolated database paths, app state in both dialects, CLI runners, small practices."""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

from pipelines.appstate import pulse, users
from pipelines.appstate.db import AppState
from pipelines.demo import SAMPLE_AS_OF, ensure_demo_database
from pipelines.settings import Paths, paths
from tests import pg_server

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
BASE = DATA / "base"


# No time limit per example: a timed assertion does not belong in a unit test, and a loaded machine
# (make test's four processes on two cores) made a 200 ms default fail a correct example.
hypothesis_settings.register_profile("momentum", deadline=None)
hypothesis_settings.load_profile("momentum")

# Every test runs on the same day, whatever the calendar says: the sample practice's last day.
PINNED_TODAY = SAMPLE_AS_OF


@pytest.fixture(autouse=True, scope="session")
def _pinned_today():
    """Pin the practice's today (MOMENTUM_TODAY) for the whole run, in this process and in every
    process a test starts (CLI runs, Streamlit servers). tests/test_any_day.py lifts it to show
    that the demo and the pages work on any wall-clock day."""
    before = os.environ.get("MOMENTUM_TODAY")
    os.environ["MOMENTUM_TODAY"] = PINNED_TODAY.isoformat()
    yield PINNED_TODAY
    if before is None:
        os.environ.pop("MOMENTUM_TODAY", None)
    else:
        os.environ["MOMENTUM_TODAY"] = before


# bcrypt's least cost for the hashes the tests make: a check takes 1 ms instead of 270. What bcrypt costs
# is bcrypt's business; the product's cost of 12 is checked, in a process of its own, by
# tests/test_auth_sessions.py::test_passwords_are_hashed_at_bcrypts_cost_of_12.
TEST_BCRYPT_ROUNDS = 4


@pytest.fixture(autouse=True, scope="session")
def _costs_not_under_test():
    """Costs paid once instead of in every test, none of them under test: the bcrypt cost of the
    passwords the tests make (above); the pulse key's scrypt, a pure function of the username and
    password (0.3 s per sign-in; remembered per pair in this process, the same keys either way);
    and Streamlit's scan of every installed package for components, which AppTest repeats for each
    app it starts (0.2 s; the packages do not change during a run)."""
    from streamlit.components.v2 import manifest_scanner

    scanned = manifest_scanner.scan_component_manifests()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "BCRYPT_ROUNDS", TEST_BCRYPT_ROUNDS)
        mp.setattr(pulse, "derive_key", functools.cache(pulse.derive_key))
        mp.setattr(manifest_scanner, "scan_component_manifests", lambda max_workers=None: list(scanned))
        users._dummy_hash.cache_clear()
        yield
    users._dummy_hash.cache_clear()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test touches data/ in the checkout: every default path points into tmp."""
    monkeypatch.setenv("MOMENTUM_DB", str(tmp_path / "env" / "momentum.duckdb"))
    monkeypatch.delenv("MOMENTUM_APP_DB", raising=False)
    monkeypatch.delenv("MOMENTUM_SECRETS", raising=False)
    monkeypatch.setenv("MOMENTUM_LOCK_WAIT_S", "30")


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory, request):
    """The demo database built from sample_data/ once per run, shared by pytest-xdist's test
    processes (the first to get the lock builds it); tests copy it, none writes to it."""
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # a pytest-xdist test process
        root = root.parent  # the run's folder, above each test process's own
    folder = root / "demo-template"
    with (root / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "demo-template.built").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build cut short
            ensure_demo_database(paths(folder / "momentum.duckdb"))
            (root / "demo-template.built").touch()
    return folder


@pytest.fixture
def demo_db(demo_db_template, tmp_path, monkeypatch) -> Paths:
    """A copy of the demo database of this test's own, the default database (MOMENTUM_DB)."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_db_template, folder)
    monkeypatch.setenv("MOMENTUM_DB", str(folder / "momentum.duckdb"))
    return paths()


@pytest.fixture
def db(tmp_path) -> Paths:
    return paths(tmp_path / "db" / "momentum.duckdb")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server started for this test session (skips, with the reason, without one)."""
    try:
        server = pg_server.PgServer()
    except pg_server.Unavailable as exc:
        print(f"\nPostgreSQL app-state tests skip: {exc}")
        pytest.skip(f"PostgreSQL app-state tests skip: {exc}")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def app_state(request, tmp_path) -> AppState:
    """Empty app state in each dialect: a SQLite file, and a new database on the test server."""
    if request.param == "sqlite":
        return AppState(tmp_path / "app.sqlite")
    return AppState(request.getfixturevalue("postgres").new_database())


def query(p: Paths, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(p.data_db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 300, stdin: str | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=REPO,
        env=full_env,
        timeout=timeout,
    )


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# -- a real browser (tests/test_browser.py, tests/test_replicas.py) ----------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium through Playwright, one per test module (skips without one)."""
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()
