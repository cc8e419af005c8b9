"""Sign-in refusals take the same time and say the same thing (design §7).

    python -m tests.campaign.auth_timing [--tries 40] [--json OUT]

Runs the real sign-in form through Streamlit's AppTest on a fresh demo database
and times the server's whole run after "Sign in" is pressed, interleaving the
kinds of refusal: an unknown username, a wrong password for a real account, a
locked account and a disabled account. Prints each kind's median and its
difference from the wrong-password median; the goal is under 20 ms, with the
same message every time. Failures are cleared between wrong-password tries so
the account does not lock (the locked kind locks its own account on purpose).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

GOAL_MS = 20.0
KINDS = ("wrong password", "unknown user", "locked account", "disabled account")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=40)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="momentum-auth-timing-"))
    os.environ["MOMENTUM_DB"] = str(folder / "momentum.duckdb")
    from streamlit.testing.v1 import AppTest

    from pipelines.appstate import auth_sessions
    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import add_user, set_active
    from pipelines.demo import ensure_demo_database
    from pipelines.settings import REPO_ROOT, paths
    from ui.auth import FAILED_MESSAGE

    db = paths()
    ensure_demo_database(db)
    state = AppState(db.app_db)
    for name in ("locked", "disabled"):
        add_user(state, name, name.title(), "manager", f"{name} account password 123")
    set_active(state, "disabled", False)
    for _ in range(5):
        auth_sessions.record_failure(state, "locked")
    attempts = {
        "wrong password": ("clinician", "not the right password"),
        "unknown user": ("nobody-here", "not the right password"),
        "locked account": ("locked", "locked account password 123"),
        "disabled account": ("disabled", "disabled account password 123"),
    }
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    messages: dict[str, set[str]] = {k: set() for k in KINDS}
    rng = random.Random(7)
    app = str(REPO_ROOT / "app.py")
    for _ in range(args.tries):
        order = list(KINDS)
        rng.shuffle(order)
        for kind in order:
            username, password = attempts[kind]
            at = AppTest.from_file(app, default_timeout=60).run()
            at.text_input[0].input(username)
            at.text_input[1].input(password)
            button = at.button[0].click()
            t0 = time.perf_counter()
            at = button.run()
            times[kind].append((time.perf_counter() - t0) * 1000)
            messages[kind].update(e.value for e in at.error)
            if kind == "wrong password":
                con = sqlite3.connect(db.app_db)
                con.execute("DELETE FROM login_failures WHERE username = 'clinician'")
                con.commit()
                con.close()
    base = statistics.median(times["wrong password"])
    rows = []
    print(f"sign-in refusals, {args.tries} tries each, interleaved (AppTest, server run after 'Sign in')")
    print(f"  {'kind':18} {'median ms':>10} {'p90 ms':>8} {'diff ms':>8}  message")
    for kind in KINDS:
        med = statistics.median(times[kind])
        p90 = statistics.quantiles(times[kind], n=10)[-1]
        msg = " | ".join(sorted(messages[kind]))
        rows.append({"kind": kind, "median_ms": round(med, 1), "p90_ms": round(p90, 1),
                     "diff_ms": round(med - base, 1), "messages": sorted(messages[kind])})
        print(f"  {kind:18} {med:10.1f} {p90:8.1f} {med - base:+8.1f}  {msg}")
    same_message = all(m == {FAILED_MESSAGE} for m in messages.values())
    worst = max(abs(r["diff_ms"]) for r in rows)
    ok = same_message and worst < GOAL_MS
    print(f"same message every time: {same_message}; largest median difference {worst:.1f} ms "
          f"(goal < {GOAL_MS:.0f} ms): {'met' if ok else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"tries": args.tries, "kinds": rows, "met": ok}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
