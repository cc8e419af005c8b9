"""``python -m pipelines report KIND``: the models as CSV, JSON or a table (design §5).

The command line runs with a manager's scope (every clinician). Columns come
in the contract's order; more may follow. Booleans print as true/false and
missing values as empty cells. CSV text cells that a spreadsheet would treat
as a formula (= + - @, tab, CR) are prefixed with an apostrophe, also after any
list separator a spreadsheet may split on (, ; tab |). ``--format table`` shows
control characters (terminal escape codes) as visible escapes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from pipelines.models import casemix, queries
from pipelines.scope import Scope

REPORT_COLUMNS: dict[str, list[str]] = {
    "outcomes": [
        "client_id", "clinician_id", "measure", "n_scores", "baseline_score", "latest_score", "change",
        "rc_threshold", "change_status", "baseline_case", "latest_case", "recovered", "reliably_recovered",
    ],
    "flags": ["client_id", "clinician_id", "flag", "severity", "since", "reason"],
    "momentum": ["client_id", "clinician_id", "momentum"],
    "homework": ["clinician_id", "assigned", "reviewed", "completed", "partial", "completion_rate"],
    "workload": [
        "clinician_id", "week_start", "attended_sessions", "direct_hours", "active_caseload", "no_show_rate",
        "median_note_lag_hours", "late_notes", "after_hours_notes", "signals",
    ],
    "wins": ["win_id", "posted_at", "category", "text", "posted_by"],
    "clinician-outcomes": [
        "clinician_id", "cases", "adjusted_effect", "ci_low", "ci_high", "verdict", "share_significantly_improved",
        "share_somewhat_improved", "share_no_change", "share_somewhat_worse", "share_significantly_worse",
        "finished_courses", "measured_courses", "pct_reliable_improvement", "pct_reliable_deterioration",
        "pct_recovery", "pct_dropout", "median_sessions", "reliably_improved", "reliably_deteriorated",
        "recovery_courses", "recovered", "dropouts",
    ],
    "completeness": [
        "clinician_id", "attended_sessions", "sessions_with_score", "pct_sessions_with_score", "no_shows", "dna_rate",
        "clients_seen", "early_baseline", "pct_early_baseline", "two_scores", "pct_two_scores", "finished_courses",
        "finished_without_final_score", "pct_finished_without_final_score",
    ],
}

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet splits a line at its list separator - `,`, or `;` in German, French and other locales,
# tab or `|` from an import dialog - and honours quotes only at a field's start, so a cell like
# `x;=1+1;y` becomes three cells, the middle one a formula. Every place where a cell could start
# (after any separator, spaces and an opening quote) gets the apostrophe too.
_FORMULA_AFTER_SEPARATOR = re.compile(r"""([;,\t|][ "]*)(?=[=+\-@\t\r])""")


def _with_signals(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, load: pd.DataFrame) -> pd.DataFrame:
    """The workload report: each clinician-week of clinician_weekly_load, with the signals fired ("a;b")."""
    signals = queries.workload_signals(cur, scope, as_of)
    per_clinician = signals.groupby("clinician_id")["signal"].apply(lambda s: ";".join(sorted(s))).to_dict()
    # a clinician with no signal gets "" (a str column even when no signal fired anywhere)
    load["signals"] = [per_clinician.get(c, "") for c in load["clinician_id"]]
    return load


# each report kind is built from the model that declares it (pipelines/models/queries.py), then finished here
BUILDERS: dict[str, queries.Model] = {m.report: m for m in queries.MODELS if m.report}
def _adjusted_by_clinician(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, _cases: pd.DataFrame
                           ) -> pd.DataFrame:
    """The clinician-outcomes report: the scope's cases, adjusted with the practice's fit, per clinician, then
    the outcomes of their finished courses (outcome_rates); a clinician with either has a row."""
    result = casemix.outcomes(cur, scope, as_of)
    rates = queries.outcome_rates(cur, scope, as_of)
    rates = rates[~rates["whole_selection"].astype(bool)].drop(columns="whole_selection")
    merged = result.clinicians.merge(rates, on="clinician_id", how="outer").sort_values("clinician_id")
    no_case = merged["cases"].isna()
    for count in ("cases", "finished_courses", "measured_courses", "reliably_improved", "reliably_deteriorated",
                  "recovery_courses", "recovered", "dropouts"):
        merged[count] = merged[count].fillna(0).astype(int)
    merged.loc[no_case, "verdict"] = [casemix.verdict(0, -math.inf, result.practice_cases)] * int(no_case.sum())
    return merged.reset_index(drop=True)


FINISH: dict[str, Callable[[duckdb.DuckDBPyConnection, Scope, date, pd.DataFrame], pd.DataFrame]] = {
    "workload": _with_signals,
    "clinician-outcomes": _adjusted_by_clinician,
}


def build(kind: str, cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    frame = BUILDERS[kind](cur, scope, as_of)
    if kind in FINISH:
        frame = FINISH[kind](cur, scope, as_of, frame)
    first = REPORT_COLUMNS[kind]
    missing = [c for c in first if c not in frame.columns]
    if missing:
        raise RuntimeError(f"report {kind}: the model lacks column(s) {missing}")
    return frame[first + [c for c in frame.columns if c not in first]]


def _cell(value: Any) -> Any:
    """One value in plain terms: None for missing, bool, int, float, or text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour, value.minute, value.second) != (0, 0, 0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    return str(value)


def neutralise(text: str) -> str:
    """Stop a spreadsheet from running text as a formula, whichever list separator it splits on:
    an apostrophe before a formula character at the start (after spaces or a quote) and after
    any `,` `;` tab or `|` (OWASP, "CSV Injection")."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.lstrip(' "').startswith(FORMULA_PREFIXES) else text


def to_csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    # CRLF (RFC 4180): the csv module then quotes a field holding a lone CR, which "\n" would leave bare
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(frame.columns)
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}
    for row in frame.itertuples(index=False):
        writer.writerow(
            _text(v) if col in numeric else neutralise(_text(v)) for col, v in zip(frame.columns, row, strict=True)
        )
    return out.getvalue()


def to_json(frame: pd.DataFrame) -> str:
    rows = [{c: _cell(v) for c, v in zip(frame.columns, row, strict=True)} for row in frame.itertuples(index=False)]
    return json.dumps({"columns": list(frame.columns), "rows": rows}, indent=1, default=str, ensure_ascii=False)


# C0 and C1 control characters and DEL: in a terminal they move the cursor, recolour, retitle or
# clear the screen (ANSI escape codes). ``--format table`` shows them as escapes instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


def to_table(frame: pd.DataFrame, max_width: int = 60) -> str:
    cells = [[_visible(_text(v))[:max_width] for v in row] for row in frame.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(frame.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(frame.columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)
