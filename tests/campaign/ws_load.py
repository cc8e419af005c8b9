"""Load measured at the server: N signed-in sessions without a browser, through a meeting, during an ingest.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python -m tests.campaign.ws_load \\
        [--sessions 25 50] [--duration-s 60] [--browsers 5] [--replicas] [--json OUT.json]

Each session is a websocket speaking Streamlit's own protocol
(tests/campaign/ws_client.py): the messages a browser tab sends, without the
browser. So the figures are the server's, not those of browsers competing with
it for the same two cores (tests/campaign/load.py measures with real browsers;
at 25 of them the browsers took most of the CPU).

What it does
------------
Setup as tests/campaign/load.py: the code copied to a temporary folder, a fresh
demo database, three ordinary accounts with the demo accounts' roles and scopes
(``load-manager``, ``load-supervisor``, ``load-clinician``: they survive an
ingest of other data, where demo accounts are signed out by design), and ONE
Streamlit server. One warm-up session takes the cold start. Then, per level N
in ``--sessions``:

- N sessions open within ``--ramp-s`` (people arriving for a meeting), each
  signs in (manager, supervisor, clinician in rotation), then goes round the
  meeting script until ``--duration-s`` is up: open the wins board, celebrate
  the first win (a reaction written to app state; the next round takes it
  back), open the caseload, open the client view, pick a client. Between steps
  a pause of ``--think-s`` (a random 50-150 % of it), in which the idle
  check's timed fragment runs when due, as in a browser;
- once every session has signed in (plus 2 s) a real
  ``python -m pipelines ingest`` of a newly generated export (last day: today)
  runs against the same database, so a new snapshot is published mid-meeting;
- a step's time runs from sending the click to the end of the script's last
  run (``script_finished``): the server's whole answer. A step fails on a
  Streamlit exception, an error box, a sign-out text, the sign-in form, a
  missing heading, a closed connection or no answer within
  ``--step-timeout-s``; a failed session stops there.

Reported per level: p50/p95/max of sign-in and of every step (all, by step,
during the ingest and outside it), failures with their reason, the server's
memory (VmRSS of the server and its children: before, peak, after) and CPU,
the health endpoint's latency, and whether the target holds: no failure and
p95 page time at most ``--target-p95-s`` (3 s).

``--replicas`` runs the same through TWO servers behind Debian's nginx with
the repository's configuration, on one PostgreSQL app state that the run starts
itself (tests/campaign/replicas.py, tests/pg_server.py; docs/scaling.md, "Two
replicas"): the accounts are made in PostgreSQL, session i gets the route
cookie of replica i mod 2, and memory and CPU are the two servers' together.

``--browsers N`` (e.g. 5) then runs N real Chromium sessions and N websocket
sessions at the same time on the same server, both going round every page of
their role's sidebar (tests/campaign/load.py's browser session, with its one
ingest), and prints each page's p50 both ways: the browser's "click -> script
finished" against the client's step time. That shows whether the client's
page times are a browser's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines import clock
from tests.campaign import load
from tests.campaign.ws_client import ProtocolError, Screen, StreamlitSession, chosen, click, typed

SIGNED_OUT_TEXTS = load.SIGNED_OUT_TEXTS
# the meeting: (step name, sidebar page or None, what is done there)
MEETING = ("wins board", "celebrate", "caseload", "client view", "pick a client")
HEADINGS = load.PAGE_HEADINGS


@dataclass
class Step:
    session: int
    username: str
    step: str
    seconds: float
    start: float  # seconds since the level started
    end: float
    during_ingest: bool = False


@dataclass
class WsSession:
    index: int
    username: str
    connect_s: float | None = None
    sign_in_s: float | None = None
    steps: list[Step] = field(default_factory=list)
    fragment_runs: int = 0
    celebrated: list[dict] = field(default_factory=list)  # each Celebrate click: the win, the button before/after
    failure: str | None = None
    bytes_in: int = 0


class StepFailed(Exception):
    pass


def export_day() -> str:
    """The last day of the exports loaded mid-run: today (the clock's), so that once the ingest has
    ended demo mode the wins board's week, which then follows the clock, still has wins to celebrate."""
    return clock.today().isoformat()


def check(screen: Screen, heading: str | None = None) -> None:
    """Raise StepFailed for anything a user would see as a failure."""
    if screen.exceptions:
        raise StepFailed("Streamlit exception: " + screen.exceptions[0][:500])
    if screen.errors:
        raise StepFailed("error box: " + screen.errors[0][:500])
    for text in SIGNED_OUT_TEXTS:
        if screen.shows(text):
            raise StepFailed("on screen: " + text)
    if screen.widget("text_input", "Username") is not None:
        raise StepFailed("the sign-in form is showing")
    if heading is not None and heading not in screen.texts:
        raise StepFailed(f"no heading {heading!r}; first texts: {screen.texts[:4]}")


async def sign_in(s: StreamlitSession, username: str, password: str) -> Screen:
    screen = s.screen
    fields = screen.widget("text_input", "Username"), screen.widget("text_input", "Password")
    button = screen.widget("button", "Sign in")
    if None in (*fields, button):
        raise StepFailed(f"no sign-in form; first texts: {screen.texts[:4]}")
    screen = await s.run([typed(fields[0], username), typed(fields[1], password), click(button)])
    check(screen, "Caseload momentum")
    return screen


def win_of(button) -> str:
    """The win a Celebrate button reacts to: its key ``celebrate_<win id>`` ends the widget id."""
    return button.id.rsplit("-celebrate_", 1)[-1]


async def meeting_step(s: StreamlitSession, step: str, rng: random.Random, result: WsSession) -> Screen:
    """One step of the meeting script, checked."""
    if step == "wins board":
        screen = await s.run(page="Wins board")
        check(screen, "Wins board")
    elif step == "celebrate":
        button = s.screen.widget("button", "Celebrate", starts=True)
        if button is None:
            raise StepFailed("no win to celebrate on the wins board")
        screen = await s.run([click(button)])
        check(screen, "Wins board")
        after = screen.widget_by_id(button.id)
        result.celebrated.append({"win_id": win_of(button), "before": button.style,
                                  "after": after.style if after else None})
    elif step == "caseload":
        screen = await s.run(page="Caseload momentum")
        check(screen, "Caseload momentum")
    elif step == "client view":
        screen = await s.run(page="Client view")
        check(screen, "Client view")
    elif step == "pick a client":
        picker = s.screen.widget("selectbox", "Client")
        if picker is None or not picker.options:
            raise StepFailed("no client to pick in the client view")
        screen = await s.run([chosen(picker, rng.choice(picker.options))])
        check(screen, "Client view")
    else:
        raise ValueError(step)
    return screen


async def page_step(s: StreamlitSession, title: str) -> Screen:
    screen = await s.run(page=title)
    check(screen, HEADINGS.get(title, title))
    return screen


async def think(s: StreamlitSession, result: WsSession, seconds: float, rng: random.Random) -> None:
    """The pause between steps; the timed fragment runs in it when due."""
    end = time.monotonic() + seconds * rng.uniform(0.5, 1.5)
    while time.monotonic() < end:
        if await s.tick():
            result.fragment_runs += 1
        await asyncio.sleep(min(0.5, max(0.0, end - time.monotonic())))


async def run_session(url: str, index: int, account: tuple[str, str], level: load.Level, script: str,
                      cookies: dict[str, str] | None = None) -> WsSession:
    args = level.args
    username, password = account
    result = WsSession(index=index, username=username)
    rng = random.Random(index)
    counted = False
    await asyncio.sleep(rng.uniform(0, args.ramp_s))
    stage = "connect"
    s = StreamlitSession(url, timeout_s=args.step_timeout_s, cookies=cookies)
    try:
        t = time.monotonic()
        await s.connect()
        result.connect_s = time.monotonic() - t
        stage = "sign in"
        t = time.monotonic()
        await sign_in(s, username, password)
        result.sign_in_s = time.monotonic() - t
        level.done_signing_in()
        counted = True
        steps = MEETING if script == "meeting" else [p for p in s.pages if p in HEADINGS]
        end = level.t0 + args.ramp_s + args.duration_s
        i = 0
        while time.monotonic() < end:
            await think(s, result, args.think_s, rng)
            step = steps[i % len(steps)]
            stage = step
            t0 = time.monotonic()
            if script == "meeting":
                await meeting_step(s, step, rng, result)
            else:
                await page_step(s, step)
            t1 = time.monotonic()
            result.steps.append(Step(index, username, step, t1 - t0, level.rel(t0), level.rel(t1)))
            i += 1
    except (StepFailed, ProtocolError, OSError) as exc:
        result.failure = f"{stage}: {type(exc).__name__}: {str(exc)[:600]}"
    finally:
        result.bytes_in = s.bytes_in
        if not counted:
            level.done_signing_in()
        await s.close()
    return result


def summarise(n: int, sessions: list[WsSession], ingest: dict, extra: dict, target_p95_s: float) -> dict:
    steps = [st for s in sessions for st in s.steps]
    i0, i1 = ingest["started_at_s"], ingest["started_at_s"] + ingest["seconds"]
    for st in steps:
        st.during_ingest = st.start < i1 and st.end > i0
    page = load.stats([st.seconds for st in steps])
    failed = sum(s.failure is not None for s in sessions)
    return {
        "sessions": n,
        "connect": load.stats([s.connect_s for s in sessions if s.connect_s is not None]),
        "sign_in": load.stats([s.sign_in_s for s in sessions if s.sign_in_s is not None]),
        "page": page,
        "page_by_step": {name: load.stats([st.seconds for st in steps if st.step == name])
                         for name in dict.fromkeys(st.step for st in steps)},
        "page_during_ingest": load.stats([st.seconds for st in steps if st.during_ingest]),
        "page_outside_ingest": load.stats([st.seconds for st in steps if not st.during_ingest]),
        "steps": len(steps),
        "fragment_runs": sum(s.fragment_runs for s in sessions),
        "failed_sessions": failed,
        "failures": [{"session": s.index, "username": s.username, "reason": s.failure}
                     for s in sessions if s.failure],
        "celebrated": [{"username": s.username, **c} for s in sessions for c in s.celebrated],
        "target": {"p95_s": target_p95_s,
                   "met": failed == 0 and page["p95"] is not None and page["p95"] <= target_p95_s},
        "ingest": ingest,
        "mb_received": sum(s.bytes_in for s in sessions) / 1e6,
        **extra,
        "step_list": [asdict(st) for st in steps],
    }


async def _no_ingest() -> dict:
    return {"exit_code": None, "seconds": 0.0, "started_at_s": -1.0, "stderr_tail": ""}


async def run_level(setup: load.Setup, n: int, export: Path | None, args, script: str = "meeting") -> dict:
    """One level; ``export`` None: no ingest of its own (it runs beside another level that has one)."""
    monitor, pids = setup.monitor, [server.pid for server in setup.servers or [setup.server]]
    rss_before = sum(load._rss_kb(pid) for pid in pids)
    cpu_before, host_before = monitor.cpu_s(), load._host_cpu()
    level = load.Level(n, args, None)
    ingest_task = asyncio.create_task(
        load.run_ingest(setup.code, export, setup.db, level) if export else _no_ingest())
    sessions = await asyncio.gather(*(
        run_session(setup.url, i, setup.accounts[i % len(setup.accounts)], level, script, _route(setup, i))
        for i in range(n)))
    closed = time.monotonic()
    ingest = await ingest_task
    elapsed = time.monotonic() - level.t0
    cpu_after, host_after = monitor.cpu_s(), load._host_cpu()
    cpu_s = {kind: cpu_after[kind] - cpu_before[kind] for kind in cpu_after}
    busy, total = host_after[0] - host_before[0], host_after[1] - host_before[1]
    await asyncio.sleep(5)
    extra = {
        "elapsed_s": elapsed,
        "rss_mb": {"before": rss_before / 1024, "peak": (monitor.peak_kb(level.t0, closed) or 0) / 1024,
                   "after": sum(load._rss_kb(pid) for pid in pids) / 1024},
        "health_probe": setup.probe.window(level.t0, closed),
        "cpu_seconds": cpu_s,
        "server_cpu_pct_of_one_core": 100 * cpu_s["server"] / elapsed if elapsed else None,
        "host_cpu_busy_pct": 100 * busy / total if total else None,
    }
    return summarise(n, sessions, ingest, extra, args.target_p95_s)


def _route(setup: load.Setup, index: int) -> dict[str, str] | None:
    """Behind the proxy: the route cookie that sends session ``index`` to replica ``index`` mod 2."""
    return {"momentum_route": setup.routes[index % len(setup.routes)]} if setup.routes else None


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _row(label: str, st: dict) -> str:
    return f"  {label:<26}{st['n']:>6}{_s(st['p50']):>9}{_s(st['p95']):>9}{_s(st['max']):>9}"


def format_level(r: dict) -> str:
    rss, ing, cpu = r["rss_mb"], r["ingest"], r["cpu_seconds"]
    lines = [
        f"level {r['sessions']} sessions: {r['sessions'] - r['failed_sessions']} ok, {r['failed_sessions']} failed; "
        f"{r['steps']} steps and {r['fragment_runs']} idle-check runs in {r['elapsed_s']:.0f} s",
        f"  {'':<26}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}",
        _row("connect (first script run)", r["connect"]),
        _row("sign-in", r["sign_in"]),
        _row("page (every step)", r["page"]),
        *(_row(f"  {name}", st) for name, st in r["page_by_step"].items()),
        _row("page during the ingest", r["page_during_ingest"]),
        _row("page outside the ingest", r["page_outside_ingest"]),
        f"  server memory: {rss['before']:.0f} MB before, {rss['peak']:.0f} MB peak, {rss['after']:.0f} MB after; "
        f"server CPU {cpu['server']:.0f} s ({r['server_cpu_pct_of_one_core']:.0f}% of one core), "
        f"load client {cpu['harness']:.0f} s, host busy {r['host_cpu_busy_pct']:.0f}%",
        f"  health probe p95 {_s(r['health_probe']['p95'])}, {r['health_probe']['failed']} failed; "
        f"ingest exit {ing['exit_code']} in {ing['seconds']:.1f} s (started at {ing['started_at_s']:.0f} s)",
        f"  target (0 failures, p95 page <= {r['target']['p95_s']:g} s): "
        + ("met" if r["target"]["met"] else "NOT met"),
    ]
    for f in r["failures"][:10]:
        lines.append(f"  failed: session {f['session']} ({f['username']}): {f['reason']}")
    return "\n".join(lines)


async def compare_with_browsers(setup: load.Setup, n: int, args) -> dict:
    """N Chromium sessions (tests/campaign/load.py) and N websocket sessions on the same server,
    every page of the sidebar; each page's p50: browser click -> script finished, client step."""
    from playwright.async_api import async_playwright

    export = setup.folder / "export-browsers"
    load.generate_export(setup.code, export, args.ingest_seed + 100, as_of=export_day())
    browser_args = argparse.Namespace(**{**vars(args), "cookie_wait_s": 30, "screenshot": None})
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=load.CHROMIUM, headless=True, args=load.LAUNCH_ARGS)
        try:  # at the same time, on the same server, under the browser level's one ingest
            b, w = await asyncio.gather(load.run_level(browser, setup, n, export, browser_args, None),
                                        run_level(setup, n, None, args, script="pages"))
        finally:
            await browser.close()
    pages = {}
    for title in HEADINGS:
        bs = [nav["script_done_s"] for nav in b["navs"] if nav["page"] == title]
        ws = [st["seconds"] for st in w["step_list"] if st["step"] == title]
        if bs or ws:
            pages[title] = {"browser_script_done_p50": load.percentile(bs, 50), "browser_n": len(bs),
                            "client_p50": load.percentile(ws, 50), "client_n": len(ws)}
    return {"sessions": n, "pages": pages,
            "browser": {k: b[k] for k in ("navigation", "navigation_script_done", "failed_sessions", "failures")},
            "client": {k: w[k] for k in ("page", "failed_sessions", "failures")}}


