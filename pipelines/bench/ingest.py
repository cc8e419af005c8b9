"""``python -m pipelines bench ingest``: the validated ingest against DuckDB's raw load.

For each practice size the same CSV files are loaded two ways, alternating,
``--repeat`` times each, every run in a fresh process and a fresh database:

* **validated** - Momentum's ingest (header recognition, lazy validation of
  every rule, quarantine, upsert, ledger, snapshot publish);
* **raw** - DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(file)``
  for each file, then close (a checkpoint), with no validation at all;
* with ``--excel``, also **xlsx** - the validated ingest of the same practice written as
  typed Excel workbooks (``common.excel_copy``), against the same raw CSV load.

Each worker times only the load (not interpreter start-up) and reports its
peak resident memory. Medians are reported; the ratio is validated / raw.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.bench.common import (
    TABLE_FILES,
    duckdb_version,
    excel_copy,
    peak_rss_mb,
    practice,
    run_worker,
)


def _run_worker(mode: str, folder: Path, db: Path) -> dict:
    if db.parent.exists():
        shutil.rmtree(db.parent)
    db.parent.mkdir(parents=True)
    return run_worker("pipelines.bench.ingest", mode, str(folder), str(db))



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
        runs: dict[str, list[dict]] = {"validated": [], "raw": [], **({"xlsx": []} if excel else {})}
        for r in range(repeat):
            order = ["validated", "raw"] if r % 2 == 0 else ["raw", "validated"]
            order += ["xlsx"] if excel else []
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
        "targets": {"ratio_max": 2.0, "peak_rss_mb_max": 1536},
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
    t = report["targets"]
    lines.append(f"targets: ratio <= {t['ratio_max']}, peak memory <= {t['peak_rss_mb_max']} MB")
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
    else:
        raise SystemExit(f"unknown mode {mode}")
    return {"mode": sys.argv[1] if __name__ == "__main__" else mode, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rows_loaded": loaded, "rows_rejected": rejected}



if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))
