"""What every benchmark shares: the generated practice, the baseline scan, a worker per process.

Each measured run happens in a fresh process (``python -m pipelines.bench.<phase> ...``), which
prints one JSON line: the figures and its own peak resident memory.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pipelines.settings import REPO_ROOT
from pipelines.sql_files import sql

BENCH_AS_OF = "2026-11-22"  # the generated practices end here; models and marts are computed as of it
TABLE_FILES = ["clinicians", "clients", "sessions", "goals", "measures", "homework", "wins"]
# DuckDB's own work on the same data in the same run: every ratio is against it
BASELINE_SCAN = " ".join(line.strip() for line in sql("bench_baseline_scan").splitlines()
                         if line.strip() and not line.lstrip().startswith("--"))



def practice(workdir: Path, sessions: int, progress: Callable[[str], None]) -> Path:
    """Generate (or reuse) a practice of about ``sessions`` sessions."""
    folder = workdir / f"practice-{sessions}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    from datetime import date

    from pipelines.synthetic.sample_practice import PracticeSpec, generate_practice

    progress(f"generating a practice of ~{sessions:,} sessions in {folder}")
    if folder.exists():
        shutil.rmtree(folder)
    spec = PracticeSpec(seed=11, sessions=sessions, as_of=date.fromisoformat(BENCH_AS_OF))
    generate_practice(spec, progress=progress).write(folder)
    marker.write_text("ok\n", encoding="utf-8")
    return folder



def excel_copy(folder: Path, progress: Callable[[str], None]) -> Path:
    """The practice's CSV files written as typed Excel workbooks (dates as date cells, numbers as numbers),
    once, next to them: what a practice system exporting XLSX would hand over."""
    out = folder / "xlsx"
    marker = out / ".complete"
    if marker.exists():
        return out
    import duckdb
    from openpyxl import Workbook

    out.mkdir(exist_ok=True)
    con = duckdb.connect()
    try:
        for table in TABLE_FILES:
            progress(f"writing {table}.xlsx")
            book = Workbook(write_only=True)
            sheet = book.create_sheet(table)
            cursor = con.execute("SELECT * FROM read_csv($path)", {"path": str(folder / f"{table}.csv")})
            sheet.append([d[0] for d in cursor.description])
            while rows := cursor.fetchmany(50_000):
                for row in rows:
                    sheet.append(row)
            book.save(out / f"{table}.xlsx")
    finally:
        con.close()
    marker.write_text("ok\n", encoding="utf-8")
    return out


# the delta benchmark: the rows of these tables dated in the last week of the practice are the "new week"
DELTA_COLUMNS = {"sessions": "start", "measures": "administered_at", "homework": "assigned_at"}
DELTA_DAYS = 7


def delta_split(folder: Path, progress: Callable[[str], None]) -> tuple[Path, Path]:
    """(base, delta): the practice in ``folder`` split at one week before BENCH_AS_OF. The delta holds the
    sessions, measures and homework dated in that last week; the base holds everything else (the staff,
    clients, goals and wins in full), as a practice had it the week before. Made once, then reused."""
    import csv
    from datetime import date, timedelta

    base, delta = folder / "delta-base", folder / "delta-week"
    marker = folder / ".delta-complete"
    if marker.exists():
        return base, delta
    progress(f"splitting {folder.name} into the practice a week ago and the week since")
    cutoff = (date.fromisoformat(BENCH_AS_OF) - timedelta(days=DELTA_DAYS - 1)).isoformat()
    for out in (base, delta):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
    for table in TABLE_FILES:
        source = folder / f"{table}.csv"
        if table not in DELTA_COLUMNS:
            shutil.copyfile(source, base / source.name)
            continue
        with source.open(newline="", encoding="utf-8") as fh, \
                (base / source.name).open("w", newline="", encoding="utf-8") as old, \
                (delta / source.name).open("w", newline="", encoding="utf-8") as new:
            rows = csv.reader(fh)
            header = next(rows)
            at = header.index(DELTA_COLUMNS[table])
            to_old, to_new = csv.writer(old, lineterminator="\n"), csv.writer(new, lineterminator="\n")
            to_old.writerow(header)
            to_new.writerow(header)
            for row in rows:
                (to_new if row[at][:10] >= cutoff else to_old).writerow(row)
    marker.write_text("ok\n", encoding="utf-8")
    return base, delta


def run_worker(module: str, *args: str) -> dict:
    """Run ``python -m MODULE ARGS`` in a fresh process; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench worker {module} {args[0]} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])



def peak_rss_mb() -> float:
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



def duckdb_version() -> str:
    import duckdb

    return duckdb.__version__
