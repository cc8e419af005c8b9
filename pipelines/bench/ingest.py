"""``python -m pipelines bench ingest``: the validated ingest against DuckDB's raw load.

For each practice size the same CSV files are loaded two ways, alternating,
``--repeat`` times each, every run in a fresh process and a fresh database:

* **validated** - Momentum's ingest (header recognition, lazy validation of
  every rule, quarantine, upsert, ledger, snapshot publish);
* **raw** - DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(file)``
  for each file, then close (a checkpoint), with no validation at all;
* with ``--excel``, also **xlsx** - the validated ingest of the same practice written as
  typed Excel workbooks (``common.excel_copy``), against the same raw CSV load;
* **command** - what a user waits for: ``python -m pipelines ingest FOLDER`` as a fresh process into a
  fresh database, timed from its start to its exit (interpreter start, validation, the refresh of the
  materialised models and the snapshot publish: the dashboard shows the new data when it exits);
* **delta** - the same command loading one new week (``common.delta_split``: the sessions, measures
  and homework dated in the practice's last week) into a copy of the practice as it stood the week
  before (loaded and refreshed once, then copied for each run).

The validated and raw workers time only the load (not interpreter start-up) and report their peak
resident memory; the command and delta workers time the whole command and report its peak. Medians
are reported; each ratio is against the raw load.
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
from datetime import date, timedelta
from pathlib import Path

from pipelines.bench.common import (
    BENCH_AS_OF,
    DELTA_DAYS,
    TABLE_FILES,
    delta_split,
    duckdb_version,
    excel_copy,
    peak_rss_mb,
    practice,
    run_worker,
)
from pipelines.settings import REPO_ROOT


def _run_worker(mode: str, folder: Path, db: Path, start_from: Path | None = None) -> dict:
    if db.parent.exists():
        shutil.rmtree(db.parent)
    if start_from is None:
        db.parent.mkdir(parents=True)
    else:  # the practice as it stood the week before, copied afresh for each run
        shutil.copytree(start_from, db.parent)
    return run_worker("pipelines.bench.ingest", mode, str(folder), str(db))


def _week_before(workdir: Path, n: int, base: Path, progress: Callable[[str], None]) -> Path:
    """The database of the practice as it stood a week before BENCH_AS_OF (loaded and refreshed once, and made
    again when a refresh of it would recompute every client: marts from an older version of the models, or
    kept without the clients' fingerprints, would time the week as a full refresh)."""
    folder = workdir / f"delta-base-db-{n}"
    marker = folder / ".complete"  # written when the load finished (a load cut short leaves none)
    if not marker.exists() or _week_needs_full_refresh(folder / "momentum.duckdb"):
        progress(f"{n:,} sessions: loading the practice as it stood a week ago (once per version of the models)")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        as_of = date.fromisoformat(BENCH_AS_OF) - timedelta(days=DELTA_DAYS)
        _command([str(base), "--db", str(folder / "momentum.duckdb"), "--as-of", as_of.isoformat()])
        marker.write_text("loaded\n", encoding="utf-8")
    return folder


def _week_needs_full_refresh(db: Path) -> str:
    """Why the week's refresh on this database would recompute every client ("" when it would not): marts made
    by an older version of the models (one added or changed since) would time the week as a full refresh."""
    import duckdb

    from pipelines.models import marts
    from pipelines.models.queries import MODELS

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        return str(exc)
    try:
        return marts.why_full(con, MODELS)
    finally:
        con.close()


def _rows(folder: Path) -> int:
    total = 0
    for f in folder.glob("*.csv"):
        with f.open("rb") as fh:
            total += sum(1 for _ in fh) - 1
    return total



def run(
    sizes: list[int], repeat: int, workdir: Path, progress: Callable[[str], None] | None = None,
    excel: bool = False,
) -> dict:
    progress = progress or (lambda _m: None)
    workdir = workdir.resolve()
    results = []
    for n in sizes:
        folder = practice(workdir, n, progress)
        if excel:
            excel_copy(folder, progress)
        files = [folder / f"{t}.csv" for t in TABLE_FILES]
        rows = {}
        for f in files:
            with f.open("rb") as fh:
                rows[f.stem] = sum(1 for _ in fh) - 1
        base, delta = delta_split(folder, progress)
        week_before = _week_before(workdir, n, base, progress)
        runs: dict[str, list[dict]] = {"validated": [], "raw": [], "command": [], "delta": [],
                                       **({"xlsx": []} if excel else {})}
        for r in range(repeat):
            order = ["validated", "raw", "command", "delta"] if r % 2 == 0 else ["delta", "command", "raw", "validated"]
            order += ["xlsx"] if excel else []
            for mode in order:
                progress(f"{n:,} sessions: run {r + 1}/{repeat}, {mode}")
                if mode == "delta":
                    runs[mode].append(_run_worker(mode, delta, workdir / "db" / "delta" / "momentum.duckdb",
                                                  start_from=week_before))
                else:
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
                "command_s": round(med["command"], 3),
                "command_ratio": round(med["command"] / med["raw"], 2),
                "command_peak_rss_mb": round(peak["command"], 1),
                "delta_rows": _rows(delta),
                "delta_s": round(med["delta"], 3),
                "delta_peak_rss_mb": round(peak["delta"], 1),
                # the delta's refresh is incremental: how many clients it recomputed ("N of M")
                "delta_clients_recomputed": runs["delta"][0]["clients_recomputed"],
                "runs": runs,
                **({"xlsx_s": round(med["xlsx"], 3), "xlsx_ratio": round(med["xlsx"] / med["raw"], 2),
                    "xlsx_peak_rss_mb": round(peak["xlsx"], 1)} if excel else {}),
            }
        )
    shutil.rmtree(workdir / "db", ignore_errors=True)
    return {
        "benchmark": "ingest",
        "repeat": repeat,
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "duckdb": duckdb_version(),
        "targets": {"ratio_max": 2.0, "peak_rss_mb_max": 1536, "command_ratio_max": 3.0, "delta_s_max": 5.0},
        "results": results,
    }



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
    for r in report["results"]:
        if "xlsx_s" in r:
            lines.append(f"{r['rows']['sessions']:>10,} as Excel workbooks: validated {r['xlsx_s']} s, "
                         f"{r['xlsx_ratio']}x the raw CSV load, peak {r['xlsx_peak_rss_mb']} MB")
    for r in report["results"]:
        if "command_s" in r:
            lines.append(f"{r['rows']['sessions']:>10,} as a user runs it (python -m pipelines ingest, refresh and "
                         f"publish included): {r['command_s']} s, {r['command_ratio']}x the raw load, peak "
                         f"{r['command_peak_rss_mb']} MB; one new week ({r['delta_rows']:,} rows) into the practice "
                         f"as it stood: {r['delta_s']} s (its refresh recomputed "
                         f"{r.get('delta_clients_recomputed', '?')} clients), peak {r['delta_peak_rss_mb']} MB")
    t = report["targets"]
    lines.append(f"targets: ratio <= {t['ratio_max']}, peak memory <= {t['peak_rss_mb_max']} MB, as a user runs "
                 f"it <= {t.get('command_ratio_max', '-')}x raw (1M), one new week <= {t.get('delta_s_max', '-')} s (1M)")
    return "\n".join(lines)



