"""``python -m pipelines``: the command line (design §3, §5).

Every problem is printed as one clear line on stderr; tracebacks only with
``--debug``. Exit codes for ingest: 0 everything loaded (or already loaded),
1 finished but something was rejected, 2 nothing done.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipelines import clock
from pipelines.settings import is_postgres_url, paths, setting
from pipelines.store import StoreError

EXIT_OK, EXIT_REJECTS, EXIT_NOTHING_DONE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_NOTHING_DONE)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m pipelines", description="Momentum data pipelines")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("ingest", help="load CSV exports into the database")
    p.add_argument("paths", nargs="+", metavar="PATH", help="CSV files or folders of them")
    p.add_argument("--db", help="database file (default: $MOMENTUM_DB or data/momentum.duckdb)")
    p.add_argument("--profile", default="auto", help="header profile: auto (default), canonical, generic")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--as-of", type=_date, default=None,
                   help="the as-of date the clinical models are refreshed for (default today)")
    p.add_argument("--no-refresh", action="store_true", help="do not refresh the materialised clinical models")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    s = sub.add_parser("sample", help="generate a synthetic practice as CSV exports")
    s.add_argument("--out", required=True, type=Path, help="output folder")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--clinicians", type=int, default=25)
    s.add_argument("--months", type=int, default=12)
    s.add_argument("--sessions", type=int, default=None, help="scale to about this many sessions")
    s.add_argument("--as-of", type=_date, default=None, help="last date in the data (default today)")
    s.add_argument("--vendor", choices=["simplepractice", "jane", "owl"], default=None,
                   help="write the practice as this practice system's reports, with invented names")
    s.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    ps = sub.add_parser("pseudonym", help="the pseudonymous code of a client's name (nothing is stored or logged)")
    ps.add_argument("name", nargs="?", default=None, help="the client's name (default: read from stdin, "
                    "which keeps it out of the shell's history)")
    ps.add_argument("--dob", type=_date, default=None, help="date of birth (YYYY-MM-DD), when the exports have one")
    ps.add_argument("--db", default=None, help="data database (its secrets file holds the key)")

    b = sub.add_parser("bench", help="benchmarks (not part of the tests)")
    b.add_argument("phase", choices=["ingest", "models", "pages", "all", "plot"],
                   help="what to measure (plot: measure nothing, combine the --json reports given with --merge)")
    b.add_argument("--sessions", type=int, nargs="+", default=[1_000_000])
    b.add_argument("--repeat", type=int, default=3, help="runs of each command (medians reported)")
    b.add_argument("--workdir", type=Path, default=Path("bench_data"))
    b.add_argument("--json", action="store_true")
    b.add_argument("--excel", action="store_true", help="ingest: also load the practice as Excel workbooks")
    b.add_argument("--plot", type=Path, default=None, help="write the scale curve as a PNG (needs Chromium)")
    b.add_argument("--no-live", action="store_true",
                   help="models: leave out computing every model live (well over an hour at 10M; not a target)")
    b.add_argument("--merge", type=Path, nargs="+", default=[],
                   help="earlier reports (--json output) to combine with this run's, by practice size")
    b.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    r = sub.add_parser("report", help="clinical reports: outcomes, flags, momentum, homework, workload, wins")
    r.add_argument("kind", choices=["outcomes", "flags", "momentum", "homework", "workload", "wins", "completeness",
                                     "clinician-outcomes"])
    r.add_argument("--db", help="database file (default: $MOMENTUM_DB or data/momentum.duckdb)")
    r.add_argument("--as-of", type=_date, default=None, help="the date everything is relative to (default today)")
    r.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    f = sub.add_parser("refresh", help="recompute the materialised clinical models for an as-of date")
    f.add_argument("--db", help="database file (default: $MOMENTUM_DB or data/momentum.duckdb)")
    f.add_argument("--as-of", type=_date, default=None, help="default today")
    f.add_argument("--full", action="store_true",
                   help="recompute every client (default: only the clients whose rows or dates changed since the "
                        "last refresh)")
    f.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    e = sub.add_parser("etr-check", help="NOT_ON_TRACK on a generated practice: sensitivity, specificity, "
                                         "and how early it warns")
    e.add_argument("--db", help="a database built from `python -m pipelines sample` output")
    e.add_argument("--seed", type=int, default=7, help="the seed the practice was generated with")
    e.add_argument("--as-of", type=_date, default=date(2026, 11, 22))
    e.add_argument("--plot", type=Path, help="also write the PHQ-9 reference curves as PNG here")
    e.add_argument("--weeks", type=int, default=52,
                   help="early warning: the flags as they stood on each of this many past weeks")
    e.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    d = sub.add_parser("demo", help="build the demo database from sample_data/ if it does not exist")
    d.add_argument("--db", help="database file (default: $MOMENTUM_DB or data/momentum.duckdb)")
    d.add_argument("--force", action="store_true", help="rebuild even if it exists")
    d.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    bk = sub.add_parser("backup", help="back up the imported data and the app state, with checksums")
    bk.add_argument("--out", required=True, help="folder to write the backup into (a new subfolder each time)")
    bk.add_argument("--db", help="database file (default: $MOMENTUM_DB or data/momentum.duckdb)")
    bk.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    rs = sub.add_parser("restore", help="restore a backup made by `backup` after checking its checksums")
    rs.add_argument("backup", help="the backup folder (momentum-backup-...)")
    rs.add_argument("--db", help="database file to restore into (default: $MOMENTUM_DB)")
    rs.add_argument("--force", action="store_true", help="replace an existing database and its app state")
    rs.add_argument("--check", action="store_true", help="only check the backup against its manifest")
    rs.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    au = sub.add_parser("audit", help="the audit log")
    au.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ausub = au.add_subparsers(dest="action", required=True, parser_class=_Parser)
    av = ausub.add_parser("verify", help="check the audit log's hash chain and name the first broken entry")
    av.add_argument("--db", help="database file whose app state to check (default: $MOMENTUM_DB)")

    ap = sub.add_parser("app-state", help="the app state's schema: its version, and migrating it")
    ap.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    apsub = ap.add_subparsers(dest="action", required=True, parser_class=_Parser)
    aps = apsub.add_parser("status", help="the schema's version, the latest this Momentum knows, and the ledger")
    apm = apsub.add_parser("migrate", help="apply the pending migrations now (the app also does on its first "
                                           "connection)")
    for sp in (aps, apm):
        sp.add_argument("--db", help="database file whose app state to use (default: $MOMENTUM_DB; "
                                     "$MOMENTUM_APP_DB when set)")
    apc = apsub.add_parser("copy-to", help="copy the SQLite app state into an empty PostgreSQL database "
                                           "(stop the app first)")
    apc.add_argument("url", nargs="?", help="postgresql://... (default: $MOMENTUM_APP_DB when it is one)")
    apc.add_argument("--db", help="database file whose SQLite app state (beside it) to copy "
                                  "(default: $MOMENTUM_DB)")

    u = sub.add_parser("users", help="manage dashboard users")
    u.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    usub = u.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ua = usub.add_parser("add", help="add a user (asks for the password, or reads it from stdin)")
    ua.add_argument("username")
    ua.add_argument("--name", required=True, help="display name")
    ua.add_argument("--role", required=True, choices=["clinician", "supervisor", "manager"])
    ua.add_argument("--clinician-id", help="their clinician_id in the exports (scope); not for managers")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ud = usub.add_parser("disable", help="disable a user")
    ud.add_argument("username")
    ue = usub.add_parser("enable", help="enable a disabled user")
    ue.add_argument("username")
    ur = usub.add_parser("reset-password", help="set a new password")
    ur.add_argument("username")
    ur.add_argument("--password-stdin", action="store_true")
    ul = usub.add_parser("list", help="list users")
    for sp in (ua, ud, ue, ur, ul):
        sp.add_argument("--db", help="database file whose app state to use (default: $MOMENTUM_DB)")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("error: the passwords do not match")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from pipelines.appstate import audit, users
    from pipelines.appstate.db import AppState

    state = AppState(paths(getattr(args, "db", None)).app_db)
    actor = "cli"
    try:
        if args.action == "list":
            for user in users.list_users(state):
                flags = ("" if user.active else " (disabled)") + (" (demo)" if user.is_demo else "")
                print(f"{user.username:20} {user.role:10} {user.clinician_id or '-':10} {user.display_name}{flags}")
            return EXIT_OK
        if args.action == "add":
            password = _read_password(args.password_stdin)
            users.add_user(state, args.username, args.name, args.role, password, args.clinician_id)
            audit.record(state, actor, "user_added", username=args.username, role=args.role)
        elif args.action in ("disable", "enable"):
            users.set_active(state, args.username, args.action == "enable")
            audit.record(state, actor, f"user_{args.action}d", username=args.username)
        elif args.action == "reset-password":
            users.reset_password(state, args.username, _read_password(args.password_stdin))
            audit.record(state, actor, "password_reset", username=args.username)
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTS
    print(f"{args.action}: {args.username}: done", file=sys.stderr)
    return EXIT_OK


def _progress_printer(quiet: bool):
    start = time.monotonic()

    def show(message: str) -> None:
        if not quiet:
            print(f"  {time.monotonic() - start:6.1f}s  {message}", file=sys.stderr, flush=True)

    return show


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipelines.ingest.load import IngestArgumentError, ingest

    try:
        result = ingest(
            args.paths,
            paths(args.db),
            profile_name=args.profile,
            progress=_progress_printer(args.quiet or args.json and not sys.stderr.isatty()),
            refresh=not args.no_refresh,
            refresh_as_of=args.as_of,
        )
    except IngestArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    for f in result.files:
        line = (
            f"{f.status:9} {f.path}: {f.table or '-'}, {f.rows_read} read, "
            f"{f.rows_loaded} loaded, {f.rows_rejected} rejected"
        )
        if f.message:
            line += f" ({f.message})"
        print(line, file=sys.stderr)
    if any(f.rows_rejected for f in result.files):
        print(
            "rejected rows and their reasons are in table rejected_rows "
            "(load_id, source_file, row_number, column_name, value, reason)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps({"files": [f.as_json() for f in result.files]}, indent=2))
    return result.exit_code


def cmd_sample(args: argparse.Namespace) -> int:
    from pipelines.synthetic.sample_practice import PracticeSpec, generate_practice

    spec = PracticeSpec(
        seed=args.seed,
        clinicians=args.clinicians,
        months=args.months,
        sessions=args.sessions,
        **({"as_of": args.as_of} if args.as_of else {}),
    )
    show = _progress_printer(False)
    practice = generate_practice(spec, progress=show)
    if args.vendor:
        from pipelines.synthetic.vendor_exports import write_vendor_exports

        counts = write_vendor_exports(practice, args.vendor, args.out, seed=args.seed)
    else:
        counts = practice.write(args.out)
    for table, n in counts.items():
        print(f"{table:12} {n:>10,} rows", file=sys.stderr)
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_pseudonym(args: argparse.Namespace) -> int:
    from pipelines.appstate.secrets_file import WeakSecretError, read_pseudonym_key
    from pipelines.ingest.pseudonym import code_for, name_code
    from pipelines.models.queries import client_birth_codes
    from pipelines.store import DataStore, open_read_only

    name = args.name if args.name is not None else sys.stdin.readline()
    if not name.strip():
        print("error: give the client's name (as an argument or on stdin)", file=sys.stderr)
        return EXIT_NOTHING_DONE
    db = paths(args.db)
    try:
        key = read_pseudonym_key(db.secrets)
    except WeakSecretError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    births: list[str] = []
    snapshot = DataStore(db).current_snapshot()
    if snapshot is not None and args.dob is None:  # a name that has come with a date of birth has that code
        con = open_read_only(snapshot, "256MB")
        try:
            births = client_birth_codes(con, name_code(key, name))
        finally:
            con.close()
    code = code_for(key, name, args.dob.isoformat() if args.dob else None, births)
    if code is None:
        print("error: more than one client has had this name, each with a date of birth: give --dob",
              file=sys.stderr)
        return EXIT_NOTHING_DONE
    print(code)
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines.bench import figure
    from pipelines.bench import ingest as ingest_bench
    from pipelines.bench import models as models_bench
    from pipelines.bench import pages as pages_bench

    show = _progress_printer(False)
    reports = {}
    if args.phase in ("ingest", "all"):
        reports["ingest"] = ingest_bench.run(args.sessions, args.repeat, args.workdir, progress=show,
                                             excel=args.excel)
    if args.phase in ("models", "all"):
        reports["models"] = models_bench.run(args.sessions, args.repeat, args.workdir, progress=show,
                                             live=not args.no_live)
    if args.phase in ("pages", "all"):
        reports["pages"] = pages_bench.run(args.sessions, args.repeat, args.workdir, progress=show)
    earlier = []
    for f in args.merge:
        try:
            earlier.append(figure.merged(json.loads(f.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read {f}: {exc}", file=sys.stderr)
            return EXIT_NOTHING_DONE
        except (KeyError, TypeError, AttributeError):
            print(f"error: {f} is not a benchmark report (what `bench ... --json` prints)", file=sys.stderr)
            return EXIT_NOTHING_DONE
    if earlier:
        reports = figure.merged(*earlier, reports)
    if not reports:
        print("error: nothing measured and no report to merge (bench plot --merge REPORT.json ...)", file=sys.stderr)
        return EXIT_NOTHING_DONE
    if args.json:
        print(json.dumps(reports if len(reports) > 1 else next(iter(reports.values())), indent=2))
    else:
        if "ingest" in reports:
            print(ingest_bench.format_report(reports["ingest"]))
        if "models" in reports:
            print(models_bench.format_report(reports["models"]))
        if "pages" in reports:
            print(pages_bench.format_report(reports["pages"]))
        for line in figure.scale_summary(reports):
            print(line)
    if args.plot:
        from pipelines.synthetic.etr_check import write_png

        write_png(figure.scale_figure(reports), args.plot)
        print(f"scale curve written to {args.plot}", file=sys.stderr)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.demo import data_day
    from pipelines.models import reports
    from pipelines.models.queries import all_clinicians_scope
    from pipelines.store import DataStore, SnapshotReader

    reader = SnapshotReader(DataStore(paths(args.db)))
    try:
        cur = reader.cursor()
        as_of = args.as_of or clock.today(data_day(reader))
        scope = all_clinicians_scope(cur)
        frame = reports.build(args.kind, cur, scope, as_of)
    finally:
        reader.close()
    from pipelines.appstate.db import AppState

    state = AppState(paths(args.db).app_db)
    if args.kind == "wins" and state.exists():  # wins posted on the dashboard's board are app state
        from pipelines.appstate.wins import with_app_posts

        frame = with_app_posts(frame, state, scope.clinician_ids, as_of)
    render = {"csv": reports.to_csv, "json": reports.to_json, "table": reports.to_table}[args.format]
    text = render(frame)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    print(f"{args.kind}: {len(frame)} rows as of {as_of.isoformat()}", file=sys.stderr)
    return EXIT_OK


def _refresh_day(store) -> date:
    """The default as-of of a refresh: the practice's today (the demo's own day on demo data)."""
    from pipelines.demo import data_day
    from pipelines.store import SnapshotReader

    if store.current_snapshot() is None:
        return clock.today()
    reader = SnapshotReader(store)
    try:
        return clock.today(data_day(reader))
    finally:
        reader.close()


def cmd_refresh(args: argparse.Namespace) -> int:
    from pipelines.models.queries import refresh_marts
    from pipelines.store import DataStore

    store = DataStore(paths(args.db))
    if not store.exists():
        print(f"error: {store.paths.data_db} does not exist; run `python -m pipelines ingest` first", file=sys.stderr)
        return EXIT_NOTHING_DONE
    as_of = args.as_of or _refresh_day(store)
    with store.writer() as con:
        refresh_marts(con, as_of, progress=_progress_printer(False), full=args.full)
        con.execute("CHECKPOINT")
    store.publish_snapshot()
    print(f"refreshed the clinical models as of {as_of.isoformat()}", file=sys.stderr)
    return EXIT_OK


def cmd_etr_check(args: argparse.Namespace) -> int:
    from pipelines.models.queries import all_clinicians_scope, etr_reference
    from pipelines.store import DataStore, SnapshotReader
    from pipelines.synthetic import etr_check

    reader = SnapshotReader(DataStore(paths(args.db)))
    try:
        cur = reader.cursor()
        result = etr_check.evaluate(cur, args.seed, args.as_of)
        result["early_warning"] = etr_check.early_warning(cur, args.as_of, weeks=args.weeks,
                                                          progress=_progress_printer(False))
        if args.plot:
            reference = etr_reference(cur, all_clinicians_scope(cur), args.as_of)
            etr_check.write_png(etr_check.reference_figure(reference), args.plot)
            print(f"wrote {args.plot}", file=sys.stderr)
    finally:
        reader.close()
    print(json.dumps(result, indent=2))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines import demo

    built = demo.ensure_demo_database(paths(args.db), force=args.force, progress=_progress_printer(False))
    print("built the demo database" if built else "the database exists; nothing to do", file=sys.stderr)
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from pipelines import backup

    try:
        info = backup.backup(paths(args.db), Path(args.out))
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    m = info.manifest
    print(f"backup written to {info.folder}", file=sys.stderr)
    for name, f in m["files"].items():
        print(f"  {name}: {f['bytes']} bytes, sha256 {f['sha256']}", file=sys.stderr)
    print(f"  audit log: {m['audit']['entries']} entries", file=sys.stderr)
    print(str(info.folder))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from pipelines import backup

    folder = Path(args.backup)
    try:
        if args.check:
            m = backup.check(folder)
            print(f"{folder}: every file matches its checksum (made {m['created_at']})", file=sys.stderr)
            return EXIT_OK
        m = backup.restore(folder, paths(args.db), force=args.force)
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    rows = sum(n for n, _digest in m["data_tables"].values())
    print(
        f"restored the backup made {m['created_at']}: {rows} imported rows and the app state "
        f"({m['audit']['entries']} audit entries); content checksums match",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from pipelines.appstate import audit
    from pipelines.appstate.db import AppState

    state = AppState(paths(args.db).app_db)
    if not state.exists():
        print(f"error: there is no app state at {state.where}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    ok, bad, n = audit.verify(state)
    if ok:
        print(f"audit log intact: {n} entries, hash chain verified", file=sys.stderr)
        return EXIT_OK
    print(
        f"audit log TAMPERED: entry {bad} does not match the hash chain "
        f"(changed, inserted or an earlier entry removed); {n - 1} entries before it verified",
        file=sys.stderr,
    )
    return EXIT_REJECTS


def cmd_app_state(args: argparse.Namespace) -> int:
    from pipelines.appstate.db import AppState
    from pipelines.appstate.migrations import newer_message

    if args.action == "copy-to":
        return _copy_app_state(args)
    state = AppState(paths(args.db).app_db)
    if args.action == "migrate":
        applied = state.migrate()
        for m in applied:
            print(f"applied migration {m.label}", file=sys.stderr)
    found, known, ledger = state.schema_status()
    print(f"app state {state.where} ({state.dialect}): schema version {found} of {known}", file=sys.stderr)
    for number, name, at in ledger:
        print(f"  {number:04d}_{name:30} {at or 'applied before the ledger existed'}", file=sys.stderr)
    if found > known:
        print(f"error: {newer_message(state.where, found, known)}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    if found < known:
        print(f"  {known - found} migration(s) pending: the app applies them on its first connection, or run "
              "`python -m pipelines app-state migrate`", file=sys.stderr)
    elif args.action == "migrate" and not applied:
        print("  up to date: nothing to apply", file=sys.stderr)
    return EXIT_OK


def _copy_app_state(args: argparse.Namespace) -> int:
    from pipelines.appstate.db import AppState
    from pipelines.appstate.move import copy_to_postgresql

    url = args.url or setting("MOMENTUM_APP_DB")
    if not is_postgres_url(url):
        print("error: give the PostgreSQL database to copy into (postgresql://...), or set MOMENTUM_APP_DB to it",
              file=sys.stderr)
        return EXIT_NOTHING_DONE
    source = AppState(paths(paths(args.db).data_db).app_db)  # the SQLite file beside the data, whatever the setting
    target = AppState(url)
    counts = copy_to_postgresql(source, target, progress=_progress_printer(False))
    print(f"copied {sum(counts.values())} rows in {len(counts)} tables from {source.where} into {target.where}",
          file=sys.stderr)
    print(f"next: set MOMENTUM_APP_DB={target.where} (with its password) for the app and every command; "
          f"{source.where} is left as it was: keep it, with a backup, until the app runs on PostgreSQL",
          file=sys.stderr)
    return EXIT_OK


COMMANDS = {
    "ingest": cmd_ingest,
    "sample": cmd_sample,
    "bench": cmd_bench,
    "demo": cmd_demo,
    "report": cmd_report,
    "etr-check": cmd_etr_check,
    "refresh": cmd_refresh,
    "users": cmd_users,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "audit": cmd_audit,
    "app-state": cmd_app_state,
    "pseudonym": cmd_pseudonym,
}


# the commands that read or write clinical data: they refuse to run while a practice's own instruments
# file (MOMENTUM_INSTRUMENTS) cannot be used, instead of turning its scores away
NEEDS_INSTRUMENTS = {"ingest", "report", "refresh", "demo", "etr-check"}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in NEEDS_INSTRUMENTS:
        from schemas.instruments import INSTRUMENTS_PROBLEM

        if INSTRUMENTS_PROBLEM:
            print(f"error: {INSTRUMENTS_PROBLEM}", file=sys.stderr)
            return EXIT_NOTHING_DONE
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("interrupted; every file finished before this point is loaded, the one in progress is not", file=sys.stderr)
        return 130
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    except Exception as exc:  # the one place that turns surprises into one line
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"error: {type(exc).__name__}: {exc} (run with --debug for details)",
                file=sys.stderr,
            )
        return EXIT_NOTHING_DONE if args.command == "ingest" else 1
