"""Writes app state in a loop - wins, reactions, flag reviews, logins, audit
entries - and acknowledges each write on a file once the call has returned
(what the user would see as "saved"). The fault campaign SIGKILLs it at random
moments and then checks every acknowledged write is there, with its audit entry.

    python -m tests.fuzz.app_writer APP_DB ACK_FILE SEED
"""

from __future__ import annotations

import os
import random
import sys
from datetime import date
from pathlib import Path

from pipelines.appstate import audit, auth_sessions, flag_reviews, wins
from pipelines.appstate.db import AppState


def main(app_db: str, ack_file: str, seed: int) -> None:
    state = AppState(Path(app_db))
    rng = random.Random(seed)
    fd = os.open(ack_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    i = 0
    while True:
        i += 1
        kind = rng.choice(["win", "reaction", "review", "login", "audit"])
        if kind == "win":
            ref = wins.post(state, username="writer", clinician_id="T1", category="team",
                            text=f"Team win number {seed}-{i}")
        elif kind == "reaction":
            ref = f"app-{seed}-{rng.randrange(5)}"
            on = wins.toggle_celebrate(state, ref, f"user{seed}")
            ref = f"{ref}:{f'user{seed}'}:{int(on)}"
        elif kind == "review":
            ref = str(flag_reviews.record(state, client_id=f"C{i}", flag="NO_RECENT_SESSION",
                                          flag_since=date(2026, 1, 1), action="resolve",
                                          reviewed_by="writer", note=f"note {seed}-{i}"))
        elif kind == "login":
            ref = auth_sessions.start(state, "writer", None, role="clinician")
        else:
            ref = str(audit.record(state, "writer", "view", page="caseload", n=i, seed=seed))
        os.write(fd, f"{kind} {ref}\n".encode())
        os.fsync(fd)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