def format_comparison(c: dict) -> str:
    lines = [f"browser and client side by side, {c['sessions']} sessions each, every page "
             f"(p50 seconds; browser: click -> script finished; client: step)",
             f"  {'page':<26}{'browser':>9}{'n':>5}{'client':>9}{'n':>5}"]
    for title, p in c["pages"].items():
        lines.append(f"  {title:<26}{_s(p['browser_script_done_p50']):>9}{p['browser_n']:>5}"
                     f"{_s(p['client_p50']):>9}{p['client_n']:>5}")
    b, w = c["browser"]["navigation_script_done"], c["client"]["page"]
    lines.append(f"  {'all pages':<26}{_s(b['p50']):>9}{b['n']:>5}{_s(w['p50']):>9}{w['n']:>5}"
                 f"   (p95: browser {_s(b['p95'])}, client {_s(w['p95'])}; failed sessions: browser "
                 f"{c['browser']['failed_sessions']}, client {c['client']['failed_sessions']})")
    return "\n".join(lines)


async def run_all(setup: load.Setup, args) -> tuple[dict, list[dict], dict | None]:
    t = time.monotonic()
    for replica in range(len(setup.routes or [None])):  # each server's cold start
        warm_session = StreamlitSession(setup.url, timeout_s=args.step_timeout_s, cookies=_route(setup, replica))
        try:
            await warm_session.connect()
            await sign_in(warm_session, *setup.accounts[0])
        finally:
            await warm_session.close()
    warm = {"sign_in_and_first_page_s": time.monotonic() - t}
    print(f"warm-up (cold server): connect and sign-in {warm['sign_in_and_first_page_s']:.2f} s", flush=True)
    results = []
    for number, n in enumerate(args.sessions):
        export = setup.folder / f"export-{number}"
        gen_s = load.generate_export(setup.code, export, args.ingest_seed + number, as_of=export_day())
        print(f"\n== level {n} sessions (export generated in {gen_s:.1f} s); "
              f"{args.duration_s:g} s of meeting per session ...", flush=True)
        result = await run_level(setup, n, export, args)
        results.append(result)
        print(format_level(result), flush=True)
        for server in setup.servers or [setup.server]:
            if server.poll() is not None:
                raise RuntimeError(f"a Streamlit server exited with code {server.returncode}")
        await asyncio.sleep(args.pause_s)
    comparison = None
    if args.browsers:
        print(f"\n== {args.browsers} browsers and {args.browsers} websocket sessions, every page ...", flush=True)
        comparison = await compare_with_browsers(setup, args.browsers, args)
        print(format_comparison(comparison), flush=True)
    return warm, results, comparison


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.campaign.ws_load", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, nargs="+", default=[25, 50], help="sessions per level (25 50)")
    p.add_argument("--duration-s", type=float, default=60, help="seconds of meeting per session (60)")
    p.add_argument("--ramp-s", type=float, default=10, help="sessions open within this many seconds (10)")
    p.add_argument("--think-s", type=float, default=10,
                   help="pause between steps, on average (10: a meeting's pace, a page every 5-15 s)")
    p.add_argument("--step-timeout-s", type=float, default=120, help="a longer step is a failure (120)")
    p.add_argument("--target-p95-s", type=float, default=3.0, help="the p95 page time to meet (3)")
    p.add_argument("--browsers", type=int, default=0, metavar="N",
                   help="after the levels, N Chromium and N websocket sessions side by side (0: none)")
    p.add_argument("--pause-s", type=float, default=5, help="pause between levels")
    p.add_argument("--code", choices=["worktree", "head"], default="worktree",
                   help="the code under test: the checkout's files (default) or the last commit")
    p.add_argument("--ingest-seed", type=int, default=11, help="sample seed of the first level's export")
    p.add_argument("--replicas", action="store_true",
                   help="two servers behind nginx on one PostgreSQL app state, sessions split between them")
    p.add_argument("--json", type=Path, help="write every figure here")
    args = p.parse_args(argv)
    if any(n < 1 for n in args.sessions):
        p.error("--sessions must be positive")
    if args.replicas and args.browsers:
        p.error("--browsers compares with one server: run it without --replicas")
    args.nav_timeout_s = args.step_timeout_s  # load.Level and load.run_ingest read it
    args.accounts, args.nice_browser = "twin", 0
    return args


