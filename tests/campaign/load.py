"""Load test: N concurrent browser sessions on one Momentum server, with a CLI ingest mid-run.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python -m tests.campaign.load \\
        [--sessions 5 10 15 25] [--duration-s 60] [--json OUT.json] [--screenshot shot.png]

What it does
------------
0. Copies the code into a temporary folder first (``--code worktree``, the
   default: the checkout's files as they are now, tracked and untracked but not
   ignored; ``--code head``: ``git archive HEAD``). The server, the demo build,
   the sample generator and the ingest all run from that copy, so edits made
   to the checkout during the run (Streamlit re-executes app.py and the pages
   on every rerun) cannot change the code under test half-way.
1. Builds a fresh demo database in the temporary folder
   (``pipelines.demo.ensure_demo_database(paths(folder / "momentum.duckdb"))``)
   and starts ONE Streamlit server on it as tests/test_browser.py ``_start``
   does (``streamlit run app.py`` with ``MOMENTUM_DB`` pointing at it).
2. For each level N in ``--sessions``, one after the other on the same server:
   opens N browser contexts in one headless Chromium (Debian's
   ``/usr/bin/chromium`` through Playwright's async API, the launch arguments
   of tests/test_browser.py). Session i signs in as manager / supervisor /
   clinician in rotation, then clicks through every page in its role's
   sidebar, round and round, for ``--duration-s`` seconds (``--think-s``
   pause between clicks).
3. Once every session of the level has signed in (plus 2 s; at the latest
   ``--nav-timeout-s`` + 60 s after the level started), runs a real
   ``python -m pipelines ingest <export> --db <the same database>`` in a
   subprocess. The export is regenerated before each level with
   ``python -m pipelines sample --seed 11+level --as-of 2026-11-22`` (a new
   seed per level, so every level's ingest really loads rows).

Accounts: the demo accounts only work while the imported data is the sample
practice; any ingest of other files ends demo mode and, by design, signs
every demo session out. So by default (``--accounts twin``) the harness adds
three ordinary accounts, ``load-manager``, ``load-supervisor`` and
``load-clinician``, with the role and clinician scope of the three demo
accounts, and signs in with those. ``--accounts demo`` signs in as the demo
accounts themselves (expect every session to be signed out once the first
ingest publishes, and later levels unable to sign in).

What it measures, per level
---------------------------
- first render: ``page.goto(url)`` until the sign-in form is usable (the
  Username field is visible and the script run has finished); and, within
  it, until ``page.goto`` returns (the page's load event: HTML and scripts);
- sign-in: clicking "Sign in" until the first page (Caseload momentum) has
  rendered (as for a navigation, below), and until its script has finished;
- sign-in cookie: after the first page, how long until the sign-in cookie
  (``momentum_auth``) arrives. The session waits for it, up to
  ``--cookie-wait-s`` (30 s), before clicking, as tests/test_browser.py does;
  a cookie that never comes is counted and reported, not a failure (the
  session still works; a page reload would need a new sign-in);
- navigation (a Streamlit rerun): clicking a sidebar link until the page has
  rendered: its main heading is visible, the app's script state is
  ``notRunning``, the "Running..." status widget
  ``[data-testid=stStatusWidget]`` has gone (it fades out over 200 ms) and no
  grey placeholder ``[data-testid=stSkeleton]`` is left in the main area
  (Streamlit shows one for each lazily loaded element until the browser has
  drawn it; under load that takes seconds after the script has finished).
  Charts may still be painting their canvas after that. The JSON also keeps
  click -> script finished and click -> status widget gone;
- p50/p95/max of each; navigations while the ingest ran separately; per page;
- failed sessions with their reason: any exception, a wait longer than
  ``--nav-timeout-s`` (120 s), a Streamlit exception box
  ``[data-testid=stException]``, an error box, or a sign-out / "not signed
  in" text on screen. Such a screen fails the session as soon as it shows
  instead of the awaited page. A failed session stops; what was on its screen
  is added to the reason. Navigations slower than 60 s are counted too
  (``slow_navs_over_60s``) without failing the session;
- the server's memory (VmRSS from /proc/<pid>/status, server plus
  descendants) sampled every 0.5 s: before the level, peak during, and after
  (5 s after the level's sessions closed);
- the server's health endpoint (``/_stcore/health``) latency, probed every
  0.5 s: whether the server's event loop stays responsive;
- CPU seconds during the level by kind: server, browser (Chromium and
  Playwright's driver), ingest, harness, and other (the rest of the host's
  busy time: processes this harness did not start); the host's busy share;
- the ingest's exit code, duration and start time within the level.

Before the first level one warm-up sign-in takes the server's cold start
(first script run, imports, first queries), so it does not inflate the
smallest level, which is the baseline of the degradation point. If the
warm-up fails, the run stops there with what was on screen.

At the end it prints a table per level, a summary across levels, the
degradation point (the first level whose p95 navigation time exceeds twice
the p95 at the smallest level, or at which any session failed, whichever
comes first) and the error lines of the server's log.

Note: Chromium runs on the same machine as the server. At high session
counts the browser competes with the server for the CPU (on a 2-core machine
it uses most of it); the CPU seconds by kind show how much.
``--nice-browser 10`` lowers the browser's priority, so the server gets the
CPU first: the figures then lean towards what the server itself can do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# As in tests/test_browser.py (copied, so the harness does not import a test
# module - nor the project's code, which runs from the snapshot only).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# sidebar link title -> the page's main heading (st.header); see ui/navigation.py and pages/
PAGE_HEADINGS = {
    "Caseload momentum": "Caseload momentum",
    "Client view": "Client view",
    "Stalled-progress flags": "Stalled-progress flags",
    "Homework": "Homework",
    "Wins board": "Wins board",
    "Peer consultation": "Peer consultation",
    "Workload": "Workload and burnout signals",
    "Data status": "Data status",
    "Meeting mode": "Meeting mode",
    "Audit log": "Audit log",
    "Supervision prep": "Supervision prep",
    "Wellbeing pulse": "Wellbeing pulse",
    "Clinician outcomes": "Clinician outcomes",
    "Definitions": "Definitions",
}
FIRST_PAGE = "Caseload momentum"
TWIN_PASSWORD = "Load-test-7xq-password"
SIGNED_OUT_TEXTS = [
    "You are not signed in",
    "Your session has ended",
    "You were signed out",
    "Sign in again",
    "Momentum cannot open its data",
    "This page is not available for your role",
]
SLOW_S = 60.0
AS_OF = "2026-11-22"

# One round trip after every render: an exception box, an error box, a sign-out text.
SCREEN_CHECK_JS = """
(texts) => {
  const exc = document.querySelector('[data-testid="stException"]');
  if (exc) return 'Streamlit exception box: ' + exc.innerText.slice(0, 1500);
  const err = document.querySelector('[data-testid="stAlertContentError"]');
  if (err) return 'error box: ' + err.innerText.slice(0, 1500);
  const body = document.body.innerText;
  for (const t of texts) if (body.includes(t)) return 'on screen: ' + t;
  if (document.querySelector('input[aria-label="Username"]')) return 'the sign-in form is showing';
  return null;
}
"""

# Run with the snapshot's Python path: the demo database and the accounts.
SETUP_SNIPPET = """
import json, sys
from pathlib import Path
from pipelines.demo import DEMO_ACCOUNTS, ensure_demo_database
from pipelines.settings import paths
from pipelines.appstate.db import AppState
from pipelines.appstate.users import DEMO_PASSWORD, add_user, list_users

