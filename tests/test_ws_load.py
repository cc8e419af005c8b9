"""The load client without a browser, small: three sessions through a meeting while an ingest publishes.

The full run (25 and 50 sessions, beside five browsers) is a command outside
`make test`: `python -m tests.campaign.ws_load` (docs/performance.md, "Load
measured at the server"). This runs the same code on a server of its own.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from pipelines.settings import paths
from tests.campaign import load, ws_load
from tests.campaign.ws_client import StreamlitSession

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ws-load")]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def setup(demo_db_template, tmp_path):
    folder = tmp_path / "load"
    shutil.copytree(demo_db_template, folder)
    db = folder / "momentum.duckdb"
    accounts = load.build_database(REPO, db, "twin")  # the demo database is there: adds the accounts
    log = tmp_path / "server.log"
    server, url = load.start_server(REPO, db, log)
    s = load.Setup(REPO, tmp_path, db, url, server, accounts, load.Monitor(server.pid), load.HealthProbe(url))
    s.monitor.start()
    s.probe.start()
    yield s
    s.probe.stop()
    s.monitor.stop()
    load.stop_server(server)
    print("--- the server's last output ---\n" + log.read_text(errors="replace")[-3000:])


def _reactions(db: Path, users: set[str]) -> set[tuple[str, str]]:
    with sqlite3.connect(f"file:{paths(db).app_db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT username, win_id FROM win_reactions").fetchall()
    return {(user, win) for user, win in rows if user in users}


def test_three_sessions_go_through_a_meeting_while_an_ingest_publishes_a_new_snapshot(setup, tmp_path):
    export = tmp_path / "export"
    load.generate_export(REPO, export, seed=12, as_of=ws_load.export_day(), sessions=3000)
    args = ws_load.parse_args(["--sessions", "3", "--duration-s", "15", "--ramp-s", "1", "--think-s", "0.3"])
    pointer = paths(setup.db).snapshot_pointer
    published_before = pointer.read_text()

    result = asyncio.run(ws_load.run_level(setup, 3, export, args))

    assert result["failed_sessions"] == 0, result["failures"]
    assert result["ingest"]["exit_code"] == 0, result["ingest"]["stderr_tail"]
    assert result["sign_in"]["n"] == 3
    done = {st["step"] for st in result["step_list"]}
    assert done == set(ws_load.MEETING), done  # every step of the meeting, each checked on screen
    assert result["page_during_ingest"]["n"] > 0  # pages were served while the ingest ran
    assert pointer.read_text() != published_before  # the ingest published a new snapshot
    # every Celebrate click wrote to app state: the button turned primary (celebrated by me) or back, and
    # a reaction stays where its user clicked that win an odd number of times (each session has its
    # own account here, so no two sessions toggle the same reaction)
    celebrated = result["celebrated"]
    assert celebrated and all(c["after"] in ("primary", "secondary") for c in celebrated), celebrated
    assert all(c["before"] != c["after"] for c in celebrated), celebrated
    clicks = Counter((c["username"], c["win_id"]) for c in celebrated)
    assert _reactions(setup.db, {name for name, _ in setup.accounts}) == {k for k, n in clicks.items() if n % 2}
    assert result["rss_mb"]["peak"] > 0 and result["page"]["p95"] is not None
    print(ws_load.format_level(result))


def test_a_failure_on_screen_fails_the_session(setup):
    """The checks can fail: a wrong password shows the sign-in form's error box."""
    async def wrong_password():
        async with StreamlitSession(setup.url, timeout_s=60) as s:
            await s.connect()
            await ws_load.sign_in(s, setup.accounts[0][0], "not-the-password")

    with pytest.raises(ws_load.StepFailed, match="error box"):
        asyncio.run(wrong_password())
