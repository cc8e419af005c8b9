"""The data page's upload: every uploaded file reaches the ingest, whatever its name.

Two files with the same name in one upload both load (neither overwrites the
other), and a file name longer than the file system allows still loads under a
shortened name, shown to the manager as uploaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.ingest.load import ingest
from tests.conftest import BASE, query


@dataclass
class Uploaded:  # what st.file_uploader hands over: a name and the bytes
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


HEADER = "session_id,client_id,clinician_id,start,duration_min,status,session_type,modality,note_signed_at\n"


def test_two_files_with_the_same_name_are_both_saved_and_loaded(db, tmp_path):
    from ui.views.data_status import save_uploads

    ingest([BASE], db, audit=False)
    first = Uploaded("sessions.csv", (HEADER + "S901,C1,T2,2026-03-02 10:00,50,attended,,,\n").encode())
    second = Uploaded("sessions.csv", (HEADER + "S902,C1,T2,2026-03-03 10:00,50,attended,,,\n").encode())
    saved = save_uploads([first, second], tmp_path)
    assert [name for _path, name in saved] == ["sessions.csv", "sessions.csv"]
    assert len({path for path, _name in saved}) == 2
    assert [path.read_bytes() for path, _name in saved] == [first.data, second.data]
    result = ingest([path for path, _name in saved], db, audit=False)
    assert [f.status for f in result.files] == ["loaded", "loaded"]
    assert query(db, "SELECT session_id FROM sessions WHERE session_id IN ('S901', 'S902') ORDER BY 1") == [
        ("S901",), ("S902",)]


def test_a_300_character_file_name_loads_under_a_shortened_name(db, tmp_path):
    from ui.views.data_status import save_uploads

    ingest([BASE], db, audit=False)
    long_name = "sessions-" + "é" * 291 + ".csv"  # 300 characters, 591 bytes in UTF-8
    ((path, shown),) = save_uploads([Uploaded(long_name, (HEADER + "S903,C1,T2,2026-03-04 10:00,50,attended,,,\n")
                                              .encode())], tmp_path)
    assert shown == long_name and path.suffix == ".csv" and len(path.name.encode()) <= 255
    (res,) = ingest([path], db, audit=False).files
    assert res.status == "loaded"


def test_an_uploaded_name_is_never_a_path(tmp_path):
    from ui.views.data_status import save_uploads

    ((path, shown),) = save_uploads([Uploaded("../../etc/passwd.csv", b"x")], tmp_path)
    assert path.resolve().is_relative_to(tmp_path.resolve()) and path.name == "passwd.csv"
    assert shown == "../../etc/passwd.csv"
