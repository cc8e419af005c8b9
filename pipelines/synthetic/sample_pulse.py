"""The sample practice's wellbeing pulse: seeded, deterministic answers for the demo.

The pulse is app state (pipelines/appstate/pulse.py), not an export, so the demo build
writes it there (pipelines/demo.py) from this generator. Each team follows one of
three courses over the last ``PERIODS`` closed periods, so the demo shows what
the team pulse does:

- ``small``: at least 5 answer at first, then fewer - "fewer than 5 responses",
  and the practice aggregate withheld in those periods (differencing);
- ``rising``: 5 or more answer, and the share at 50 or more rises over the last
  three periods - the marker on the workload page;
- ``steady``: 6 or 7 answer, a low share at 50 or more.

Teams take the courses in name order (the sample practice: East small, North
rising, South steady). Respondents are drawn from each team's active clinicians
and supervisors; the people behind the demo accounts answer every period, so
their own history shows a trend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipelines.appstate.pulse import Period, period_of
from schemas.wellbeing import CBI

PERIODS = 6
SEED = 20261122
# per course: (respondents, how many of them at 50 or more) for each of the PERIODS periods, oldest first
COURSES = {
    "small": [(5, 1), (6, 1), (4, 1), (5, 1), (3, 1), (4, 1)],
    "rising": [(5, 1), (6, 1), (5, 1), (6, 1), (5, 2), (6, 4)],
    "steady": [(7, 1), (6, 2), (7, 1), (6, 2), (7, 1), (7, 1)],
}
ORDER = ("small", "rising", "steady")


@dataclass(frozen=True)
class PulseAnswer:
    clinician_id: str
    team: str
    period: str
    answers: dict[str, str]


def closed_periods(as_of: date, n: int = PERIODS, months: int | None = None) -> list[Period]:
    """The ``n`` periods before ``as_of``'s own (which is still open), oldest first."""
    out, p = [], period_of(as_of, months).previous()
    for _ in range(n):
        out.append(p)
        p = p.previous()
    return out[::-1]


def _answers(rng: np.random.Generator, high: bool) -> dict[str, str]:
    """One person's answers whose scale scores put them at 50 or more on some scale exactly when ``high``."""
    while True:
        level = rng.uniform(2.7, 3.4) if high else rng.uniform(0.6, 1.6)
        out = {}
        for item in CBI.items:
            step = int(np.clip(round(level + rng.normal(0, 0.5)), 0, 4))  # 0..4 = 0..100 of burnout
            score = 25 * step
            wanted = 100 - score if item.reverse else score
            out[item.id] = next(o.label for o in CBI.options[item.options] if o.score == wanted)
        scores = CBI.score(out)
        if any(CBI.is_high(v) for v in scores.values()) == high:
            return out


def generate(staff: Iterable[tuple[str, str | None, str, bool]], as_of: date, always: Iterable[str] = (),
             seed: int = SEED) -> list[PulseAnswer]:
    """Answers of the closed periods before ``as_of``. ``staff``: (clinician_id, team, role, active);
    managers and inactive staff do not answer; ``always``: clinician_ids that answer every period."""
    rng = np.random.default_rng(seed)
    always = set(always)
    teams: dict[str, list[str]] = {}
    for cid, team, role, active in staff:
        if team and active and role in ("clinician", "supervisor"):
            teams.setdefault(team, []).append(cid)
    out = []
    periods = closed_periods(as_of)
    for i, team in enumerate(sorted(teams)):
        members = sorted(teams[team])
        course = COURSES[ORDER[i % len(ORDER)]]
        for period, (n, n_high) in zip(periods, course, strict=True):
            first = [c for c in members if c in always]
            rest = [c for c in rng.permutation(members).tolist() if c not in always]
            respondents = (first + rest)[:min(n, len(members))]
            high = set(rng.permutation([c for c in respondents if c not in always]).tolist()[:n_high])
            for cid in respondents:
                out.append(PulseAnswer(cid, team, period.label, _answers(rng, cid in high)))
    return out