# -- worker (one measured load per process) ----------------------------------
def _worker(mode: str, folder: Path, db: Path) -> dict:
    files = [folder / f"{t}.csv" for t in TABLE_FILES]
    if mode == "xlsx":
        mode, files = "validated", [folder / "xlsx" / f"{t}.xlsx" for t in TABLE_FILES]
    if mode == "validated":
        from pipelines.ingest.load import ingest
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
    elif mode in ("command", "delta"):
        seconds, peak = _command([str(folder), "--db", str(db), "--as-of", BENCH_AS_OF])
        import duckdb

        from pipelines.sql_files import sql

        con = duckdb.connect(str(db), read_only=True)
        loaded, rejected = con.execute(sql("bench_loaded_rows")).fetchall()[0]
        (recomputed,) = con.execute(sql("meta_value"), {"key": "marts_recomputed"}).fetchall()[0]
        con.close()
        return {"mode": mode, "seconds": seconds, "peak_rss_mb": peak, "rows_loaded": int(loaded),
                "rows_rejected": int(rejected), "clients_recomputed": recomputed}
    else:
        raise SystemExit(f"unknown mode {mode}")
    return {"mode": sys.argv[1] if __name__ == "__main__" else mode, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rows_loaded": loaded, "rows_rejected": rejected}



def _command(args: list[str]) -> tuple[float, float]:
    """Run ``python -m pipelines ingest ARGS`` as a user would, in a process of its own: (seconds from its
    start to its exit, its peak resident memory in MB). Anything but a clean load is an error."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pipelines", "ingest", *args, "--quiet"], capture_output=True,
                         text=True, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"python -m pipelines ingest {' '.join(args)} exited {out.returncode}: {out.stderr[-2000:]}")
    # the largest child's peak (Linux: KiB); this worker is the only other process in the count, and small
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))
