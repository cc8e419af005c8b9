"""Process-wide resources (st.cache_resource): file paths, the snapshot reader, app state.

On first use with no database, the demo practice is built from sample_data/
(design §6), so `make run` shows data on a fresh clone.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st

from pipelines import demo
from pipelines.appstate import audit
from pipelines.appstate.db import AppState
from pipelines.appstate.secrets_file import WeakSecretError, ensure_cookie_key
from pipelines.appstate.users import list_users
from pipelines.settings import Paths, paths
from pipelines.store import DataStore, SnapshotReader, StoreError
from ui.exports import install
from ui.plain_text import plain_md


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
    state = AppState(p.app_db)
    list_users(state)  # a damaged app-state file stops the start with a clear message
    install(state)  # exports: served briefly, to their live session, audited (ui/exports.py)
    return Runtime(paths=p, reader=SnapshotReader(DataStore(p)), state=state, cookie_key=key)


# Streamlit settings docs/security.md promises; the app refuses to run without them,
# whether they were weakened in a config file, a STREAMLIT_* variable or a flag.
REQUIRED_SETTINGS = {
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "client.showErrorDetails": "none",
    "browser.gatherUsageStats": False,
    "client.disableDataExport": True,
}


def weakened_settings() -> list[str]:
    from streamlit import config

    return [f"{k} = {config.get_option(k)!r} (needs {v!r})" for k, v in REQUIRED_SETTINGS.items()
            if config.get_option(k) != v]


def get_runtime() -> Runtime:
    """The shared runtime, or a clear message and a stop when it cannot start."""
    weakened = weakened_settings()
    if weakened:
        st.error("Momentum will not run with weakened Streamlit security settings: " + "; ".join(weakened)
                 + ". See .streamlit/config.toml and docs/security.md.")
        st.stop()
    try:
        return _runtime(paths().data_db.as_posix())
    except WeakSecretError as exc:
        st.error(f"Momentum will not start with a weak sign-in key: {plain_md(exc)}")
    except (StoreError, sqlite3.DatabaseError) as exc:
        st.error(f"Momentum cannot open its data: {plain_md(exc)}")
    st.stop()
    raise AssertionError("unreachable")


AUDIT_UNAVAILABLE = (
    "Momentum cannot write to its audit log or app state right now, so it shows no client data "
    "until it can. Tell your administrator: the disk may be full or the app-state file damaged."
)
APP_STATE_ERRORS = (sqlite3.Error, StoreError, OSError)


def _refuse_to_show() -> None:
    st.error(AUDIT_UNAVAILABLE, icon=":material/gpp_bad:")
    st.stop()


def audited(actor: str, action: str, **detail) -> None:
    """Write an audit entry, or stop the page: nothing is shown that was not audited."""
    try:
        audit.record(get_runtime().state, actor, action, **detail)
    except APP_STATE_ERRORS:
        _refuse_to_show()


@contextlib.contextmanager
def app_state_guard() -> Iterator[None]:
    """Around a run (app.py) and around each page's access check (require_user): a
    database that cannot be used - a failed app-state write, a full disk, a damaged
    file - ends the run with one clear message instead of an error box."""
    try:
        yield
    except StoreError as exc:
        st.error(f"Momentum cannot use its data right now: {plain_md(exc)}", icon=":material/error:")
        st.stop()
    except APP_STATE_ERRORS:
        _refuse_to_show()