db, kind, password = paths(Path(sys.argv[1])), sys.argv[2], sys.argv[3]
ensure_demo_database(db)
if kind == "demo":
    accounts = [(name, DEMO_PASSWORD) for name in DEMO_ACCOUNTS]
else:
    state = AppState(db.app_db)
    demo_users = {u.username: u for u in list_users(state)}
    accounts = []
    for name in DEMO_ACCOUNTS:
        source = demo_users[name]
        add_user(state, "load-" + name, "Load test " + name, source.role, password, source.clinician_id)
        accounts.append(("load-" + name, password))
print(json.dumps(accounts))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- figures -------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values) if values else None,
    }


@dataclass
class Nav:
    session: int
    username: str
    page: str
    seconds: float  # click -> rendered: all of below, and no element placeholder left
    script_done_s: float  # click -> heading visible and script finished
    status_gone_s: float  # ... and the "Running..." status widget gone
    start: float  # seconds since the level started
    end: float
    during_ingest: bool = False


@dataclass
class Session:
    index: int
    username: str
    goto_s: float | None = None  # page.goto returned (the page's load event)
    first_render_s: float | None = None
    sign_in_script_s: float | None = None  # submit -> first page's script finished
    sign_in_s: float | None = None  # submit -> first page rendered
    cookie_s: float | None = None
    pages: list[str] = field(default_factory=list)
    navs: list[Nav] = field(default_factory=list)
    failure: str | None = None


