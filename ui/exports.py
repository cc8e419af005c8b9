"""Exports (agenda, wins board, rejected rows) bound to the signed-in session that made them.

How Streamlit serves a download: ``st.download_button`` puts the file in the
runtime's in-memory media storage (``streamlit/runtime/memory_media_file_storage.py``)
and the browser fetches it from ``/media/<id>``, a route that sees no cookie and
no session (``create_media_routes`` in ``streamlit/web/server/starlette``): anyone
holding the URL gets the file until Streamlit's orphan sweep drops it, and the
fetch is not audited. So Momentum:

- **makes an export only on a click, for a live session.** The button is given a
  callable (a deferred download): Streamlit runs it over the tab's own WebSocket
  session when the button is pressed. It checks the tab's server-side sign-in
  session first and makes nothing for an ended one; the ``export`` audit entry
  is written then.
- **serves it briefly, to a live session.** Momentum wraps the media storage's
  ``load_and_get_id`` and ``get_file`` (one process, installed at start): a file
  an export made is tied to its sign-in session and served only while that
  session is live, each fetch audited (``export_fetched``), at most
  ``FETCHES_ALLOWED`` times within ``FETCH_WINDOW_S`` of being made - Streamlit's
  frontend fetches a download twice, a check and the download itself - and is
  then deleted. A later fetch, or one after sign-out or a timeout, gets 404 and
  is audited (``export_refused``, with the reason): the ids of exports that are
  gone are kept for ``GONE_KEPT_S`` (at most ``GONE_KEPT_MAX`` of them) for that.
  A downloadable file no export made is never served.
- **forgets them at sign-out**: every export file of the user still unfetched is
  deleted from the storage.

This uses two attributes Streamlit does not document (``media_file_mgr._storage``
and its methods); ``tests/test_exports.py`` and the browser test
``test_an_export_url_fetched_without_a_session_gets_nothing`` fail if they change.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipelines import clock
from pipelines.appstate import audit
from pipelines.appstate import auth_sessions as sessions
from pipelines.appstate.db import AppState


@dataclass
class Owner:
    username: str
    auth_session: str
    detail: dict[str, Any] = field(default_factory=dict)
    made_at: float = 0.0
    fetches: int = 0


_lock = threading.Lock()
_pending: dict[tuple[str, str], Owner] = {}  # (SHA-256 of the bytes, file name) -> owner, until stored
_files: dict[str, Owner] = {}  # media file id -> owner, until fetched or forgotten
_gone: dict[str, tuple[Owner, str, float]] = {}  # media file id -> (owner, why it went, when), for the audit
WRAPPED = "_momentum_exports_wrapped"  # set on a storage once wrapped (an id() of a storage can be reused)
PENDING_TTL_S = 60.0
FETCHES_ALLOWED = 2  # Streamlit's frontend: a check fetch, then the download
FETCH_WINDOW_S = 30.0
GONE_KEPT_S = 24 * 3600.0
GONE_KEPT_MAX = 10_000


class ExportRefused(RuntimeError):
    """No export for a session that has ended."""


def _went(file_id: str, owner: Owner, why: str, now: float) -> None:
    """Remember (under _lock) that an export is gone, so a later fetch of its URL is audited. Entries
    stay in the order they went (dicts keep insertion order), so the oldest are dropped from the front."""
    _gone.pop(file_id, None)
    _gone[file_id] = (owner, why, now)
    while len(_gone) > GONE_KEPT_MAX or now - next(iter(_gone.values()))[2] > GONE_KEPT_S:
        del _gone[next(iter(_gone))]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _storage() -> Any | None:
    from streamlit import runtime

    if not runtime.exists():
        return None
    return getattr(runtime.get_instance().media_file_mgr, "_storage", None)


def install(state: AppState, storage: Any | None = None) -> bool:
    """Wrap the media storage of this process (once). False when there is none (AppTest, bare mode)."""
    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

    storage = storage if storage is not None else _storage()
    if storage is None or not hasattr(storage, "get_file") or not hasattr(storage, "load_and_get_id"):
        return False
    with _lock:
        if getattr(storage, WRAPPED, False):
            return True
        setattr(storage, WRAPPED, True)
    load_and_get_id, get_file, get_url = storage.load_and_get_id, storage.get_file, storage.get_url
    building_url = threading.local()  # get_url reads the file to name its URL: not a fetch

    def tied_load_and_get_id(path_or_data, mimetype, kind, filename=None):
        file_id = load_and_get_id(path_or_data, mimetype, kind, filename)
        if kind == MediaFileKind.DOWNLOADABLE and isinstance(path_or_data, bytes | bytearray):
            with _lock:
                owner = _pending.pop((_digest(bytes(path_or_data)), filename or ""), None)
                if owner is not None:
                    owner.made_at = clock.epoch()
                    _files[file_id] = owner
                    _gone.pop(file_id, None)  # the same bytes made again (a second click): a new export
        return file_id

    def url_of(file_id):
        building_url.on = True
        try:
            return get_url(file_id)
        finally:
            building_url.on = False

    def refuse(owner: Owner, why: str) -> None:
        """A fetch refused (404), audited under the export's owner with the reason."""
        audit.record(state, owner.username, "export_refused", reason=why, **owner.detail)
        raise MediaFileStorageError(f"this export is not served ({why})")

    def refuse_if_gone(file_id: str) -> None:
        with _lock:
            gone = None if file_id in _files else _gone.get(file_id)
        if gone is not None:
            refuse(gone[0], gone[1])

    def served_once(requested):
        if getattr(building_url, "on", False):
            return get_file(requested)
        file_id = os.path.splitext(requested)[0]  # the route asks for "<id>.csv"
        refuse_if_gone(file_id)
        try:
            media = get_file(requested)  # raises MediaFileStorageError (404) when there is none
        except MediaFileStorageError:
            refuse_if_gone(file_id)  # deleted since the look above (a sign-out): still audited
            raise
        if media.kind != MediaFileKind.DOWNLOADABLE:
            return media
        now = clock.epoch()
        with _lock:
            for stale in [fid for fid, o in _files.items() if now - o.made_at > FETCH_WINDOW_S and fid != file_id]:
                _went(stale, _files.pop(stale), "expired", now)
                storage.delete_file(stale)
            owner = _files.get(file_id)
            if owner is not None:
                owner.fetches += 1
                if owner.fetches >= FETCHES_ALLOWED or now - owner.made_at > FETCH_WINDOW_S:
                    del _files[file_id]
                    _went(file_id, owner, "already fetched" if owner.fetches >= FETCHES_ALLOWED else "expired", now)
            if owner is None or file_id not in _files:
                storage.delete_file(file_id)
        if owner is None:
            refuse_if_gone(file_id)
            raise MediaFileStorageError("not an export of a signed-in session")
        if now - owner.made_at > FETCH_WINDOW_S:
            refuse(owner, "expired")
        check = sessions.check(state, owner.auth_session)
        if not check.valid:
            with _lock:
                _files.pop(file_id, None)
                _went(file_id, owner, f"session {check.reason}", now)
            storage.delete_file(file_id)
            refuse(owner, f"session {check.reason}")
        audit.record(state, owner.username, "export_fetched", **owner.detail)
        return media

    storage.load_and_get_id = tied_load_and_get_id
    storage.get_file = served_once
    storage.get_url = url_of
    return True


