"""The clinicians' wellbeing pulse: private by design (docs/security.md, "The wellbeing pulse").

A clinician answers two Copenhagen Burnout Inventory scales (schemas/wellbeing.toml)
once a period (monthly by default, ``MOMENTUM_PULSE_MONTHS``). What is stored, and
who can read it, is decided here, in the query layer, not by the pages:

- **The owner's copy** of their answers is sealed (AES-GCM) with a key derived from
  their password when they sign in (:func:`derive_key`; scrypt). The key lives only
  in their server-side session. The row is found by a keyed pseudonym of that key
  (``owner_ref``), so nothing in the database says whose row it is, and without the
  person's password nobody - an app-state administrator included - can read it or
  tell it apart from a skip (a skip is a sealed row of the same length).
- **Team sums** per period and team (respondents, sums of scores, how many were at
  50 or more) carry no name and no time. :func:`team_pulse` is the only reader: it
  shows aggregates of closed periods only (a period still open would change under a
  viewer's eyes, one answer at a time), only with at least 5 respondents
  (design §6), and withholds an aggregate that, subtracted from or added to the
  others shown, would single out fewer than 5 people (:func:`shown_aggregates`).
  Every call is audited, and only managers and supervisors may call it.

Nothing here takes a clinician_id with an answer, so no query can join a pulse
answer to a named clinician's clients or outcomes.

A password reset gives a person a new key, and so a new pseudonym that has not
answered this period. So a reset closes the pulse for that person for the period
they are in when it happens (:func:`closed_by_reset`): otherwise they could answer
the same period twice and be counted twice, and "5 responses" could be 4 people.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pipelines.appstate import audit, users
from pipelines.appstate.db import AppState
from pipelines.settings import setting
from schemas.wellbeing import CBI

SCALES = tuple(s.code for s in CBI.scales)  # ("work", "client")
AGGREGATE_READERS = ("manager", "supervisor")
SEALED_BYTES = 1024  # every sealed plaintext is padded to this length: an answer and a skip look alike
NO_TEAM = ""
FEWER = f"fewer than {CBI.min_respondents} responses"
WITHHELD = "withheld: with the teams shown it would single out fewer than {n} people"
WITHOUT_YOU = ("withheld for you: you may be one of its respondents, and without one of them it would rest on "
               "fewer than {n} people")
RESPONDENT_ROLES = ("clinician", "supervisor")  # who answers the pulse
AGGREGATE_COLUMNS = ["period", "period_title", "level", "team", "status", "respondents", "work_mean", "client_mean",
                     "high_share", "note"]


class PulseError(ValueError):
    """A pulse that cannot be stored or read; the message says why, for a person."""


# -- periods -------------------------------------------------------------------


def period_months() -> int:
    value = setting("MOMENTUM_PULSE_MONTHS").strip()
    if value not in {"1", "2", "3", "4", "6", "12"}:
        raise PulseError(f"MOMENTUM_PULSE_MONTHS={value!r}: use 1, 2, 3, 4, 6 or 12 (months in a pulse period)")
    return int(value)


@dataclass(frozen=True, order=True)
class Period:
    """A pulse period: ``months`` calendar months from ``start`` (periods follow the calendar from January)."""

    start: date
    months: int

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def end(self) -> date:
        """The first day after the period."""
        m = self.start.month - 1 + self.months
        return date(self.start.year + m // 12, m % 12 + 1, 1)

    @property
    def title(self) -> str:
        if self.months == 1:
            return f"{self.start:%b %Y}"
        m = self.start.month - 1 + self.months - 1
        last = date(self.start.year + m // 12, m % 12 + 1, 1)
        return f"{self.start:%b}–{last:%b %Y}"

    def previous(self) -> Period:
        m = self.start.month - 1 - self.months
        return Period(date(self.start.year + m // 12, m % 12 + 1, 1), self.months)


def period_of(day: date, months: int | None = None) -> Period:
    months = months or period_months()
    first = (day.month - 1) // months * months + 1
    return Period(date(day.year, first, 1), months)


def period_from_label(label: str, months: int | None = None) -> Period:
    return Period(date.fromisoformat(f"{label}-01"), months or period_months())


# -- the owner's key -----------------------------------------------------------


@dataclass(frozen=True)
class OwnerKey:
    """Derived from a person's password at sign-in; held only in their server-side session."""

    seal: bytes = b""
    ref: str = ""
    username: str = ""  # whose key it is: for the password-reset rule only, never stored with an answer

    def __repr__(self) -> str:  # never print the key
        return "OwnerKey(<hidden>)"