# -- processes -------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, in kB."""
    total = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def _host_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def _ticks_and_comm(pid: int) -> tuple[int, str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            head, tail = fh.read().rsplit(")", 1)
        fields = tail.split()
        return int(fields[11]) + int(fields[12]), head.split("(", 1)[1]  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _renice(pid: int, nice: int) -> None:
    """Set the niceness of every thread of ``pid`` (Linux niceness is per thread)."""
    try:
        for tid in map(int, os.listdir(f"/proc/{pid}/task")):
            if os.getpriority(os.PRIO_PROCESS, tid) != nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:
        pass


class Monitor(threading.Thread):
    """Every ``interval`` seconds: the server's RSS (plus descendants), and the CPU
    time of every process under this harness, by kind.

    With ``browser_nice``, it also gives every browser thread that niceness.

    Kinds: ``server`` (the Streamlit process tree), ``browser`` (Chromium and
    Playwright's driver), ``ingest`` (other children: the CLI ingest),
    ``harness`` (this process). (Each level also reports ``other``: the host's
    busy time not spent by any of these - other work on the machine.) A process's CPU time is kept after it exits
    (its last sample), so short-lived Chromium renderers are counted too.
    """

    def __init__(self, server_pid: int | list[int], interval: float = 0.5, browser_nice: int = 0):
        super().__init__(daemon=True, name="monitor")
        # one server, or several (replicas: their RSS is summed, their CPU is all "server")
        self.server_pids = [server_pid] if isinstance(server_pid, int) else list(server_pid)
        self.interval, self.browser_nice = interval, browser_nice
        self.samples: list[tuple[float, int]] = []
        self._first: dict[int, int] = {}
        self._last: dict[int, tuple[int, str]] = {}
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._sample_cpu(baseline=True)

    def _kind(self, pid: int, comm: str, server: set[int]) -> str:
        if pid in server:
            return "server"
        if pid == os.getpid():
            return "harness"
        if comm.startswith(("chrom", "node", "headless")):
            return "browser"
        return "ingest"

    def _sample_cpu(self, baseline: bool = False) -> None:
        server = {pid for root in self.server_pids for pid in _descendants(root)}
        with self._lock:
            for pid in _descendants(os.getpid()):
                got = _ticks_and_comm(pid)
                if got is None:
                    continue
                ticks, comm = got
                if pid not in self._first:
                    self._first[pid] = ticks if baseline else 0
                kind = self._kind(pid, comm, server)
                self._last[pid] = (ticks, kind)
                if kind == "browser" and self.browser_nice:
                    _renice(pid, self.browser_nice)

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds by kind since the monitor was created (take differences)."""
        self._sample_cpu()
        hz = os.sysconf("SC_CLK_TCK")
        totals = {"server": 0.0, "browser": 0.0, "ingest": 0.0, "harness": 0.0}
        with self._lock:
            for pid, (ticks, kind) in self._last.items():
                totals[kind] += (ticks - self._first[pid]) / hz
        return totals

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append((time.monotonic(), sum(_rss_kb(pid) for pid in self.server_pids)))
            self._sample_cpu()
            time.sleep(self.interval)  # not Event.wait(interval): see HealthProbe.run

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def peak_kb(self, start: float, end: float) -> int | None:
        window = [kb for t, kb in self.samples if start <= t <= end]
        return max(window) if window else None


class HealthProbe(threading.Thread):
    """GET /_stcore/health every ``interval`` seconds; latency, or None on failure."""

    def __init__(self, url: str, interval: float = 0.5, timeout: float = 10):
        super().__init__(daemon=True, name="health-probe")
        self.url, self.interval, self.timeout = f"{url}/_stcore/health", interval, timeout
        self.samples: list[tuple[float, float | None]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            t = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=self.timeout) as resp:
                    resp.read()
                    latency = time.monotonic() - t if resp.status == 200 else None
            except OSError:
                latency = None
            self.samples.append((t, latency))
            # a sleep, not self._stop_event.wait(self.interval): under Debian's faketime (make test run on
            # another date) a wait that times out takes its deadline from the faked monotonic clock and waits
            # on the real one, so it never returns; stop() then waits at most one interval
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=15)

    def window(self, start: float, end: float) -> dict:
        """Latency figures of the probes in [start, end]; ``max_at_s``: when the
        slowest probe started, in seconds after ``start``."""
        got = [(t, lat) for t, lat in self.samples if start <= t <= end]
        ok = [(t, lat) for t, lat in got if lat is not None]
        slowest = max(ok, key=lambda p: p[1], default=None)
        return stats([lat for _, lat in ok]) | {
            "failed": sum(lat is None for _, lat in got),
            "max_at_s": slowest[0] - start if slowest else None}


# -- setup -------------------------------------------------------------------------


def _env(code: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), **extra}


def snapshot_code(dest: Path, mode: str) -> None:
    """Copy the code under test to ``dest`` (read-only git commands only)."""
    dest.mkdir(parents=True)
    if mode == "head":
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        return
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the checkout is skipped
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def build_database(code: Path, db: Path, accounts: str) -> list[tuple[str, str]]:
    """The demo database, and the (username, password) pairs of the sign-in rotation."""
    out = subprocess.run(
        [sys.executable, "-c", SETUP_SNIPPET, str(db), accounts, TWIN_PASSWORD],
        cwd=code, env=_env(code, MOMENTUM_DB=str(db)), check=True, capture_output=True, text=True,
    )
    return [tuple(pair) for pair in json.loads(out.stdout.strip().splitlines()[-1])]


def start_server(code: Path, db: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """One Streamlit server on ``db``, started as tests/test_browser.py ``_start`` does."""
    port = _free_port()
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=code, env=_env(code, MOMENTUM_DB=str(db)), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("streamlit did not start: " + log_path.read_text(errors="replace")[-2000:])


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and any children
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def generate_export(code: Path, out: Path, seed: int, as_of: str = AS_OF, sessions: int | None = None) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "pipelines", "sample", "--out", str(out), "--seed", str(seed),
         "--as-of", as_of, *(["--sessions", str(sessions)] if sessions else [])],
        cwd=code, env=_env(code), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


ANSI = re.compile(r"\x1b\[[0-9;]*m")
ERROR_LINE = re.compile(r"^\s*(Traceback|[\w.]*(Error|Exception|Warning)\b|WARNING|CRITICAL)")


def server_errors(log_path: Path) -> list[tuple[int, str]]:
    """Distinct error-looking lines of the server's log, with their counts."""
    try:
        text = ANSI.sub("", log_path.read_text(errors="replace"))
    except OSError:
        return []
    lines = [" ".join(line.strip(" │─").split()) for line in text.splitlines()]
    counts = Counter(line for line in lines if line and ERROR_LINE.search(line))
    return [(n, line) for line, n in counts.most_common()]


# -- one browser session -------------------------------------------------------------


class ScreenError(Exception):
    """Something on screen that a user would see as a failure."""


def _left_ms(deadline: float) -> float:
    return max(1.0, (deadline - time.monotonic()) * 1000)


def _trouble(page, signing_in: bool):
    """What shows instead of a page when something went wrong: an exception or
    error box, a sign-out text, or (after sign-in) the sign-in form."""
    boxes = "[data-testid='stException'], [data-testid='stAlertContentError']"
    if not signing_in:  # while signing in, the form is still on screen
        boxes += ", input[aria-label='Username']"
    texts = re.compile("|".join(re.escape(t) for t in SIGNED_OUT_TEXTS))
    return page.locator(boxes).or_(page.get_by_text(texts))


class WaitTimeout(Exception):
    """A page did not get to a stage of rendering within the time allowed."""


async def _wait(locator, state: str, deadline: float, what: str) -> float:
    """``locator.wait_for``, naming what it waited for if it times out; returns the time it ended."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await locator.wait_for(state=state, timeout=_left_ms(deadline))
    except PlaywrightTimeout:
        raise WaitTimeout(f"timed out waiting for {what}") from None
    return time.monotonic()


async def wait_rendered(page, heading: str, deadline: float,
                        signing_in: bool = False) -> tuple[float, float, float]:
    """Wait until ``heading`` shows in the main area and the script run is over.

    Fails at once (ScreenError) if an error or a sign-out shows instead.
    Returns the monotonic times (script finished, status widget gone, no
    placeholder left: every element drawn).
    """
    wanted = page.locator("[data-testid='stMain']").get_by_role("heading", name=heading, exact=True)
    await _wait(wanted.or_(_trouble(page, signing_in)).first, "visible", deadline,
                f"the heading {heading!r}")
    if not await wanted.first.is_visible():
        problem = await page.evaluate(SCREEN_CHECK_JS, SIGNED_OUT_TEXTS)
        raise ScreenError(problem or f"an error or sign-out showed instead of {heading!r}")
    script_done = await _wait(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']"),
                              "attached", deadline, "the script run to finish")
    status_gone = await _wait(page.locator("[data-testid='stStatusWidget']"), "detached", deadline,
                              "the status widget to go")
    # lazily loaded elements show a grey placeholder until the browser has drawn them
    drawn = await _wait(page.locator("[data-testid='stMain'] [data-testid='stSkeleton']").first,
                        "detached", deadline, "the element placeholders to be drawn")
    return script_done, status_gone, drawn


async def check_screen(page) -> None:
    problem = await page.evaluate(SCREEN_CHECK_JS, SIGNED_OUT_TEXTS)
    if problem:
        raise ScreenError(problem)


async def screen_after_failure(page) -> str | None:
    """What a failed session's screen shows: an exception box, an error, a sign-out."""
    if page is None:
        return None
    try:
        return await asyncio.wait_for(page.evaluate(SCREEN_CHECK_JS, SIGNED_OUT_TEXTS), 15)
    except Exception:  # the page may be gone or frozen
        return None


async def sidebar_pages(page) -> list[str]:
    nav = page.locator("[data-testid='stSidebarNav']")
    return [title for title in PAGE_HEADINGS
            if await nav.get_by_role("link", name=title, exact=True).count()]


async def wait_for_cookie(context, page, deadline: float) -> bool:
    """The sign-in cookie component reports back once and reruns the page; a
    navigation clicked before that can be undone (see tests/test_browser.py)."""
    while time.monotonic() < deadline:
        if any(c["name"] == "momentum_auth" for c in await context.cookies()):
            await page.wait_for_timeout(1500)
            return True
        await page.wait_for_timeout(250)
    return False


async def open_sign_in(page, url: str, timeout: float) -> tuple[float, float]:
    """(goto returned, sign-in form usable), in seconds from ``page.goto``."""
    t = time.monotonic()
    await page.goto(url, timeout=timeout * 1000)
    loaded = time.monotonic() - t
    deadline = t + timeout
    await _wait(page.get_by_label("Username"), "visible", deadline, "the sign-in form")
    done = await _wait(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']"),
                       "attached", deadline, "the sign-in page's script run to finish")
    return loaded, done - t


async def submit_sign_in(page, username: str, password: str, timeout: float) -> tuple[float, float]:
    """Seconds from clicking "Sign in" until the first page's script has finished,
    and until the page has rendered."""
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password", exact=True).fill(password)
    t = time.monotonic()
    await page.get_by_role("button", name="Sign in").click(timeout=timeout * 1000)
    done, _, drawn = await wait_rendered(page, FIRST_PAGE, t + timeout, signing_in=True)
    return done - t, drawn - t


class Level:
    """Shared state of one level: its clock, the sign-in count, the ingest window, the screenshot."""

    def __init__(self, n: int, args: argparse.Namespace, shot: Path | None):
        self.n, self.args, self.shot = n, args, shot
        self.t0 = time.monotonic()
        self.signed_in = 0
        self.all_signed_in = asyncio.Event()
        self.ingest_start: float | None = None
        self.ingest_end: float | None = None

    def rel(self, t: float) -> float:
        return t - self.t0

    def done_signing_in(self) -> None:
        self.signed_in += 1
        if self.signed_in >= self.n:
            self.all_signed_in.set()

    def ingest_running(self) -> bool:
        return self.ingest_start is not None and self.ingest_end is None


async def run_session(browser, url: str, index: int, account: tuple[str, str], level: Level) -> Session:
    args = level.args
    username, password = account
    result = Session(index=index, username=username)
    timeout = args.nav_timeout_s
    counted = False
    stage, page = "open", None
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        stage = "first render"
        result.goto_s, result.first_render_s = await open_sign_in(page, url, timeout)
        stage = "sign-in"
        result.sign_in_script_s, result.sign_in_s = await submit_sign_in(page, username, password, timeout)
        await check_screen(page)

        stage = "sign-in cookie"
        t = time.monotonic()
        if await wait_for_cookie(context, page, t + args.cookie_wait_s):
            result.cookie_s = time.monotonic() - t
            # the cookie component's report reruns the page: let that run finish
            await wait_rendered(page, FIRST_PAGE, time.monotonic() + timeout)
        result.pages = await sidebar_pages(page)
        level.done_signing_in()
        counted = True
        if not result.pages:
            raise ScreenError("no known page links in the sidebar")

        stop_at = time.monotonic() + args.duration_s
        current, k = FIRST_PAGE, index
        while time.monotonic() < stop_at:
            k += 1
            title = result.pages[k % len(result.pages)]
            if title == current:
                continue
            stage = f"navigation to {title!r}"
            link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True)
            t = time.monotonic()
            await link.click(timeout=timeout * 1000)
            done, gone, drawn = await wait_rendered(page, PAGE_HEADINGS[title], t + timeout)
            result.navs.append(Nav(index, username, title, drawn - t, done - t, gone - t,
                                   level.rel(t), level.rel(drawn)))
            current = title
            await check_screen(page)
            if level.shot is not None and index == 0 and level.ingest_running():
                await page.screenshot(path=str(level.shot))
                level.shot = None
            if args.think_s:
                await page.wait_for_timeout(args.think_s * 1000)
        if level.shot is not None and index == 0:
            await page.screenshot(path=str(level.shot))
            level.shot = None
    except Exception as exc:  # any failure ends the session; keep the reason
        text = str(exc).strip()
        if isinstance(exc, ScreenError):
            result.failure = f"{stage}: {text[:1500]}"
        else:
            result.failure = f"{stage}: {type(exc).__name__}: {text.splitlines()[0] if text else ''}"
            seen = await screen_after_failure(page)
            if seen:
                result.failure += f" [screen: {seen[:1500]}]"
        if level.shot is not None and index == 0 and page is not None:
            try:  # what the failed session's screen shows, then
                await asyncio.wait_for(page.screenshot(path=str(level.shot)), 30)
                level.shot = None
            except Exception:
                pass
    finally:
        if not counted:
            level.done_signing_in()
        try:
            await context.close()
        except Exception:  # the browser may already be gone
            pass
    return result


