"""The models on the generated practice: the generator's trajectories come out as
their labels say, measured and asserted with margins."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines.ingest.load import ingest
from pipelines.models import queries
from pipelines.scope import Scope
from pipelines.settings import paths
from pipelines.synthetic.sample_practice import PracticeSpec, generate_practice
from tests.conftest import REPO

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    db = paths(tmp_path_factory.mktemp("sample") / "m.duckdb")
    ingest([REPO / "sample_data"], db, audit=False)
    con = duckdb.connect(str(db.data_db), read_only=True)
    scope = Scope.of(r[0] for r in con.execute("SELECT clinician_id FROM clinicians").fetchall())
    momentum = queries.client_momentum(con.cursor(), scope, AS_OF)
    flags = queries.active_flags(con.cursor(), scope, AS_OF)
    con.close()
    labels = generate_practice(PracticeSpec(seed=7, as_of=AS_OF)).trajectories
    active = momentum.merge(labels[["client_id", "trajectory"]], on="client_id")
    return active, flags


def _share(frame, trajectory, predicate) -> tuple[float, int]:
    group = frame[frame["trajectory"] == trajectory]
    return float(predicate(group).mean()), len(group)


def test_improvers_mostly_building(sample):
    active, _flags = sample
    building, n = _share(active, "improver", lambda g: g["momentum"] == "building")
    positive, _ = _share(active, "improver", lambda g: g["momentum"].isin(["building", "steady"]))
    print(f"\nimprovers: {n} active, {building:.0%} building, {positive:.0%} building or steady")
    assert n >= 50
    assert building > 0.5  # measured 0.59 on sample_data
    assert positive > 0.95  # measured 1.00: none stalled or slipping


def test_dropouts_disengaging_or_missing_sessions(sample):
    active, flags = sample
    flagged = set(flags[flags["flag"].isin(["DISENGAGING", "MISSED_SESSIONS"])]["client_id"])
    share, n = _share(active, "dropout", lambda g: g["client_id"].isin(flagged))
    print(f"\ndropouts: {n} active, {share:.0%} flagged DISENGAGING or MISSED_SESSIONS")
    assert n >= 30
    assert share > 0.9


def test_plateaus_stalled(sample):
    active, _flags = sample
    share, n = _share(active, "plateau", lambda g: g["momentum"] == "stalled")
    print(f"\nplateaus: {n} active, {share:.0%} stalled")
    assert n >= 30
    assert share > 0.85  # measured 1.00
