"""Worker of ``python -m pipelines bench pages``: every page of one role through AppTest, cold and warm.

Run as ``python -m ui.page_bench DB USERNAME REPEAT`` (``pipelines.bench.pages`` starts
it in a fresh process per role, so ``pipelines`` never imports Streamlit). The
user is signed in the way the app does it - a server-side session in app state
and the user in the tab's session - then each page file is run:

Pages run inside ``app.py`` (its navigation, sidebar and idle timer), as in the browser.

- **cold**: Streamlit's data cache cleared first (the first view after a new
  data version, or after the cache's time-to-live);
- **warm**: the same page run again ``REPEAT`` times (a rerun: a click, a
  filter change that hits the cache), median reported.

Prints one JSON line: per page cold and warm seconds, and the process's peak memory.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

PAGES = {
    "manager": ["caseload", "client", "flags", "homework", "wins", "consultation", "workload", "data_status",
                "meeting", "audit_log"],
    "supervisor": ["caseload", "client", "flags", "homework", "wins", "consultation", "workload", "data_status",
                   "meeting"],
}


def main(db: str, username: str, repeat: int) -> dict:
    os.environ["MOMENTUM_DB"] = db
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from pipelines.appstate import auth_sessions
    from pipelines.appstate.db import AppState
    from pipelines.appstate.users import get_user
    from pipelines.bench.common import peak_rss_mb
    from pipelines.settings import REPO_ROOT, paths
    from ui.auth import SESSION_ID_KEY, SESSION_KEY

    state = AppState(paths().app_db)
    user = get_user(state, username)
    if user is None:
        raise SystemExit(f"no user {username!r} in {state.where}")
    session_id = auth_sessions.start(state, username, None)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    at.session_state[SESSION_KEY] = user
    at.session_state[SESSION_ID_KEY] = session_id
    at.run()  # signs in the tab as the app does: navigation for the role, the default page
    results = {}
    for page in PAGES[user.role]:
        st.cache_data.clear()
        start = time.perf_counter()
        at.switch_page(str(REPO_ROOT / "pages" / f"{page}.py")).run()
        cold = time.perf_counter() - start
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].message}")
        warm = []
        for _ in range(repeat):
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
        results[page] = {"cold_s": round(cold, 3), "warm_s": round(statistics.median(warm), 3),
                         "warm_runs_s": [round(w, 3) for w in warm]}
    return {"username": username, "role": user.role, "pages": results, "peak_rss_mb": round(peak_rss_mb(), 1)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
    sys.stdout.flush()
    os._exit(0)  # AppTest leaves script threads behind; the figures are out