async def run_ingest(code: Path, export: Path, db: Path, level: Level) -> dict:
    """The CLI ingest, started once every session has signed in (plus 2 s), or
    when that takes longer than ``--nav-timeout-s`` + 60 s."""
    try:
        await asyncio.wait_for(level.all_signed_in.wait(), timeout=level.args.nav_timeout_s + 60)
    except TimeoutError:
        pass
    await asyncio.sleep(2)
    level.ingest_start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pipelines", "ingest", str(export), "--db", str(db), "--quiet",
        cwd=code, env=_env(code), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        _out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        level.ingest_end = time.monotonic()
    return {
        "exit_code": proc.returncode,
        "seconds": level.ingest_end - level.ingest_start,
        "started_at_s": level.rel(level.ingest_start),
        "stderr_tail": err.decode(errors="replace")[-1500:],
    }


# -- levels ----------------------------------------------------------------------------


@dataclass
class Setup:
    code: Path
    folder: Path
    db: Path
    url: str
    server: subprocess.Popen
    accounts: list[tuple[str, str]]
    monitor: Monitor
    probe: HealthProbe
    # replicas behind a proxy (ws_load --replicas): every server, and a route cookie value for each
    servers: list[subprocess.Popen] | None = None
    routes: list[str] | None = None


async def run_level(browser, setup: Setup, n: int, export: Path, args, shot: Path | None) -> dict:
    monitor, pid = setup.monitor, setup.server.pid
    rss_before = _rss_kb(pid)
    cpu_before, host_before = monitor.cpu_s(), _host_cpu()
    level = Level(n, args, shot)
    ingest_task = asyncio.create_task(run_ingest(setup.code, export, setup.db, level))
    sessions = await asyncio.gather(*(
        run_session(browser, setup.url, i, setup.accounts[i % len(setup.accounts)], level)
        for i in range(n)))
    sessions_closed = time.monotonic()
    ingest = await ingest_task
    level_end = time.monotonic()
    cpu_after, host_after = monitor.cpu_s(), _host_cpu()
    cpu_s = {kind: cpu_after[kind] - cpu_before[kind] for kind in cpu_after}
    host_busy_s = (host_after[0] - host_before[0]) / os.sysconf("SC_CLK_TCK")
    cpu_s["other"] = max(0.0, host_busy_s - sum(cpu_s.values()))  # processes not started here
    await asyncio.sleep(5)
    rss_after = _rss_kb(pid)

    navs = [nav for s in sessions for nav in s.navs]
    i0, i1 = ingest["started_at_s"], ingest["started_at_s"] + ingest["seconds"]
    for nav in navs:
        nav.during_ingest = nav.start < i1 and nav.end > i0
    elapsed = level_end - level.t0
    busy, total = host_after[0] - host_before[0], host_after[1] - host_before[1]
    return {
        "sessions": n,
        "elapsed_s": elapsed,
        "cookie_wait_s": args.cookie_wait_s,
        "first_render": stats([s.first_render_s for s in sessions if s.first_render_s is not None]),
        "goto": stats([s.goto_s for s in sessions if s.goto_s is not None]),
        "sign_in": stats([s.sign_in_s for s in sessions if s.sign_in_s is not None]),
        "sign_in_script_done": stats([s.sign_in_script_s for s in sessions if s.sign_in_script_s is not None]),
        "navigation": stats([nav.seconds for nav in navs]),
        "navigation_script_done": stats([nav.script_done_s for nav in navs]),
        "navigation_status_gone": stats([nav.status_gone_s for nav in navs]),
        "navigation_during_ingest": stats([nav.seconds for nav in navs if nav.during_ingest]),
        "navigation_outside_ingest": stats([nav.seconds for nav in navs if not nav.during_ingest]),
        "navigation_by_page": {
            title: stats([nav.seconds for nav in navs if nav.page == title])
            for title in PAGE_HEADINGS if any(nav.page == title for nav in navs)},
        "cookie": stats([s.cookie_s for s in sessions if s.cookie_s is not None]),
        "cookie_missing": sum(s.sign_in_s is not None and s.cookie_s is None for s in sessions),
        "navigations": len(navs),
        "slow_navs_over_60s": sum(nav.seconds > SLOW_S for nav in navs),
        "failed_sessions": sum(s.failure is not None for s in sessions),
        "failures": [{"session": s.index, "username": s.username, "reason": s.failure}
                     for s in sessions if s.failure],
        "rss_mb": {
            "before": rss_before / 1024,
            "peak": (monitor.peak_kb(level.t0, sessions_closed) or 0) / 1024,
            "after": rss_after / 1024,
        },
        "health_probe": setup.probe.window(level.t0, sessions_closed),
        "cpu_seconds": cpu_s,
        "server_cpu_pct_of_one_core": 100 * cpu_s["server"] / elapsed if elapsed else None,
        "host_cpu_busy_pct": 100 * busy / total if total else None,
        "ingest": ingest,
        "session_details": [
            {k: v for k, v in asdict(s).items() if k != "navs"} | {"navigations": len(s.navs)}
            for s in sessions
        ],
        "navs": [asdict(nav) for nav in navs],
    }


