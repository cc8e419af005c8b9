"""``python -m pipelines bench models``: every model as a page reads it, against one full aggregate scan."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.bench.common import (
    BASELINE_SCAN,
    BENCH_AS_OF,
    duckdb_version,
    peak_rss_mb,
    practice,
    run_worker,
)


def _refresh_worker(db: Path) -> dict:
    """The refresh as `python -m pipelines ingest` runs it (MOMENTUM_REFRESH_MEMORY applies), in its own process."""
    from datetime import date

    import duckdb

    from pipelines.models.queries import refresh_marts

    con = duckdb.connect(str(db))
    start = time.perf_counter()
    per_model = refresh_marts(con, date.fromisoformat(BENCH_AS_OF))
    seconds = time.perf_counter() - start
    con.close()
    return {"refresh_s": seconds, "refresh_per_model_s": per_model, "refresh_peak_rss_mb": peak_rss_mb()}



def _models_worker(db: Path, repeat: int, live: bool = True) -> dict:
    """Scan, read every mart (as a manager and as the largest team's supervisor) and compute
    every model live (unless not ``live``), alternating, ``repeat`` times, in one process."""
    from datetime import date

    from pipelines.models.queries import (
        WHOLE_CASELOAD,
        all_clinicians_scope,
        marts_state,
        run,
        scope_for,
    )
    from pipelines.settings import memory_size
    from pipelines.sql_files import sql
    from pipelines.store import open_read_only

    as_of = date.fromisoformat(BENCH_AS_OF)
    con = open_read_only(db, memory_size("MOMENTUM_READ_MEMORY"))  # as the app's reader opens a snapshot
    scope = all_clinicians_scope(con)
    team = con.execute(sql("bench_largest_team")).fetchall()
    supervisor = scope_for(con, "supervisor", team[0][0]) if team else scope
    # every whole-caseload model; the client view's one-client models take a client_id
    models = sorted(WHOLE_CASELOAD, key=lambda m: m.name)
    steps = ["scan", "read", "read_supervisor", "live"] if live else ["scan", "read", "read_supervisor"]
    times: dict[str, list[float]] = {step: [] for step in steps}
    per_model: dict[str, list[float]] = {m.name: [] for m in models}
    for r in range(repeat):
        for step in steps if r % 2 == 0 else steps[::-1]:
            start = time.perf_counter()
            if step == "scan":
                con.execute(BASELINE_SCAN).fetchall()
            elif step == "read":
                # as the app reads: the marts' state asked once for the snapshot (ui/data.py), then each model
                state = marts_state(con.cursor())
                for m in models:
                    t = time.perf_counter()
                    run(con.cursor(), m, scope, as_of, state=state)
                    per_model[m.name].append(time.perf_counter() - t)
            elif step == "read_supervisor":
                state = marts_state(con.cursor())
                for m in models:
                    run(con.cursor(), m, supervisor, as_of, state=state)
            else:
                for m in models:
                    run(con.cursor(), m, scope, as_of, prefer_marts=False)
            times[step].append(time.perf_counter() - start)
    (sessions,) = con.execute(sql("bench_sessions")).fetchall()[0]
    con.close()
    return {"sessions": sessions, "times": times, "peak_rss_mb": peak_rss_mb(),
            "supervisor_scope": len(supervisor.clinician_ids),
            "read_per_model_s": {m: statistics.median(v) for m, v in per_model.items()}}



def run(
    sizes: list[int], repeat: int, workdir: Path, progress: Callable[[str], None] | None = None, live: bool = True
) -> dict:
    """Every model as a manager reads it, against one full aggregate scan of sessions.

    Three figures per size: the refresh that materialises the models once per
    data version (part of `python -m pipelines ingest`), reading every model
    for a manager from the marts (what a page does), and computing every model
    live (what an as-of date other than the refreshed one costs). The refresh
    runs in one process and the alternating scan, read and live runs in another,
    so each reports its own peak memory, as the ingest and the app would. Without ``live``
    the live runs are left out (at 10M they take well over an hour; the target is the read).
    """
    from pipelines.ingest.load import ingest
    from pipelines.settings import paths

    progress = progress or (lambda _m: None)
    workdir = workdir.resolve()
    results = []
    for n in sizes:
        folder = practice(workdir, n, progress)
        db = paths(workdir / f"models-db-{n}" / "momentum.duckdb")
        if not db.data_db.exists():
            progress(f"{n:,} sessions: loading the practice for the model benchmark")
            ingest([folder], db, loaded_by="bench", audit=False)
        progress(f"{n:,} sessions: refreshing the materialised models")
        refreshed = run_worker("pipelines.bench.models", "refresh", str(db.data_db))
        progress(f"{n:,} sessions: scan, read{' and live' if live else ''}, {repeat} runs each, alternating")
        measured = run_worker("pipelines.bench.models", "models", str(db.data_db), str(repeat),
                              "live" if live else "no-live")
        scan = statistics.median(measured["times"]["scan"])
        read = statistics.median(measured["times"]["read"])
        read_supervisor = statistics.median(measured["times"]["read_supervisor"])
        live_s = statistics.median(measured["times"]["live"]) if live else None
        results.append(
            {
                "sessions": measured["sessions"],
                "scan_s": round(scan, 4),
                "read_s": round(read, 3),
                "ratio": round(read / scan, 1),
                "read_supervisor_s": round(read_supervisor, 3),
                "supervisor_ratio": round(read_supervisor / scan, 1),
                "supervisor_scope": measured["supervisor_scope"],
                "live_s": None if live_s is None else round(live_s, 3),
                "live_ratio": None if live_s is None else round(live_s / scan, 1),
                "refresh_s": round(refreshed["refresh_s"], 3),
                "refresh_per_model_s": refreshed["refresh_per_model_s"],
                "read_per_model_s": {m: round(v, 4) for m, v in measured["read_per_model_s"].items()},
                "refresh_peak_rss_mb": round(refreshed["refresh_peak_rss_mb"], 1),
                "peak_rss_mb": round(measured["peak_rss_mb"], 1),
                "runs": measured["times"],
            }
        )
    return {"benchmark": "models", "repeat": repeat, "cpu_count": os.cpu_count(), "duckdb": duckdb_version(),
            "baseline": BASELINE_SCAN, "targets": {"ratio_max": 10, "peak_rss_mb_max": 1536}, "results": results}



def format_report(report: dict) -> str:
    lines = [f"models benchmark (median of {report['repeat']} runs, alternating; {report['cpu_count']} cores)"]
    for r in report["results"]:
        lines.append(
            f"{r['sessions']:>10,} sessions: full scan {r['scan_s']} s; every model read from the marts "
            f"{r['read_s']} s, ratio {r['ratio']} (target <= {report['targets']['ratio_max']}); "
            f"as the largest team's supervisor ({r.get('supervisor_scope', '-')} clinicians) "
            f"{r.get('read_supervisor_s', '-')} s, ratio {r.get('supervisor_ratio', '-')}; "
            + (f"computed live {r['live_s']} s, ratio {r['live_ratio']}; " if r.get("live_s") is not None
               else "computed live: not measured (--no-live); ")
            + f"refresh at ingest {r['refresh_s']} s; "
            f"peak memory: refresh {r.get('refresh_peak_rss_mb', '-')} MB, scan/read/live {r['peak_rss_mb']} MB"
        )
        for m, sec in sorted(r["refresh_per_model_s"].items(), key=lambda kv: -kv[1]):
            lines.append(f"    refresh {m:28} {sec:>8} s   read {r['read_per_model_s'].get(m, 0):>8} s")
    return "\n".join(lines)



if __name__ == "__main__":
    if sys.argv[1] == "refresh":
        print(json.dumps(_refresh_worker(Path(sys.argv[2]))))
    else:
        print(json.dumps(_models_worker(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] != "no-live")))