# the accounts in PostgreSQL (``python -m pipelines users add`` with MOMENTUM_APP_DB, in the copied code)
PG_ACCOUNTS_SNIPPET = """
import json, sys
from pipelines.appstate.db import AppState
from pipelines.appstate.users import add_user, get_user
sqlite_state, pg_state = AppState(sys.argv[1]), AppState(sys.argv[2])
for username, password in json.loads(sys.argv[3]):
    user = get_user(sqlite_state, username)
    add_user(pg_state, username, user.display_name, user.role, password, user.clinician_id)
"""


def _start_replicas(code: Path, folder: Path, db: Path, accounts: list[tuple[str, str]]):
    """A PostgreSQL server of its own, the accounts copied into it, two replicas and nginx."""
    from tests.campaign.replicas import Replicas
    from tests.pg_server import PgServer

    pg = PgServer().start()
    try:
        app_db = pg.new_database()
        subprocess.run([sys.executable, "-c", PG_ACCOUNTS_SNIPPET, str(db.with_name(f"{db.stem}.app.sqlite")),
                        app_db, json.dumps(accounts)], cwd=code, env=load._env(code), check=True)
        print("PostgreSQL app state ready; starting two replicas and nginx ...", flush=True)
        return pg, Replicas(folder, db, app_db, code=code)
    except BaseException:
        pg.stop()
        raise


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.browsers and load.CHROMIUM is None:
        print("error: --browsers needs Chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, load._terminate)
    started = time.monotonic()
    print(f"host CPU busy before the run: {load.host_busy_now():.0f}% of {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="momentum-wsload-") as tmp:
        folder = Path(tmp)
        code = folder / "code"
        load.snapshot_code(code, args.code)
        db = folder / "momentum.duckdb"
        print(f"code ({args.code}) copied; building the demo database ...", flush=True)
        accounts = load.build_database(code, db, args.accounts)
        log_path = folder / "streamlit.log"
        if args.replicas:
            pg, group = _start_replicas(code, folder, db, accounts)
            server, url, log_path = group.servers[0], group.url, folder / "replica-0.log"
            setup = load.Setup(code, folder, db, url, server, accounts, load.Monitor([p.pid for p in group.servers]),
                               load.HealthProbe(url), servers=group.servers, routes=group.routes)
            print(f"replicas pids {[p.pid for p in group.servers]} behind nginx at {url}", flush=True)
        else:
            pg = group = None
            server, url = load.start_server(code, db, log_path)
            setup = load.Setup(code, folder, db, url, server, accounts, load.Monitor(server.pid),
                               load.HealthProbe(url))
            print(f"server pid {server.pid} at {url}", flush=True)
        try:
            setup.monitor.start()
            setup.probe.start()
            warm, results, comparison = asyncio.run(run_all(setup, args))
        finally:
            setup.probe.stop()
            setup.monitor.stop()
            if group is not None:
                served = group.websockets_by_replica()
                group.stop(quiet=True)
                print(f"\nwebsockets served by replica 0 and 1 (nginx's access log): {served}")
                pg.stop()
                errors = [e for i in range(2) for e in load.server_errors(folder / f"replica-{i}.log")]
            else:
                load.stop_server(server)
                errors = load.server_errors(log_path)
            print(f"\nserver log: {sum(n for n, _ in errors)} error-looking lines" if errors
                  else "\nserver log: no error-looking lines")
            for n, line in errors[:20]:
                print(f"  {n:>4} x {line[:300]}")
    print("\n== summary (page = the click sent -> the script's last run finished)")
    for r in results:
        print(f"  {r['sessions']:>3} sessions: {r['failed_sessions']} failed, page p50 {_s(r['page']['p50'])} "
              f"p95 {_s(r['page']['p95'])} max {_s(r['page']['max'])}, sign-in p95 {_s(r['sign_in']['p95'])}, "
              f"server peak {r['rss_mb']['peak']:.0f} MB; target " + ("met" if r["target"]["met"] else "NOT met"))
    print(f"total run time {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "cpu_count": os.cpu_count(), "warm_up": warm, "levels": results, "comparison": comparison,
            "server_log_errors": [{"count": n, "line": line} for n, line in errors],
        }, indent=2))
        print(f"wrote {args.json}")
    return 1 if any(r["failed_sessions"] for r in results) else 0  # a slow page is a figure, a failure a defect


if __name__ == "__main__":
    sys.exit(main())
