"""Generated malformed exports (tests/fuzz/corpus.py): no crash, no silent loss.

For every variant: the ingest returns (no exception), rows_read =
rows_loaded + rows_rejected, the ledger says the same, every rejected row has
a reason, the rows said to be loaded are in the table under that load, and the
record count agrees with Python's csv module wherever that module can read the
file. `make test` runs 84 variants; the campaign (`make campaign`) runs 300.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import pytest

from pipelines.ingest.csv_files import count_records
from pipelines.ingest.load import ingest
from pipelines.settings import SAMPLE_DATA_DIR, paths
from tests.conftest import query
from tests.fuzz.corpus import MUTATIONS, VARIANT_COUNT, variants

N = VARIANT_COUNT
VARIANTS = variants(N)
TALLY: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _print_the_figures():
    """After the module: the totals docs/reliability.md quotes."""
    yield
    if TALLY["files"]:
        print(f"\nmalformed exports: {dict(sorted(TALLY.items()))}; crashes 0 (every ingest returned)")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-template")
    db = paths(folder / "momentum.duckdb")
    files = [SAMPLE_DATA_DIR / f"{t}.csv" for t in ("clinicians", "clients", "goals", "sessions")]
    result = ingest(files, db, audit=False)
    assert all(f.status == "loaded" for f in result.files)
    return folder


def test_the_corpus_is_big_enough_and_uses_every_mutation():
    assert N >= len(MUTATIONS) * 4
    assert len({v.content for v in VARIANTS}) >= 0.95 * N  # different files, not repeats


def _python_record_count(path) -> int | None:
    try:
        return count_records(path)
    except (csv.Error, UnicodeError):
        return None


@pytest.mark.parametrize("index", range(N), ids=[v.name[:60] for v in VARIANTS])
def test_malformed_export(template, tmp_path, index):
    variant = VARIANTS[index]
    folder = tmp_path / "db"
    shutil.copytree(template, folder)
    db = paths(folder / "momentum.duckdb")
    path = variant.write(tmp_path / "export")

    (res,) = ingest([path], db, audit=False).files  # never raises
    TALLY.update({"files": 1, f"status {res.status}": 1, "rows read": res.rows_read,
                  "rows loaded": res.rows_loaded, "rows rejected": res.rows_rejected})

    assert res.status in ("loaded", "partial", "rejected"), variant.name
    assert res.rows_read == res.rows_loaded + res.rows_rejected, variant.name
    ((status, read, loaded, rejected, message),) = query(
        db, "SELECT status, rows_read, rows_loaded, rows_rejected, message FROM loads WHERE load_id = $id",
        {"id": res.load_id})
    assert (status, read, loaded, rejected) == (res.status, res.rows_read, res.rows_loaded, res.rows_rejected)
    rejects = query(db, "SELECT row_number, reason FROM rejected_rows WHERE load_id = $id", {"id": res.load_id})
    assert all(reason and reason.strip() for _row, reason in rejects), variant.name
    whole_file = any(row is None for row, _reason in rejects)
    if whole_file:
        assert res.status == "rejected" and message and message.strip(), variant.name
        assert len(rejects) == 1  # one entry for the whole file
    else:
        assert len({row for row, _reason in rejects}) == res.rows_rejected, variant.name
        assert all(row is not None and 1 <= row <= res.rows_read for row, _reason in rejects)
        in_table = query(db, f"SELECT count(*) FROM {res.table} WHERE load_id = $id", {"id": res.load_id})
        assert in_table[0][0] == res.rows_loaded, variant.name
        python_count = _python_record_count(path)
        if python_count is not None:
            TALLY["cross-checked with the csv module"] += 1
            assert res.rows_read == python_count, f"{variant.name}: read {res.rows_read}, csv module {python_count}"



def test_a_record_count_disagreeing_with_the_csv_module_rejects_the_file(template, tmp_path, monkeypatch):
    import pipelines.ingest.csv_files as csv_files

    folder = tmp_path / "db"
    shutil.copytree(template, folder)
    db = paths(folder / "momentum.duckdb")
    real = csv_files.count_records
    # the cross-check (strict) disagrees; the refused file's count for the ledger (not strict) is the real one
    monkeypatch.setattr(csv_files, "count_records",
                        lambda path, strict=True, **kw: real(path, strict=strict, **kw) + int(strict))
    (res,) = ingest([SAMPLE_DATA_DIR / "wins.csv"], db, audit=False).files
    assert res.status == "rejected" and res.rows_loaded == 0
    assert "Python's csv module finds" in res.message
    assert res.rows_read == res.rows_rejected == real(SAMPLE_DATA_DIR / "wins.csv")
