"""``python -m pipelines bench ingest``: the validated ingest against DuckDB's raw load.

For each practice size the same CSV files are loaded two ways, alternating,
``--repeat`` times each, every run in a fresh process and a fresh database:

* **validated** - Momentum's ingest (header recognition, lazy validation of
  every rule, quarantine, upsert, ledger, snapshot publish);
* **raw** - DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(file)``
  for each file, then close (a checkpoint), with no validation at all.

Each worker times only the load (not interpreter start-up) and reports its
peak resident memory. Medians are reported; the ratio is validated / raw.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.settings import REPO_ROOT

BENCH_AS_OF = "2026-11-22"  # the generated practices end here; models and marts are computed as of it
TABLE_FILES = ["clinicians", "clients", "sessions", "goals", "measures", "homework", "wins"]


def _practice(workdir: Path, sessions: int, progress: Callable[[str], None]) -> Path:
    """Generate (or reuse) a practice of about ``sessions`` sessions."""
    folder = workdir / f"practice-{sessions}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    from datetime import date

    from pipelines.sample_practice import PracticeSpec, generate_practice

    progress(f"generating a practice of ~{sessions:,} sessions in {folder}")
    if folder.exists():
        shutil.rmtree(folder)
    spec = PracticeSpec(seed=11, sessions=sessions, as_of=date.fromisoformat(BENCH_AS_OF))
    generate_practice(spec, progress=progress).write(folder)
    marker.write_text("ok\n", encoding="utf-8")
    return folder


def _run_worker(mode: str, folder: Path, db: Path) -> dict:
    if db.parent.exists():
        shutil.rmtree(db.parent)
    db.parent.mkdir(parents=True)
    return _run_module_worker(mode, str(folder), str(db))


def run_ingest_bench(
    sizes: list[int], repeat: int, workdir: Path, progress: Callable[[str], None] | None = None
) -> dict:
    progress = progress or (lambda _m: None)
    workdir = workdir.resolve()
    results = []
    for n in sizes:
        folder = _practice(workdir, n, progress)
        files = [folder / f"{t}.csv" for t in TABLE_FILES]
        rows = {}
        for f in files:
            with f.open("rb") as fh:
                rows[f.stem] = sum(1 for _ in fh) - 1
        runs: dict[str, list[dict]] = {"validated": [], "raw": []}
        for r in range(repeat):
            order = ["validated", "raw"] if r % 2 == 0 else ["raw", "validated"]
            for mode in order:
                progress(f"{n:,} sessions: run {r + 1}/{repeat}, {mode}")
                runs[mode].append(_run_worker(mode, folder, workdir / "db" / f"{mode}.duckdb"))
        med = {m: statistics.median(x["seconds"] for x in runs[m]) for m in runs}
        peak = {m: max(x["peak_rss_mb"] for x in runs[m]) for m in runs}
        results.append(
            {
                "sessions_requested": n,
                "rows": rows,
                "csv_mb": round(sum(f.stat().st_size for f in files) / 1e6, 1),
                "validated_s": round(med["validated"], 3),
                "raw_s": round(med["raw"], 3),
                "ratio": round(med["validated"] / med["raw"], 2),
                "validated_peak_rss_mb": round(peak["validated"], 1),
                "raw_peak_rss_mb": round(peak["raw"], 1),
                "runs": runs,
            }
        )
    shutil.rmtree(workdir / "db", ignore_errors=True)
    return {
        "benchmark": "ingest",
        "repeat": repeat,
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "duckdb": _duckdb_version(),
        "targets": {"ratio_max": 2.0, "peak_rss_mb_max": 1536},
        "results": results,
    }


def _duckdb_version() -> str:
    import duckdb

    return duckdb.__version__


def format_report(report: dict) -> str:
    lines = [
        f"ingest benchmark (median of {report['repeat']} runs each, alternating; "
        f"{report['cpu_count']} cores, DuckDB {report['duckdb']})",
        f"{'sessions':>10} {'CSV MB':>8} {'validated s':>12} {'raw s':>8} {'ratio':>6} "
        f"{'peak MB (validated)':>20} {'peak MB (raw)':>14}",
    ]
    for r in report["results"]:
        lines.append(
            f"{r['rows']['sessions']:>10,} {r['csv_mb']:>8} {r['validated_s']:>12} {r['raw_s']:>8} "
            f"{r['ratio']:>6} {r['validated_peak_rss_mb']:>20} {r['raw_peak_rss_mb']:>14}"
        )
    t = report["targets"]
    lines.append(f"targets: ratio <= {t['ratio_max']}, peak memory <= {t['peak_rss_mb_max']} MB")
    return "\n".join(lines)


# -- worker (one measured load per process) ----------------------------------
def _peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the process image, so a worker
    started from a large parent reports its own peak (ru_maxrss carries the parent's over fork and exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _worker(mode: str, folder: Path, db: Path) -> dict:
    files = [folder / f"{t}.csv" for t in TABLE_FILES]
    if mode == "validated":
        from pipelines.ingest import ingest
        from pipelines.settings import paths

        p = paths(db)
        start = time.perf_counter()
        result = ingest(files, p, loaded_by="bench", audit=False)
        seconds = time.perf_counter() - start
        loaded = sum(f.rows_loaded for f in result.files)
        rejected = sum(f.rows_rejected for f in result.files)
    elif mode == "raw":
        import duckdb

        from pipelines.sql_files import sql, statements

        start = time.perf_counter()
        con = duckdb.connect(str(db))
        for stmt, f in zip(statements("bench_raw_load"), files, strict=True):
            con.execute(stmt, {f.stem: str(f)})
        con.close()  # includes the checkpoint, as the validated ingest does
        seconds = time.perf_counter() - start
        con = duckdb.connect(str(db), read_only=True)
        (loaded,) = con.execute(sql("bench_raw_rows")).fetchall()[0]
        con.close()
        rejected = 0
    else:
        raise SystemExit(f"unknown mode {mode}")
    return {"mode": mode, "seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "rows_loaded": loaded, "rows_rejected": rejected}


# -- models ----------------------------------------------------------------------
BASELINE_SCAN = (
    "SELECT count(*), count(DISTINCT client_id), sum(duration_min), min(start), max(start), "
    "count(*) FILTER (WHERE status = 'attended') FROM sessions"
)


def _model_names() -> list[str]:
    from pipelines.sql_files import SQL_DIR

    # the client view's one-client models (they take a $client_id) are not whole-caseload models
    return sorted(p.stem.removeprefix("model_") for p in SQL_DIR.glob("model_*.sql")
                  if "$client_id" not in p.read_text(encoding="utf-8"))


def _run_module_worker(*args: str) -> dict:
    """Run ``python -m pipelines.bench ARGS`` in a fresh process; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.bench", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench worker {args[0]} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _refresh_worker(db: Path) -> dict:
    """The refresh as `python -m pipelines ingest` runs it (MOMENTUM_REFRESH_MEMORY applies), in its own process."""
    from datetime import date

    import duckdb

    from pipelines import marts

    con = duckdb.connect(str(db))
    start = time.perf_counter()
    per_model = marts.refresh(con, date.fromisoformat(BENCH_AS_OF))
    seconds = time.perf_counter() - start
    con.close()
    return {"refresh_s": seconds, "refresh_per_model_s": per_model, "refresh_peak_rss_mb": _peak_rss_mb()}


