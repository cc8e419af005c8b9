"""The ingest's record-count cross-check: the count from the bytes agrees with
Python's csv module wherever it is used, and is used for ordinary exports.

``pipelines/ingest/csv_files.count_records_from_bytes`` stands in for the csv module
only on files where a record is a line (no quote character, \\n or \\r\\n line
ends, a comma on every line); everywhere else it returns None and the csv
module counts. These tests are what make that substitution safe.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipelines.ingest.csv_files as csv_files
from pipelines.ingest.csv_files import count_records, count_records_from_bytes, cross_check_count
from pipelines.settings import SAMPLE_DATA_DIR
from tests.fuzz.corpus import VARIANT_COUNT, variants


def _csv_module(path) -> int | None:
    try:
        return count_records(path)
    except csv.Error:
        return None


@pytest.mark.parametrize("table", ["clinicians", "clients", "goals", "sessions", "measures", "homework"])
def test_ordinary_exports_are_counted_from_the_bytes_and_agree(table):
    path = SAMPLE_DATA_DIR / f"{table}.csv"
    fast = count_records_from_bytes(path)
    assert fast is not None, "an ordinary export should not need the csv module"
    assert fast == count_records(path) == cross_check_count(path)


def test_a_file_with_quotes_is_left_to_the_csv_module():
    path = SAMPLE_DATA_DIR / "wins.csv"
    assert b'"' in path.read_bytes()
    assert count_records_from_bytes(path) is None
    assert cross_check_count(path) == count_records(path)


def test_every_malformed_export_agrees_or_is_left_to_the_csv_module(tmp_path):
    used = 0
    for i, variant in enumerate(variants(VARIANT_COUNT)):  # the ingest fuzz test's corpus: 84, or 300 in make campaign
        path = variant.write(tmp_path / str(i))
        fast = count_records_from_bytes(path)
        if fast is None:
            continue
        used += 1
        assert fast == _csv_module(path), variant.name
    assert used >= VARIANT_COUNT // 4  # the byte count is really exercised by the corpus (44 of 84)


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(["a", "b", ",", '"', "\r", "\n", "\r\n", " ", "\x00", "é"]), max_size=60))
def test_random_bytes_agree_at_every_block_boundary(block, text, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(csv_files, "_BLOCK", block)
    path = tmp_path_factory.mktemp("count") / "f.csv"
    path.write_bytes("".join(text).encode("utf-8"))
    fast = count_records_from_bytes(path)
    if fast is not None:
        assert fast == _csv_module(path), repr("".join(text))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet="ab é\x00", max_size=4), min_size=2, max_size=4), min_size=1, max_size=20),
       crlf=st.booleans(), final_newline=st.booleans())
def test_line_per_record_files_use_the_byte_count(rows, crlf, final_newline, tmp_path_factory):
    end = "\r\n" if crlf else "\n"
    text = end.join(",".join(r) for r in rows) + (end if final_newline else "")
    path = tmp_path_factory.mktemp("lines") / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    assert count_records_from_bytes(path) == len(rows) - 1 == count_records(path)


def test_the_fingerprint_is_the_files_sha256_and_whether_it_holds_a_nul_byte(tmp_path):
    import hashlib

    from pipelines.ingest.csv_files import fingerprint, sha256_of

    malformed = Path(__file__).parent / "data" / "malformed"
    for name, nul in (("sessions_nul_byte.csv", True), ("sessions_crlf.csv", False), ("sessions_utf16.csv", True)):
        path = malformed / name
        assert fingerprint(path) == (hashlib.sha256(path.read_bytes()).hexdigest(), nul), name
        assert sha256_of(path) == fingerprint(path)[0]
    # a NUL byte past the first read block still counts
    late = tmp_path / "late.csv"
    late.write_bytes(b"a,b\n" + b"1,2\n" * (1 << 19) + b"3,\x00\n")
    assert fingerprint(late)[1] is True


def test_without_a_nul_byte_the_validation_has_no_nul_scans_and_with_one_it_does():
    from pipelines.ingest.validate import ValidationCompiler
    from schemas.contract import TABLES
    from schemas.profiles import load_profile

    spec = TABLES["sessions"]
    mapping = {c.name: c.name for c in spec.columns}
    text = lambda check: " ".join(s for s, _p in ValidationCompiler(  # noqa: E731
        spec, mapping, load_profile("canonical"), check_nul=check).compile().statements)
    assert "chr(0)" in text(True) and "chr(0)" not in text(False)
