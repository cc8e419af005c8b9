"""``python -m pipelines bench pages``: every page through Streamlit's AppTest, cold and warm, per role."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.bench.common import BASELINE_SCAN, BENCH_AS_OF, duckdb_version, practice
from pipelines.settings import REPO_ROOT
from pipelines.sql_files import sql

PAGE_TARGET_S = 1.5
PAGE_ROLES = ("manager", "supervisor")
BENCH_PASSWORD = "bench-only-password-1"  # noqa: S105 - an account in a throw-away benchmark database



def _pages_db(workdir: Path, n: int, folder: Path, progress: Callable[[str], None]):
    """A published database of the practice with its marts, and a manager and a supervisor account."""
    from datetime import date

    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import add_user, get_user
    from pipelines.demo import pick_accounts
    from pipelines.ingest.load import ingest
    from pipelines.settings import paths
    from pipelines.store import DataStore

    db = paths(workdir / f"pages-db-{n}" / "momentum.duckdb")
    if not (db.data_db.parent / ".complete").exists():
        shutil.rmtree(db.data_db.parent, ignore_errors=True)
        progress(f"{n:,} sessions: loading the practice and its marts for the page benchmark")
        ingest([folder], db, loaded_by="bench", audit=False, refresh=True, refresh_as_of=date.fromisoformat(BENCH_AS_OF))
        state = AppState(db.app_db)
        for username, (name, clinician_id) in pick_accounts(DataStore(db)).items():
            if username in PAGE_ROLES and get_user(state, username) is None:
                add_user(state, username, name, username, BENCH_PASSWORD, clinician_id)
        (db.data_db.parent / ".complete").write_text("ok\n", encoding="utf-8")
    return db



def run(
    sizes: list[int], repeat: int, workdir: Path, progress: Callable[[str], None] | None = None
) -> dict:
    """Every page through Streamlit's AppTest, cold and warm, as a manager and as a supervisor.

    Each role runs in its own process (``python -m ui.page_bench``; Streamlit
    stays out of ``pipelines``); the full aggregate scan of sessions is timed on
    the same snapshot in the same run, for the ratio.
    """
    import duckdb

    from pipelines.store import DataStore

    progress = progress or (lambda _m: None)
    workdir = workdir.resolve()
    results = []
    for n in sizes:
        folder = practice(workdir, n, progress)
        db = _pages_db(workdir, n, folder, progress)
        snapshot = DataStore(db).current_snapshot()
        roles: dict[str, dict] = {}
        scan_times: list[float] = []
        for role in PAGE_ROLES:
            con = duckdb.connect(str(snapshot), read_only=True)
            for _ in range(repeat):
                start = time.perf_counter()
                con.execute(BASELINE_SCAN).fetchall()
                scan_times.append(time.perf_counter() - start)
            (sessions,) = con.execute(sql("bench_sessions")).fetchall()[0]
            con.close()
            progress(f"{n:,} sessions: every page as {role}, cold then {repeat} warm runs")
            out = subprocess.run(
                [sys.executable, "-m", "ui.page_bench", str(db.data_db), role, str(repeat)],
                capture_output=True, text=True, cwd=REPO_ROOT, check=False,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "MOMENTUM_APP_DB": "", "MOMENTUM_SECRETS": ""},
            )
            if out.returncode != 0:
                raise RuntimeError(f"page bench as {role} failed: {out.stderr.strip()[-2000:]}")
            roles[role] = json.loads(out.stdout.strip().splitlines()[-1])
        scan = statistics.median(scan_times)
        warm = [p["warm_s"] for r in roles.values() for p in r["pages"].values()]
        results.append({
            "sessions": sessions,
            "scan_s": round(scan, 4),
            "slowest_warm_s": max(warm),
            "slowest_warm_ratio": round(max(warm) / scan, 1),
            "roles": roles,
        })
    return {"benchmark": "pages", "repeat": repeat, "cpu_count": os.cpu_count(), "duckdb": duckdb_version(),
            "baseline": BASELINE_SCAN, "targets": {"warm_page_s_max": PAGE_TARGET_S}, "results": results}



def format_report(report: dict) -> str:
    lines = [f"pages benchmark (AppTest; cold = data cache cleared, warm = median of {report['repeat']} reruns; "
             f"{report['cpu_count']} cores)"]
    for r in report["results"]:
        lines.append(f"{r['sessions']:>10,} sessions: full scan {r['scan_s']} s; slowest warm page "
                     f"{r['slowest_warm_s']} s (target <= {report['targets']['warm_page_s_max']} s), "
                     f"{r['slowest_warm_ratio']}x the scan")
        pages = sorted({p for role in r["roles"].values() for p in role["pages"]})
        header = f"    {'page':14}" + "".join(f"{role + ' cold':>17}{role + ' warm':>17}" for role in r["roles"])
        lines.append(header)
        for page in pages:
            cells = ""
            for role in r["roles"].values():
                got = role["pages"].get(page)
                cells += f"{got['cold_s']:>17}{got['warm_s']:>17}" if got else f"{'-':>17}{'-':>17}"
            lines.append(f"    {page:14}{cells}")
        lines.append("    peak memory: " + ", ".join(f"{k} {v['peak_rss_mb']} MB" for k, v in r["roles"].items()))
    return "\n".join(lines)