def _models_worker(db: Path, repeat: int) -> dict:
    """Scan, read every mart (as a manager and as the largest team's supervisor) and compute
    every model live, alternating, ``repeat`` times, in one process."""
    from datetime import date

    from pipelines import models
    from pipelines.queries import all_clinicians_scope, scope_for
    from pipelines.settings import memory_size
    from pipelines.sql_files import sql
    from pipelines.store import open_read_only

    as_of = date.fromisoformat(BENCH_AS_OF)
    con = open_read_only(db, memory_size("MOMENTUM_READ_MEMORY"))  # as the app's reader opens a snapshot
    scope = all_clinicians_scope(con)
    team = con.execute(sql("bench_largest_team")).fetchall()
    supervisor = scope_for(con, "supervisor", team[0][0]) if team else scope
    names = _model_names()
    steps = ["scan", "read", "read_supervisor", "live"]
    times: dict[str, list[float]] = {step: [] for step in steps}
    per_model: dict[str, list[float]] = {m: [] for m in names}
    for r in range(repeat):
        for step in steps if r % 2 == 0 else steps[::-1]:
            start = time.perf_counter()
            if step == "scan":
                con.execute(BASELINE_SCAN).fetchall()
            elif step == "read":
                for m in names:
                    t = time.perf_counter()
                    models.run(con.cursor(), m, scope, as_of)
                    per_model[m].append(time.perf_counter() - t)
            elif step == "read_supervisor":
                for m in names:
                    models.run(con.cursor(), m, supervisor, as_of)
            else:
                for m in names:
                    models.run(con.cursor(), m, scope, as_of, prefer_marts=False)
            times[step].append(time.perf_counter() - start)
    (sessions,) = con.execute("SELECT count(*) FROM sessions").fetchone()
    con.close()
    return {"sessions": sessions, "times": times, "peak_rss_mb": _peak_rss_mb(),
            "supervisor_scope": len(supervisor.clinician_ids),
            "read_per_model_s": {m: statistics.median(v) for m, v in per_model.items()}}