def derive_key(username: str, password: str) -> OwnerKey:
    """scrypt(password, salt from the username) -> a sealing key and a pseudonym, both keyed by the password."""
    master = hashlib.scrypt(password.encode("utf-8"), salt=b"momentum-pulse-v1\x00" + username.encode("utf-8"),
                            n=2**14, r=8, p=1, dklen=32)
    return OwnerKey(seal=hmac.new(master, b"seal", hashlib.sha256).digest(),
                    ref=hmac.new(master, b"owner-ref", hashlib.sha256).hexdigest(),
                    username=users.normalise_username(username))


def _seal(key: OwnerKey, period: str, payload: dict) -> str:
    raw = json.dumps(payload, sort_keys=True).encode("utf-8")
    if len(raw) > SEALED_BYTES:
        raise PulseError("a pulse answer is too long to store")
    padded = raw + b" " * (SEALED_BYTES - len(raw))
    nonce = os.urandom(12)
    sealed = AESGCM(key.seal).encrypt(nonce, padded, f"{key.ref}|{period}".encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def _open(key: OwnerKey, period: str, sealed: str) -> dict | None:
    blob = base64.b64decode(sealed)
    try:
        raw = AESGCM(key.seal).decrypt(blob[:12], blob[12:], f"{key.ref}|{period}".encode())
    except InvalidTag:
        return None
    return json.loads(raw.decode("utf-8"))


# -- writing: an answer or a skip ------------------------------------------------


def _contribution(scores: Mapping[str, float]) -> tuple[float, float, int, int, int]:
    work, client = scores["work"], scores["client"]
    high_w, high_c = CBI.is_high(work), CBI.is_high(client)
    return work, client, int(high_w), int(high_c), int(high_w or high_c)


def _add(con, key: OwnerKey | None, period: str, team: str | None, answers: Mapping[str, str]) -> dict[str, float]:
    """Inside a transaction: the owner's sealed copy (when there is an owner key) and the team's sums."""
    scores = CBI.score(answers)
    if key is not None:
        if con.execute(con.q("pulse", "owner_has"), (key.ref, period)).fetchone():
            raise PulseError("You have already answered or skipped this period's pulse.")
        con.execute(con.q("pulse", "owner_insert"),
                    (key.ref, period, _seal(key, period, {"answers": dict(answers), "scores": scores})))
    con.execute(con.q("pulse", "sums_add"), (period, team or NO_TEAM, *_contribution(scores)))
    return scores


CLOSED_BY_RESET = ("Your password was reset during this period, so this period's pulse is closed for you "
                   "(an answer under the new password could count you twice).")


def closed_by_reset(state: AppState, key: OwnerKey, today: date) -> bool:
    """True when the owner's password was reset on or after the first day of today's period (see the
    module docstring). "On or after", not "within": the reset's day is the calendar's (or
    MOMENTUM_TODAY's) while the pulse's today may be the data's own day (the demo's, which does not
    move), so a reset recorded later than the pulse's today still closes the period the person is in."""
    start = period_of(today).start
    return any(day >= start for day in users.password_reset_days(state, key.username))


def submit(state: AppState, key: OwnerKey, *, team: str | None, answers: Mapping[str, str], today: date
           ) -> dict[str, float]:
    """Store this period's answers: the owner's sealed copy and the team's sums, together or not at all.

    Not audited by name on purpose: the audit log is read by managers, and an entry would show
    who answered and so who skipped (docs/security.md)."""
    period = period_of(today).label
    try:
        CBI.score(answers)
    except ValueError as exc:
        raise PulseError(str(exc).capitalize() + ".") from None
    if closed_by_reset(state, key, today):
        raise PulseError(CLOSED_BY_RESET)
    with state.transaction() as con:
        return _add(con, key, period, team, answers)


def skip(state: AppState, key: OwnerKey, today: date) -> None:
    """Skip this period: a sealed row that no one but the owner can tell from an answer. No sums change."""
    period = period_of(today).label
    if closed_by_reset(state, key, today):
        raise PulseError(CLOSED_BY_RESET)
    with state.transaction() as con:
        if con.execute(con.q("pulse", "owner_has"), (key.ref, period)).fetchone():
            raise PulseError("You have already answered or skipped this period's pulse.")
        con.execute(con.q("pulse", "owner_insert"), (key.ref, period, _seal(key, period, {"skipped": True})))


def seed(state: AppState, rows: Iterable[tuple[OwnerKey | None, str, str | None, Mapping[str, str]]]) -> int:
    """Demo build only: (owner key or None, period label, team, answers) rows, in one transaction."""
    n = 0
    with state.transaction() as con:
        for key, period, team, answers in rows:
            _add(con, key, period, team, answers)
            n += 1
    return n


def has_pulse_data(state: AppState) -> bool:
    with state.reading() as con:
        return bool(con.execute(con.q("pulse", "sums_any")).fetchone()[0])


# -- the owner's reads ------------------------------------------------------------


def _owner_rows(state: AppState, key: OwnerKey) -> dict[str, dict]:
    with state.reading() as con:
        rows = con.execute(con.q("pulse", "owner_rows"), (key.ref,)).fetchall()
    out = {}
    for r in rows:
        opened = _open(key, r["period"], r["sealed"])
        if opened is not None:
            out[r["period"]] = opened
    return out


def status(state: AppState, key: OwnerKey, today: date) -> str:
    """This period, for its owner only: "due", "answered", "skipped", or "closed" (a password reset)."""
    period = period_of(today).label
    with state.reading() as con:
        row = con.execute(con.q("pulse", "owner_rows"), (key.ref,)).fetchall()
    mine = {r["period"]: r["sealed"] for r in row}
    if period not in mine:
        return "closed" if closed_by_reset(state, key, today) else "due"
    opened = _open(key, period, mine[period])
    return "skipped" if opened is None or opened.get("skipped") else "answered"


def own_history(state: AppState, key: OwnerKey) -> pd.DataFrame:
    """The owner's own scores, period by period (skipped periods left out). Needs the owner's key."""
    months = period_months()
    rows = []
    for label, opened in sorted(_owner_rows(state, key).items()):
        if opened.get("skipped"):
            continue
        scores = opened["scores"]
        period = period_from_label(label, months)
        rows.append({"period": label, "period_title": period.title, "period_start": period.start,
                     **{s: float(scores[s]) for s in SCALES},
                     **{f"{s}_band": CBI.band(float(scores[s])) for s in SCALES}})
    return pd.DataFrame(rows, columns=["period", "period_title", "period_start", *SCALES,
                                       *(f"{s}_band" for s in SCALES)])


# -- aggregates: the only reader of the team sums ---------------------------------


def shown_aggregates(sums: pd.DataFrame, min_n: int = CBI.min_respondents) -> pd.DataFrame:
    """Per closed period: the practice and every named team, each shown or not, by two rules.

    1. An aggregate is shown only when at least ``min_n`` people answered in it (design §6).
    2. Differencing: the practice is everyone; the teams are disjoint parts of it. Subtracting
       the shown teams from the practice gives the answers of the people outside them. The
       practice is therefore withheld when that remainder is 1 to ``min_n - 1`` people; a
       remainder of 0 (the practice is just the shown teams) or of ``min_n`` or more reveals
       no group smaller than ``min_n``. No two shown aggregates then differ by 1 to
       ``min_n - 1`` people.
    ``sums``: one row per period and team bucket (team '' = people on no team, never shown alone).
    """
    out = []
    for period, part in sums.groupby("period", sort=True):
        teams = part[part["team"] != NO_TEAM]
        shown = teams[teams["respondents"] >= min_n]
        everyone = int(part["respondents"].sum())
        remainder = everyone - int(shown["respondents"].sum())
        for row in teams.itertuples(index=False):
            ok = row.respondents >= min_n
            out.append(_aggregate(period, "team", row.team, ok, None if ok else FEWER, row.respondents,
                                  row.work_sum, row.client_sum, row.any_high))
        if everyone < min_n:
            status, note = False, FEWER
        elif 0 < remainder < min_n:
            status, note = False, WITHHELD.format(n=min_n)
        else:
            status, note = True, None
        out.append(_aggregate(period, "practice", None, status, note, everyone, part["work_sum"].sum(),
                              part["client_sum"].sum(), part["any_high"].sum()))
    frame = pd.DataFrame(out, columns=[c for c in AGGREGATE_COLUMNS if c != "period_title"] + ["shown"])
    return frame


def _aggregate(period, level, team, shown, note, n, work_sum, client_sum, any_high) -> dict:
    """One aggregate; a withheld one carries no number at all, not even its respondent count."""
    if not shown:
        return {"period": period, "level": level, "team": team, "status": note, "respondents": None,
                "work_mean": None, "client_mean": None, "high_share": None, "note": note, "shown": False}
    n = int(n)
    return {"period": period, "level": level, "team": team, "status": "shown", "respondents": n,
            "work_mean": float(work_sum) / n, "client_mean": float(client_sum) / n,
            "high_share": float(any_high) / n, "note": None, "shown": True}


def _closed_sums(state: AppState, today: date) -> pd.DataFrame:
    current = period_of(today).label
    with state.reading() as con:
        rows = con.execute(con.q("pulse", "sums_closed"), (current,)).fetchall()
    return pd.DataFrame([dict(r) for r in rows],
                        columns=["period", "team", "respondents", "work_sum", "client_sum", "work_high",
                                 "client_high", "any_high"])


def _without_one(sums: pd.DataFrame) -> pd.DataFrame:
    """The sums as a reader who may have answered sees them once they take their own answer out. Their
    answer counts toward the team they were on when they answered, which may not be their team now
    (and nothing records it), so: one respondent fewer in every team's bucket and the no-team bucket."""
    return sums.assign(respondents=(sums["respondents"] - 1).clip(lower=0))


def _withheld_for_reader(aggregates: pd.DataFrame, sums: pd.DataFrame,
                         min_n: int = CBI.min_respondents) -> pd.DataFrame:
    """A reader who also answers knows their own answer, so they could subtract it from an aggregate
    that holds it. Each aggregate is shown to them only if it is shown to everyone (the rules over
    every team) AND the same rules still hold with one respondent fewer in every team: whichever
    group holds their answer, what is left once they take themselves out never rests on fewer than
    ``min_n`` others. They see a subset of what a manager sees."""
    alone = shown_aggregates(_without_one(sums), min_n).set_index(["period", "level", "team"])["shown"]
    rows = []
    for row in aggregates.to_dict("records"):
        if row["shown"] and not bool(alone.get((row["period"], row["level"], row["team"]), False)):
            row = _aggregate(row["period"], row["level"], row["team"], False, WITHOUT_YOU.format(n=min_n),
                             None, None, None, None)
        rows.append(row)
    return pd.DataFrame(rows, columns=aggregates.columns)


def team_pulse(state: AppState, *, username: str, role: str, teams: Iterable[str], today: date,
               periods: int = 6) -> pd.DataFrame:
    """The team pulse a manager or supervisor may see: the practice and ``teams`` (their scope's teams),
    for the last ``periods`` closed periods, each shown or marked "fewer than 5 responses" / withheld.

    The rules are applied over every team at once (what one viewer sees, another may too), then
    narrowed to the viewer's teams. A reader who also answers the pulse (a supervisor) sees only what
    would still be safe without their own answer (:func:`_withheld_for_reader`). Every call is audited.
    Clinicians see only their own answers."""
    if role not in AGGREGATE_READERS:
        raise PermissionError("Only managers and supervisors see the team pulse; everyone sees their own answers.")
    teams = tuple(sorted({t for t in teams if t}))
    months = period_months()
    sums = _closed_sums(state, today)
    aggregates = shown_aggregates(sums)
    if role in RESPONDENT_ROLES and len(aggregates):
        aggregates = _withheld_for_reader(aggregates, sums)
    keep = sorted(aggregates["period"].unique())[-periods:] if len(aggregates) else []
    aggregates = aggregates[aggregates["period"].isin(keep)
                            & ((aggregates["level"] == "practice") | aggregates["team"].isin(teams))]
    aggregates = aggregates.assign(period_title=[period_from_label(p, months).title for p in aggregates["period"]])
    audit.record(state, username, "pulse_aggregates_read", teams=list(teams), periods=list(keep),
                 shown=int(aggregates["shown"].sum()))
    return aggregates[[*AGGREGATE_COLUMNS, "shown"]].reset_index(drop=True)


def rising_teams(aggregates: pd.DataFrame, today: date) -> list[str]:
    """Teams whose share at 50 or more rose two periods running: the last three closed periods
    (consecutive, ending with the one before today's) all shown, each share above the one before.
    A signal for a conversation, not a diagnosis."""
    last = period_of(today).previous()
    window = [last.previous().previous().label, last.previous().label, last.label]
    out = []
    teams = aggregates[aggregates["level"] == "team"]
    for team, part in teams.groupby("team", sort=True):
        rows = part.set_index("period").reindex(window)
        if rows["shown"].eq(True).all():
            share = rows["high_share"].astype(float).tolist()
            if share[0] < share[1] < share[2]:
                out.append(str(team))
    return out