def tie(data: bytes, file_name: str, owner: Owner) -> None:
    """The bytes an export just made belong to ``owner`` (matched when Streamlit stores them)."""
    now = clock.epoch()
    with _lock:
        for key in [k for k, o in _pending.items() if now - o.made_at > PENDING_TTL_S]:
            del _pending[key]
        _pending[(_digest(data), file_name)] = owner


def forget_user(username: str, storage: Any | None = None) -> int:
    """Sign-out: delete every export of ``username`` not fetched yet. Returns how many."""
    storage = storage if storage is not None else _storage()
    now = clock.epoch()
    with _lock:
        ids = [fid for fid, o in _files.items() if o.username == username]
        for fid in ids:
            _went(fid, _files.pop(fid), "signed out", now)
        for key in [k for k, o in _pending.items() if o.username == username]:
            del _pending[key]
    if storage is not None:
        for fid in ids:
            storage.delete_file(fid)
    return len(ids)


def maker(state: AppState, username: str, auth_session: str | None, make: Callable[[], str | bytes],
          file_name: str, detail: dict[str, Any]) -> Callable[[], bytes]:
    """The callable a download button runs on a click: checks the session, makes, ties and audits."""

    def generate() -> bytes:
        check = sessions.check(state, auth_session)
        if not check.valid:
            raise ExportRefused("the session has ended; sign in again")
        body = make()
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        tie(data, file_name, Owner(username, str(auth_session), detail, clock.epoch()))
        audit.record(state, username, "export", **detail)
        return data

    return generate


