"""Process-wide resources (st.cache_resource): file paths, the snapshot reader, app state.

On first use with no database, the demo practice is built from sample_data/
(design §6), so `make run` shows data on a fresh clone.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from pipelines import demo
from pipelines.secrets_file import WeakSecretError, ensure_cookie_key
from pipelines.settings import Paths, paths
from pipelines.store import AppState, DataStore, SnapshotReader, StoreError


@dataclass
class Runtime:
    paths: Paths
    reader: SnapshotReader
    state: AppState
    cookie_key: str

    def is_demo(self) -> bool:
        return demo.is_demo(self.reader)


@st.cache_resource(show_spinner="Preparing the practice data (first start only)…")
def _runtime(data_db: str) -> Runtime:
    """``data_db`` is the cache key: another MOMENTUM_DB gets its own runtime."""
    p = paths()
    demo.ensure_demo_database(p)
    key = ensure_cookie_key(p.secrets)
    return Runtime(paths=p, reader=SnapshotReader(DataStore(p)), state=AppState(p.app_db), cookie_key=key)


def get_runtime() -> Runtime:
    """The shared runtime, or a clear message and a stop when it cannot start."""
    try:
        return _runtime(paths().data_db.as_posix())
    except WeakSecretError as exc:
        st.error(f"Momentum will not start with a weak sign-in key: {exc}")
    except StoreError as exc:
        st.error(f"Momentum cannot open its data: {exc}")
    st.stop()
    raise AssertionError("unreachable")
