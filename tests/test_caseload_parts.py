"""The caseload page's table parts, as plain functions on frames."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ui.views.caseload import flag_codes_by_client

CODES = ["NOT_ON_TRACK", "DISENGAGING", "ALLIANCE_RISK", "RISK_ITEM", "NO_RELIABLE_CHANGE", "HOMEWORK_LAPSE"]


@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3", "C4"]), st.sampled_from(CODES)), max_size=30))
def test_each_clients_codes_are_distinct_sorted_and_joined(pairs):
    flags = pd.DataFrame(pairs, columns=["client_id", "flag"])
    got = flag_codes_by_client(flags)
    expected = {c: ", ".join(sorted({f for cc, f in pairs if cc == c})) for c, _ in pairs}
    assert got.to_dict() == expected


def test_no_flags_gives_an_empty_series_that_maps_to_nothing():
    got = flag_codes_by_client(pd.DataFrame({"client_id": [], "flag": []}))
    assert got.empty
    assert pd.Series(["C1"]).map(got).astype(object).fillna("").tolist() == [""]  # as client_table fills it
