"""Exports are made on a click for a live session, served briefly (at most two fetches) to that session, audited, and gone at sign-out.

Runs Momentum's wrapper (ui/exports.py) on Streamlit's own in-memory media storage,
the object the /media/<id> route reads (the browser test fetches a real URL).
"""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from pipelines.appstate import audit
from pipelines.appstate import auth_sessions as sessions
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user
from ui import exports


@pytest.fixture
def setup(tmp_path):
    state = AppState(tmp_path / "a.app.sqlite")
    add_user(state, "sam", "Sam", "supervisor", "a-long-password", clinician_id="T2")
    storage = MemoryMediaFileStorage("/media")
    exports._files.clear()  # the registry is per process
    exports._pending.clear()
    exports._gone.clear()
    assert exports.install(state, storage)
    return state, storage, sessions.start(state, "sam", None)


def _store(storage, data: bytes, name: str) -> str:
    """What Streamlit does with a deferred download's bytes after the callable returns them: store them and
    build the URL (which reads the file once); the browser then asks the route for "<id>.csv"."""
    file_id = storage.load_and_get_id(data, "text/csv", MediaFileKind.DOWNLOADABLE, name)
    url = storage.get_url(file_id)
    assert url.startswith("/media/") and url.endswith(".csv")
    return url.removeprefix("/media/")


def _actions(state) -> list[str]:
    return [e["action"] for e in audit.recent(state, 20)]


def test_an_export_is_served_twice_at_most_to_its_live_session_and_audited(setup):
    state, storage, sid = setup
    data = exports.maker(state, "sam", sid, lambda: "a,b\r\n", "agenda.csv", {"what": "supervision_agenda"})()
    assert data == b"a,b\r\n" and _actions(state)[0] == "export"
    file_id = _store(storage, data, "agenda.csv")
    for _ in range(exports.FETCHES_ALLOWED):  # Streamlit's frontend fetches twice: a check, the download
        assert storage.get_file(file_id).content == data
    assert _actions(state)[:2] == ["export_fetched", "export_fetched"]
    with pytest.raises(MediaFileStorageError):  # one more fetch of the same URL: gone
        storage.get_file(file_id)


def test_an_export_not_fetched_in_time_expires(setup, monkeypatch):
    state, storage, sid = setup
    data = exports.maker(state, "sam", sid, lambda: "late\r\n", "agenda.csv", {"what": "supervision_agenda"})()
    file_id = _store(storage, data, "agenda.csv")
    later = exports.clock.epoch() + exports.FETCH_WINDOW_S + 1
    monkeypatch.setattr(exports.clock, "epoch", lambda: later)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(file_id)
    assert _actions(state)[0] == "export_refused"


def test_an_export_url_fetched_after_the_session_ended_gets_nothing_and_is_audited(setup):
    state, storage, sid = setup
    data = exports.maker(state, "sam", sid, lambda: "x\r\n", "wins.csv", {"what": "wins_board"})()
    file_id = _store(storage, data, "wins.csv")
    sessions.end(state, sid, "logout")
    with pytest.raises(MediaFileStorageError):
        storage.get_file(file_id)
    assert _actions(state)[0] == "export_refused"


def test_no_export_is_made_for_an_ended_session(setup):
    state, _storage, sid = setup
    sessions.end(state, sid, "idle")
    with pytest.raises(exports.ExportRefused):
        exports.maker(state, "sam", sid, lambda: "x", "wins.csv", {})()
    assert "export" not in _actions(state)


def test_sign_out_deletes_the_users_unfetched_exports(setup):
    state, storage, sid = setup
    data = exports.maker(state, "sam", sid, lambda: "y\r\n", "rejected.csv", {"what": "rejected_rows"})()
    file_id = _store(storage, data, "rejected.csv")
    assert exports.forget_user("sam", storage) == 1
    with pytest.raises(MediaFileStorageError):
        storage.get_file(file_id)
    # the probe's case: the URL fetched after sign-out is refused and audited, under the export's owner
    entry = audit.recent(state, 1)[0]
    assert (entry["action"], entry["actor"]) == ("export_refused", "sam") and "signed out" in str(entry["detail"])


def test_a_fetch_after_the_allowed_ones_is_refused_and_audited(setup):
    state, storage, sid = setup
    data = exports.maker(state, "sam", sid, lambda: "z\r\n", "agenda.csv", {"what": "supervision_agenda"})()
    file_id = _store(storage, data, "agenda.csv")
    for _ in range(exports.FETCHES_ALLOWED):
        storage.get_file(file_id)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(file_id)
    entry = audit.recent(state, 1)[0]
    assert entry["action"] == "export_refused" and "already fetched" in str(entry["detail"])


def test_the_same_export_made_again_is_served_again(setup):
    """A second click on the same download makes the same bytes, which Streamlit stores under the same id:
    the new export is served, not refused as the first one already fetched."""
    state, storage, sid = setup
    make = exports.maker(state, "sam", sid, lambda: "same\r\n", "agenda.csv", {"what": "supervision_agenda"})
    for _ in range(2):
        file_id = _store(storage, make(), "agenda.csv")
        for _ in range(exports.FETCHES_ALLOWED):
            assert storage.get_file(file_id).content == b"same\r\n"
    assert "export_refused" not in _actions(state)


def test_the_record_of_gone_exports_is_bounded(setup, monkeypatch):
    monkeypatch.setattr(exports, "GONE_KEPT_MAX", 3)
    owner = exports.Owner("sam", "s", {}, 0.0)
    with exports._lock:
        for i in range(5):
            exports._went(f"f{i}", owner, "signed out", 100.0 + i)
        assert list(exports._gone) == ["f2", "f3", "f4"]  # the oldest went first
        exports._went("f5", owner, "signed out", 100.0 + exports.GONE_KEPT_S + 4.5)
        assert list(exports._gone) == ["f5"]  # and none older than GONE_KEPT_S stays


def test_a_download_no_export_made_is_never_served(setup):
    _state, storage, _sid = setup
    file_id = _store(storage, b"made elsewhere", "other.csv")
    with pytest.raises(MediaFileStorageError):
        storage.get_file(file_id)
    image = storage.load_and_get_id(b"\x89PNG", "image/png", MediaFileKind.MEDIA, None)
    assert storage.get_file(image).content == b"\x89PNG"  # media (images) are not exports
