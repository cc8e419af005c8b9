"""The pages' shared data helpers: a long table's first rows, and the scope the data cache keys by."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

import ui.layout
from ui.data import ScopeIds, _cached, scope_ids
from ui.layout import first_rows


@pytest.mark.parametrize("seed", range(5))
def test_the_first_rows_by_keys_are_the_top_of_the_whole_frame_sorted(seed, monkeypatch):
    """first_rows(frame, by) sorts only the keys: the same rows, in the same order, as sorting the whole frame
    (ties kept in their order, as sort_values keeps them), on a frame with ties and gaps in its index."""
    rng = np.random.default_rng(seed)
    n = 200
    frame = pd.DataFrame({"rank": rng.integers(0, 3, n), "days": rng.integers(0, 5, n).astype(float),
                          "client_id": [f"C{i:03d}" for i in rng.integers(0, 50, n)], "other": rng.random(n)},
                         index=rng.permutation(n * 2)[:n])
    frame.loc[frame.index[::7], "days"] = np.nan
    monkeypatch.setattr(ui.layout, "TABLE_ROWS", 30)
    by, ascending = ["rank", "days", "client_id"], [True, False, True]
    assert first_rows(frame, by, ascending).equals(frame.sort_values(by, ascending=ascending).head(30))
    assert first_rows(frame).equals(frame.head(30))


def test_a_scope_is_keyed_by_a_digest_of_its_clinicians_in_order():
    a, b = ScopeIds(("T1", "T2")), ScopeIds(("T1", "T3"))
    assert a.digest != b.digest and a.digest != ScopeIds(("T2", "T1")).digest
    assert a.digest == scope_ids(["T1", "T2"]).digest and scope_ids(a) is a
    assert ScopeIds(("T1T2",)).digest != a.digest  # the ids are separated, not run together
    assert a == ("T1", "T2")  # still the tuple every query takes


def test_the_data_cache_tells_scopes_apart_by_their_digest():
    calls = []

    @_cached(ttl=60, show_spinner=False)
    def rows(scope: tuple[str, ...]) -> list[str]:
        calls.append(scope)
        return list(scope)

    st.cache_data.clear()
    assert rows(ScopeIds(("T1", "T2"))) == ["T1", "T2"]
    assert rows(ScopeIds(("T1", "T3"))) == ["T1", "T3"]
    assert rows(ScopeIds(("T1", "T2"))) == ["T1", "T2"] and len(calls) == 2  # the second read is the cache's
