"""The committed sample_data/ is exactly what the seeded generator writes (`make sample`)."""

from __future__ import annotations

from datetime import date

from pipelines.synthetic.sample_practice import PracticeSpec, generate_practice
from tests.conftest import REPO

SAMPLE = REPO / "sample_data"


def test_sample_data_is_reproducible_from_the_generator(tmp_path):
    # the same arguments as `make sample`
    generate_practice(PracticeSpec(seed=7, as_of=date(2026, 11, 22))).write(tmp_path)
    committed = sorted(p.name for p in SAMPLE.glob("*.csv"))
    assert committed == sorted(p.name for p in tmp_path.glob("*.csv"))
    for name in committed:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_sample_practice_size():
    import csv

    with (SAMPLE / "sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = sum(1 for _ in csv.reader(fh)) - 1
    with (SAMPLE / "clinicians.csv").open(encoding="utf-8", newline="") as fh:
        staff = list(csv.DictReader(fh))
    assert 20_000 <= sessions <= 30_000
    assert len(staff) == 25
    roles = [s["role"] for s in staff]
    assert roles.count("manager") == 1 and 2 <= roles.count("supervisor") <= 3