def run_models_bench(
    sizes: list[int], repeat: int, workdir: Path, progress: Callable[[str], None] | None = None
) -> dict:
    """Every model as a manager reads it, against one full aggregate scan of sessions.

    Three figures per size: the refresh that materialises the models once per
    data version (part of `python -m pipelines ingest`), reading every model
    for a manager from the marts (what a page does), and computing every model
    live (what an as-of date other than the refreshed one costs). The refresh
    runs in one process and the alternating scan, read and live runs in another,
    so each reports its own peak memory, as the ingest and the app would.
    """
    from pipelines.ingest import ingest
    from pipelines.settings import paths

    progress = progress or (lambda _m: None)
    workdir = workdir.resolve()
    results = []
    for n in sizes:
        folder = _practice(workdir, n, progress)
        db = paths(workdir / f"models-db-{n}" / "momentum.duckdb")
        if not db.data_db.exists():
            progress(f"{n:,} sessions: loading the practice for the model benchmark")
            ingest([folder], db, loaded_by="bench", audit=False)
        progress(f"{n:,} sessions: refreshing the materialised models")
        refreshed = _run_module_worker("refresh", str(db.data_db))
        progress(f"{n:,} sessions: scan, read and live, {repeat} runs each, alternating")
        measured = _run_module_worker("models", str(db.data_db), str(repeat))
        scan = statistics.median(measured["times"]["scan"])
        read = statistics.median(measured["times"]["read"])
        read_supervisor = statistics.median(measured["times"]["read_supervisor"])
        live = statistics.median(measured["times"]["live"])
        results.append(
            {
                "sessions": measured["sessions"],
                "scan_s": round(scan, 4),
                "read_s": round(read, 3),
                "ratio": round(read / scan, 1),
                "read_supervisor_s": round(read_supervisor, 3),
                "supervisor_ratio": round(read_supervisor / scan, 1),
                "supervisor_scope": measured["supervisor_scope"],
                "live_s": round(live, 3),
                "live_ratio": round(live / scan, 1),
                "refresh_s": round(refreshed["refresh_s"], 3),
                "refresh_per_model_s": refreshed["refresh_per_model_s"],
                "read_per_model_s": {m: round(v, 4) for m, v in measured["read_per_model_s"].items()},
                "refresh_peak_rss_mb": round(refreshed["refresh_peak_rss_mb"], 1),
                "peak_rss_mb": round(measured["peak_rss_mb"], 1),
                "runs": measured["times"],
            }
        )
    return {"benchmark": "models", "repeat": repeat, "cpu_count": os.cpu_count(), "duckdb": _duckdb_version(),
            "baseline": BASELINE_SCAN, "targets": {"ratio_max": 10, "peak_rss_mb_max": 1536}, "results": results}


def format_models_report(report: dict) -> str:
    lines = [f"models benchmark (median of {report['repeat']} runs, alternating; {report['cpu_count']} cores)"]
    for r in report["results"]:
        lines.append(
            f"{r['sessions']:>10,} sessions: full scan {r['scan_s']} s; every model read from the marts "
            f"{r['read_s']} s, ratio {r['ratio']} (target <= {report['targets']['ratio_max']}); "
            f"as the largest team's supervisor ({r.get('supervisor_scope', '-')} clinicians) "
            f"{r.get('read_supervisor_s', '-')} s, ratio {r.get('supervisor_ratio', '-')}; "
            f"computed live {r['live_s']} s, ratio {r['live_ratio']}; refresh at ingest {r['refresh_s']} s; "
            f"peak memory: refresh {r.get('refresh_peak_rss_mb', '-')} MB, scan/read/live {r['peak_rss_mb']} MB"
        )
        for m, sec in sorted(r["refresh_per_model_s"].items(), key=lambda kv: -kv[1]):
            lines.append(f"    refresh {m:28} {sec:>8} s   read {r['read_per_model_s'].get(m, 0):>8} s")
    return "\n".join(lines)


