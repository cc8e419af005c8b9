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
    spec = PracticeSpec(seed=11, sessions=sessions, as_of=date(2026, 11, 22))
    generate_practice(spec, progress=progress).write(folder)
    marker.write_text("ok\n", encoding="utf-8")
    return folder


def _run_worker(mode: str, folder: Path, db: Path) -> dict:
    if db.parent.exists():
        shutil.rmtree(db.parent)
    db.parent.mkdir(parents=True)
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.bench", mode, str(folder), str(db)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench worker {mode} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


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


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))


# -- models ----------------------------------------------------------------------
BASELINE_SCAN = (
    "SELECT count(*), count(DISTINCT client_id), sum(duration_min), min(start), max(start), "
    "count(*) FILTER (WHERE status = 'attended') FROM sessions"
)


def _model_names() -> list[str]:
    from pipelines.sql_files import SQL_DIR

    return sorted(p.stem.removeprefix("model_") for p in SQL_DIR.glob("model_*.sql"))


def run_models_bench(
    sizes: list[int], repeat: int, workdir: Path, progress: Callable[[str], None] | None = None
) -> dict:
    """Every model as a manager reads it, against one full aggregate scan of sessions.

    Three figures per size: the refresh that materialises the models once per
    data version (part of `python -m pipelines ingest`), reading every model
    for a manager from the marts (what a page does), and computing every model
    live (what an as-of date other than the refreshed one costs).
    """
    from datetime import date

    import duckdb

    from pipelines import marts, models
    from pipelines.ingest import ingest
    from pipelines.queries import all_clinicians_scope
    from pipelines.settings import paths

    progress = progress or (lambda _m: None)
    workdir = workdir.resolve()
    as_of = date(2026, 11, 22)
    results = []
    for n in sizes:
        folder = _practice(workdir, n, progress)
        db = paths(workdir / f"models-db-{n}" / "momentum.duckdb")
        if not db.data_db.exists():
            progress(f"{n:,} sessions: loading the practice for the model benchmark")
            ingest([folder], db, loaded_by="bench", audit=False)
        con = duckdb.connect(str(db.data_db))
        progress(f"{n:,} sessions: refreshing the materialised models")
        start = time.perf_counter()
        refresh_per_model = marts.refresh(con, as_of)
        refresh_s = time.perf_counter() - start
        scope = all_clinicians_scope(con)
        names = _model_names()
        scan_times: list[float] = []
        read_times: list[float] = []
        live_times: list[float] = []
        per_model: dict[str, list[float]] = {m: [] for m in names}
        for r in range(repeat):
            progress(f"{n:,} sessions: run {r + 1}/{repeat}")
            order = ["scan", "read", "live"] if r % 2 == 0 else ["live", "read", "scan"]
            for step in order:
                start = time.perf_counter()
                if step == "scan":
                    con.execute(BASELINE_SCAN).fetchall()
                    scan_times.append(time.perf_counter() - start)
                elif step == "read":
                    for m in names:
                        t = time.perf_counter()
                        models.run(con.cursor(), m, scope, as_of)
                        per_model[m].append(time.perf_counter() - t)
                    read_times.append(time.perf_counter() - start)
                else:
                    for m in names:
                        models.run(con.cursor(), m, scope, as_of, prefer_marts=False)
                    live_times.append(time.perf_counter() - start)
        (sessions,) = con.execute("SELECT count(*) FROM sessions").fetchone()
        con.close()
        scan = statistics.median(scan_times)
        read = statistics.median(read_times)
        live = statistics.median(live_times)
        results.append(
            {
                "sessions": sessions,
                "scan_s": round(scan, 4),
                "read_s": round(read, 3),
                "ratio": round(read / scan, 1),
                "live_s": round(live, 3),
                "live_ratio": round(live / scan, 1),
                "refresh_s": round(refresh_s, 3),
                "refresh_per_model_s": refresh_per_model,
                "read_per_model_s": {m: round(statistics.median(v), 4) for m, v in per_model.items()},
                "peak_rss_mb": round(_peak_rss_mb(), 1),
            }
        )
    return {"benchmark": "models", "repeat": repeat, "cpu_count": os.cpu_count(), "duckdb": _duckdb_version(),
            "baseline": BASELINE_SCAN, "targets": {"ratio_max": 10}, "results": results}


def format_models_report(report: dict) -> str:
    lines = [f"models benchmark (median of {report['repeat']} runs, alternating; {report['cpu_count']} cores)"]
    for r in report["results"]:
        lines.append(
            f"{r['sessions']:>10,} sessions: full scan {r['scan_s']} s; every model read from the marts "
            f"{r['read_s']} s, ratio {r['ratio']} (target <= {report['targets']['ratio_max']}); "
            f"computed live {r['live_s']} s, ratio {r['live_ratio']}; refresh at ingest {r['refresh_s']} s; "
            f"peak {r['peak_rss_mb']} MB"
        )
        for m, sec in sorted(r["refresh_per_model_s"].items(), key=lambda kv: -kv[1]):
            lines.append(f"    refresh {m:28} {sec:>8} s   read {r['read_per_model_s'].get(m, 0):>8} s")
    return "\n".join(lines)
