"""The delta benchmark's split (`python -m pipelines bench ingest`, "one new week"), small: the week and
the practice a week before hold every row of the practice once, split at the right day, and loading
one then the other gives the same tables as loading the whole."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import duckdb

from pipelines.bench import common
from pipelines.ingest.load import ingest
from pipelines.settings import paths


def _rows(path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def _counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db.data_db), read_only=True)
    try:
        return {t: con.execute("SELECT count(*) FROM query_table($t)", {"t": t}).fetchall()[0][0]
                for t in common.TABLE_FILES}
    finally:
        con.close()


def test_the_week_and_the_practice_before_it_are_the_whole_practice(tmp_path):
    folder = common.practice(tmp_path, 3000, lambda _m: None)
    base, week = common.delta_split(folder, lambda _m: None)
    cutoff = (date.fromisoformat(common.BENCH_AS_OF) - timedelta(days=common.DELTA_DAYS - 1)).isoformat()
    for table in common.TABLE_FILES:
        whole = _rows(folder / f"{table}.csv")
        before = _rows(base / f"{table}.csv")
        if table not in common.DELTA_COLUMNS:
            assert before == whole and not (week / f"{table}.csv").exists(), table
            continue
        new = _rows(week / f"{table}.csv")
        assert sorted(before + new) == sorted(whole), table
        with (folder / f"{table}.csv").open(encoding="utf-8") as fh:
            at = next(csv.reader(fh)).index(common.DELTA_COLUMNS[table])
        assert new and all(r[at][:10] >= cutoff for r in new), table
        assert all(r[at][:10] < cutoff for r in before), table
    # made once, then reused
    assert common.delta_split(folder, lambda _m: None) == (base, week)
    # loaded in two steps, the tables are those of the whole practice loaded at once
    two_steps, at_once = paths(tmp_path / "two" / "m.duckdb"), paths(tmp_path / "once" / "m.duckdb")
    for target, folders in ((two_steps, [base, week]), (at_once, [folder])):
        for f in folders:
            result = ingest([f], target, audit=False, refresh=False)
            assert all(x.status == "loaded" for x in result.files), [(x.path, x.status, x.message) for x in result.files]
    assert _counts(two_steps) == _counts(at_once)


def test_the_ingest_benchmark_small_times_the_week_with_an_incremental_refresh(tmp_path):
    """`bench ingest` at a small size, as `make bench` runs it at 1M: every figure is there, and the new
    week's refresh recomputed only some of the clients (the week-before database keeps fingerprints)."""
    from pipelines.bench import ingest as bench_ingest

    report = bench_ingest.run([2000], 1, tmp_path)
    (result,) = report["results"]
    for key in ("validated_s", "raw_s", "command_s", "delta_s"):
        assert result[key] > 0, key
    assert all(run["rows_rejected"] == 0 for run in result["runs"]["delta"])
    dirty, of, clients = result["delta_clients_recomputed"].split()
    assert of == "of" and 0 < int(dirty) < int(clients), result["delta_clients_recomputed"]
    assert "its refresh recomputed" in bench_ingest.format_report(report)