# -- pages -----------------------------------------------------------------------
PAGE_TARGET_S = 1.5
PAGE_ROLES = ("manager", "supervisor")
BENCH_PASSWORD = "bench-only-password-1"  # noqa: S105 - an account in a throw-away benchmark database


def _pages_db(workdir: Path, n: int, folder: Path, progress: Callable[[str], None]):
    """A published database of the practice with its marts, and a manager and a supervisor account."""
    from datetime import date

    from pipelines.demo import pick_accounts
    from pipelines.ingest import ingest
    from pipelines.settings import paths
    from pipelines.store import AppState, DataStore
    from pipelines.users import add_user, get_user

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


def run_pages_bench(
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
        folder = _practice(workdir, n, progress)
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
            (sessions,) = con.execute("SELECT count(*) FROM sessions").fetchone()
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
    return {"benchmark": "pages", "repeat": repeat, "cpu_count": os.cpu_count(), "duckdb": _duckdb_version(),
            "baseline": BASELINE_SCAN, "targets": {"warm_page_s_max": PAGE_TARGET_S}, "results": results}


def format_pages_report(report: dict) -> str:
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


def scale_summary(reports: dict) -> list[str]:
    """Per-session cost of the validated ingest across sizes, and how much it grows."""
    ingest = reports.get("ingest")
    if not ingest or len(ingest["results"]) < 2:
        return []
    rows = [(r["rows"]["sessions"], r["validated_s"]) for r in ingest["results"]]
    base = [x for x in rows if x[0] >= 90_000] or rows
    first, last = base[0], base[-1]
    growth = (last[1] / last[0]) / (first[1] / first[0])
    lines = ["per-session ingest cost: " + ", ".join(f"{n:,}: {s / n * 1e6:.1f} µs" for n, s in rows)]
    lines.append(f"growth from {first[0]:,} to {last[0]:,} sessions: {growth:.2f}x (target <= 1.3)")
    return lines


def scale_figure(reports: dict):
    """The scale curve: each measured phase's median time against practice size (log-log)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    series = []
    if "ingest" in reports:
        rows = reports["ingest"]["results"]
        sizes = [r["rows"]["sessions"] for r in rows]
        series += [("ingest, validated", sizes, [r["validated_s"] for r in rows], "solid"),
                   ("ingest, DuckDB raw read_csv", sizes, [r["raw_s"] for r in rows], "dot")]
    if "models" in reports:
        rows = reports["models"]["results"]
        sizes = [r["sessions"] for r in rows]
        series += [("models: refresh at ingest", sizes, [r["refresh_s"] for r in rows], "solid"),
                   ("models: read every mart", sizes, [r["read_s"] for r in rows], "solid"),
                   ("full aggregate scan of sessions", sizes, [r["scan_s"] for r in rows], "dot")]
    if "pages" in reports:
        rows = reports["pages"]["results"]
        series.append(("slowest page, warm", [r["sessions"] for r in rows], [r["slowest_warm_s"] for r in rows],
                       "solid"))
    for name, x, y, dash in series:
        fig.add_scatter(x=x, y=y, name=name, mode="lines+markers", line={"dash": dash})
    fig.update_layout(
        title="Momentum at scale: median seconds per phase against practice size (2 cores)",
        xaxis={"title": "sessions in the practice", "type": "log"},
        yaxis={"title": "seconds (median)", "type": "log"},
        width=1100, height=650, template="plotly_white",
    )
    return fig


if __name__ == "__main__":
    if sys.argv[1] == "refresh":
        print(json.dumps(_refresh_worker(Path(sys.argv[2]))))
    elif sys.argv[1] == "models":
        print(json.dumps(_models_worker(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(_worker(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))