async def warm_up(browser, setup: Setup, timeout: float) -> dict:
    """One sign-in before the first level, so the smallest level (the baseline) does
    not pay for the server's cold start (first script run, imports, first queries)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = None
    try:
        page = await context.new_page()
        _, first = await open_sign_in(page, setup.url, timeout)
        _, signed = await submit_sign_in(page, *setup.accounts[0], timeout)
        await check_screen(page)
        return {"first_render_s": first, "sign_in_s": signed}
    except Exception as exc:
        seen = await screen_after_failure(page)
        raise RuntimeError(f"the warm-up sign-in failed: {type(exc).__name__}: "
                           f"{str(exc).strip()[:500]} [screen: {seen}]") from exc
    finally:
        await context.close()


async def run_all(setup: Setup, args) -> tuple[dict, list[dict]]:
    from playwright.async_api import async_playwright

    results = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            warm = await warm_up(browser, setup, args.nav_timeout_s)
            print(f"warm-up (cold server): first render {warm['first_render_s']:.2f} s, "
                  f"sign-in {warm['sign_in_s']:.2f} s", flush=True)
            await asyncio.sleep(args.pause_s)
            for number, n in enumerate(args.sessions):
                seed = args.ingest_seed + number
                export = setup.folder / f"export-{number}"
                gen_s = generate_export(setup.code, export, seed)
                print(f"\n== level {n} sessions: export seed {seed} generated in {gen_s:.1f} s; "
                      f"running for {args.duration_s:g} s per session ...", flush=True)
                shot = args.screenshot if number == len(args.sessions) - 1 else None
                result = await run_level(browser, setup, n, export, args, shot)
                result["export_seed"] = seed
                results.append(result)
                print(format_level(result), flush=True)
                if setup.server.poll() is not None:
                    raise RuntimeError(f"the Streamlit server exited with code {setup.server.returncode}")
                await asyncio.sleep(args.pause_s)
        finally:
            await browser.close()
    return warm, results


# -- report -----------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _row(label: str, st: dict) -> str:
    return f"  {label:<34}{st['n']:>6}{_s(st['p50']):>10}{_s(st['p95']):>10}{_s(st['max']):>10}"


def format_level(r: dict) -> str:
    ok = r["sessions"] - r["failed_sessions"]
    rss, ing, probe, cpu = r["rss_mb"], r["ingest"], r["health_probe"], r["cpu_seconds"]
    lines = [
        f"Level {r['sessions']} sessions - {ok}/{r['sessions']} ok, {r['navigations']} navigations, "
        f"{r['elapsed_s']:.0f} s",
        f"  {'':<34}{'n':>6}{'p50':>10}{'p95':>10}{'max':>10}",
        _row("first render (goto -> form)", r["first_render"]),
        _row("  of which page load (goto)", r["goto"]),
        _row("sign-in (submit -> first page)", r["sign_in"]),
        _row("  submit -> script finished", r["sign_in_script_done"]),
        _row("sign-in cookie (after first page)", r["cookie"]),
        _row("navigation (click -> rendered)", r["navigation"]),
        _row("  click -> script finished", r["navigation_script_done"]),
        _row("  while the ingest ran", r["navigation_during_ingest"]),
        _row("  outside the ingest", r["navigation_outside_ingest"]),
        *(_row(f"  page: {title}", st) for title, st in r["navigation_by_page"].items()),
        _row("server health probe", probe),
        f"  server RSS: before {rss['before']:.0f} MB, peak {rss['peak']:.0f} MB, after {rss['after']:.0f} MB",
        f"  CPU: server {r['server_cpu_pct_of_one_core']:.0f}% of one core; host busy "
        f"{r['host_cpu_busy_pct']:.0f}% of {os.cpu_count()} cores; CPU seconds: "
        + ", ".join(f"{kind} {sec:.0f}" for kind, sec in cpu.items()),
        f"  ingest: exit {ing['exit_code']} in {ing['seconds']:.1f} s "
        f"(started {ing['started_at_s']:.1f} s into the level)",
        f"  slowest health probe {_s(probe['max'])} at {probe['max_at_s'] or 0:.0f} s into the level",
        f"  navigations over {SLOW_S:.0f} s: {r['slow_navs_over_60s']}; health probes failed: "
        f"{probe['failed']}; sign-in cookie not set within {r['cookie_wait_s']:g} s: {r['cookie_missing']}",
    ]
    if ing["exit_code"] != 0:
        lines.append("  ingest stderr: " + ing["stderr_tail"].strip().replace("\n", "\n    "))
    lines.append(f"  failed sessions: {r['failed_sessions']}")
    for f in r["failures"]:
        lines.append(f"    #{f['session']} {f['username']}: {f['reason']}")
    return "\n".join(lines)


def format_summary(results: list[dict]) -> str:
    lines = [f"{'sessions':>8} {'ok':>4} {'fail':>4} {'navs':>5} {'first p95':>9} {'signin p95':>10} "
             f"{'nav p50':>8} {'nav p95':>8} {'nav max':>8}  {'RSS MB before/peak/after':<24} ingest"]
    for r in results:
        rss, ing, nav = r["rss_mb"], r["ingest"], r["navigation"]
        memory = f"{rss['before']:.0f}/{rss['peak']:.0f}/{rss['after']:.0f}"
        lines.append(
            f"{r['sessions']:>8} {r['sessions'] - r['failed_sessions']:>4} {r['failed_sessions']:>4} "
            f"{r['navigations']:>5} {_s(r['first_render']['p95']):>9} {_s(r['sign_in']['p95']):>10} "
            f"{_s(nav['p50']):>8} {_s(nav['p95']):>8} {_s(nav['max']):>8}  {memory:<24} "
            f"exit {ing['exit_code']}, {ing['seconds']:.1f}s")
    return "\n".join(lines)


def degradation_point(results: list[dict]) -> dict:
    ordered = sorted(results, key=lambda r: r["sessions"])
    if not ordered:
        return {"level": None, "criterion": "no levels ran"}
    base = ordered[0]["navigation"]["p95"]
    for r in ordered:
        if r["failed_sessions"]:
            return {"level": r["sessions"], "criterion":
                    f"{r['failed_sessions']} of {r['sessions']} sessions failed"}
        p95 = r["navigation"]["p95"]
        if base is not None and p95 is not None and p95 > 2 * base:
            return {"level": r["sessions"], "criterion":
                    f"p95 navigation {p95:.2f} s > 2 x {base:.2f} s (p95 at {ordered[0]['sessions']} sessions)"}
    return {"level": None, "criterion":
            f"none up to {ordered[-1]['sessions']} sessions (no failures; p95 navigation stayed within "
            f"2 x {_s(base)})"}


# -- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.campaign.load", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, nargs="+", default=[5, 10, 15, 25],
                   help="concurrent browser sessions per level (default 5 10 15 25)")
    p.add_argument("--duration-s", type=float, default=60, help="seconds each session clicks through pages")
    p.add_argument("--think-s", type=float, default=0.5, help="pause between clicks (default 0.5)")
    p.add_argument("--nav-timeout-s", type=float, default=120,
                   help="longest wait for a page; longer counts as a failure (default 120)")
    p.add_argument("--cookie-wait-s", type=float, default=30,
                   help="how long a session waits for its sign-in cookie before it starts clicking "
                        "(a missing cookie is reported, not a failure; default 30)")
    p.add_argument("--pause-s", type=float, default=5, help="pause between levels")
    p.add_argument("--accounts", choices=["twin", "demo"], default="twin",
                   help="twin (default): non-demo copies of the demo accounts, which survive the "
                        "ingest; demo: the demo accounts (signed out once the ingest ends demo mode)")
    p.add_argument("--code", choices=["worktree", "head"], default="worktree",
                   help="the code under test, copied at the start: the checkout's files (default) "
                        "or the last commit")
    p.add_argument("--nice-browser", type=int, default=0, metavar="N",
                   help="run Chromium and Playwright's driver at niceness N (e.g. 10), so that the "
                        "server gets the CPU first when it needs it (default 0: equal priority)")
    p.add_argument("--ingest-seed", type=int, default=11, help="sample seed of the first level's export")
    p.add_argument("--json", type=Path, help="write every figure here")
    p.add_argument("--screenshot", type=Path,
                   help="a screenshot of session 0's page mid-load in the last level (during the "
                        "ingest if it can; if the session fails, of its screen then)")
    args = p.parse_args(argv)
    if any(n < 1 for n in args.sessions):
        p.error("--sessions must be positive")
    return args


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def host_busy_now(seconds: float = 3) -> float:
    """The host's CPU busy share over a few seconds, in percent."""
    before = _host_cpu()
    time.sleep(seconds)
    after = _host_cpu()
    return 100 * (after[0] - before[0]) / max(1, after[1] - before[1])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if CHROMIUM is None:
        print("error: no Chromium installed (apt-get install chromium)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)  # so the finally blocks below run
    started = time.monotonic()
    print(f"host CPU busy before the run: {host_busy_now():.0f}% of {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="momentum-load-") as tmp:
        folder = Path(tmp)
        code = folder / "code"
        snapshot_code(code, args.code)
        db = folder / "momentum.duckdb"
        print(f"code ({args.code}) copied to {code}; building the demo database ...", flush=True)
        accounts = build_database(code, db, args.accounts)
        log_path = folder / "streamlit.log"
        server, url = start_server(code, db, log_path)
        monitor = Monitor(server.pid, browser_nice=args.nice_browser)
        setup = Setup(code, folder, db, url, server, accounts, monitor, HealthProbe(url))
        print(f"server pid {server.pid} at {url}; accounts {', '.join(a for a, _ in accounts)}", flush=True)
        try:
            setup.monitor.start()
            setup.probe.start()
            warm, results = asyncio.run(run_all(setup, args))
        finally:
            setup.probe.stop()
            setup.monitor.stop()
            stop_server(server)
            errors = server_errors(log_path)
            if errors:
                print(f"\nserver log: {sum(n for n, _ in errors)} error-looking lines, distinct:")
                for n, line in errors[:20]:
                    print(f"  {n:>4} x {line[:300]}")
            else:
                print("\nserver log: no error-looking lines")

    point = degradation_point(results)
    print("\n== summary (navigation = click on a sidebar link -> page rendered)")
    print(format_summary(results))
    where = f"at {point['level']} sessions" if point["level"] is not None else "not reached"
    print(f"\ndegradation point: {where} - {point['criterion']}")
    print(f"total run time {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "cpu_count": os.cpu_count(),
            "warm_up": warm,
            "levels": results,
            "degradation_point": point,
            "server_log_errors": [{"count": n, "line": line} for n, line in errors],
        }, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
