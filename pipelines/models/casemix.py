"""Clinician outcomes adjusted for case mix: the severity-adjusted effect size of the ACORN Criteria for
Effectiveness (ACE; Brown & Minami; psychoutcomes.org, "Severity Adjusted Effect Size").

Cases are clients whose intake score is in the clinical range and who have a later score, on their
primary measure (``pipelines/sql/cte_casemix_cases.sql``). For each measure, change is fitted on the
practice by least squares on the intake score and the session of the first assessment
(``model_casemix_fit``: sums of products only, so the fit reads no client). A client's adjusted effect
size is the measure's mean change plus the client's residual, divided by the standard deviation of the
measure's intake scores. A clinician's figure is the mean over their cases, with a 90% confidence
interval (Student's t). ACE fits a hierarchical linear model for the interval; this is the simple
mean, which is wider for small caseloads, so it claims less, not more.

Every cut-off is data in ``schemas/thresholds.toml`` (section ``casemix``), with its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from pipelines.models import queries
from pipelines.scope import Scope
from schemas.thresholds import THRESHOLDS


def _t(name: str) -> float:
    return float(THRESHOLDS[name].value)


SOMEWHAT = _t("ace_band_somewhat")  # 0.3 effect size: the standard error of measurement at reliability .9
SIGNIFICANT = _t("ace_band_significant")  # 0.8: the reliable change index at reliability .9
EFFECTIVE = _t("ace_effective")
HIGHLY_EFFECTIVE = _t("ace_highly_effective")
MIN_CLINICIAN_CASES = int(_t("ace_min_clinician_cases"))
MIN_PRACTICE_CASES = int(_t("ace_min_practice_cases"))

# Student's t, one-sided 0.95 quantiles (the bounds of a two-sided 90% interval) by degrees of freedom
_T95 = {1: 6.314, 2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943, 7: 1.895, 8: 1.860, 9: 1.833, 10: 1.812,
        11: 1.796, 12: 1.782, 13: 1.771, 14: 1.761, 15: 1.753, 16: 1.746, 17: 1.740, 18: 1.734, 19: 1.729,
        20: 1.725, 21: 1.721, 22: 1.717, 23: 1.714, 24: 1.711, 25: 1.708, 26: 1.706, 27: 1.703, 28: 1.701,
        29: 1.699, 30: 1.697, 40: 1.684, 60: 1.671, 120: 1.658}


def t95(df: int) -> float:
    """The one-sided 0.95 quantile of Student's t with ``df`` degrees of freedom (the next tabled df below)."""
    if df < 1:
        return math.inf
    return _T95[max(k for k in _T95 if k <= df)] if df <= 120 else 1.645


@dataclass(frozen=True)
class Fit:
    """The practice's fit for one measure: change ≈ b0 + b1 × intake + b2 × first session."""

    measure: str
    cases: int
    beta: tuple[float, float, float]
    mean_change: float
    intake_sd: float


def fit(groups: pd.DataFrame) -> dict[str, Fit]:
    """The least-squares fit per measure from the sums of products of ``model_casemix_fit``."""
    fits: dict[str, Fit] = {}
    for measure, part in groups.groupby("measure"):
        s = part[["n", "sx", "ss", "sy", "sxx", "sss", "sxs", "sxy", "ssy"]].astype(float).sum()
        xtx = np.array([[s.n, s.sx, s.ss], [s.sx, s.sxx, s.sxs], [s.ss, s.sxs, s.sss]])
        xty = np.array([s.sy, s.sxy, s.ssy])
        beta = np.linalg.lstsq(xtx, xty, rcond=None)[0]  # the least-norm solution when a column is constant
        sd = float(part["intake_sd"].iloc[0]) if pd.notna(part["intake_sd"].iloc[0]) else 0.0
        fits[str(measure)] = Fit(str(measure), int(s.n), (float(beta[0]), float(beta[1]), float(beta[2])),
                                 float(part["mean_change"].iloc[0]), sd)
    return fits


def band(effect: float) -> str:
    """ACE's bands of a client's change (effect size units)."""
    if effect > SIGNIFICANT:
        return "significantly_improved"
    if effect > SOMEWHAT:
        return "somewhat_improved"
    if effect < -SIGNIFICANT:
        return "significantly_worse"
    if effect < -SOMEWHAT:
        return "somewhat_worse"
    return "no_change"


def client_effects(clients: pd.DataFrame, fits: dict[str, Fit]) -> pd.DataFrame:
    """Each case's adjusted effect size and band (``clients``: rows of ``model_casemix_clients``)."""
    out = clients.copy()
    effects = []
    for row in out.itertuples():
        f = fits.get(row.measure)
        if f is None or f.intake_sd <= 0:
            effects.append(float("nan"))
            continue
        predicted = f.beta[0] + f.beta[1] * row.intake_score + f.beta[2] * row.first_session
        effects.append((f.mean_change + row.change - predicted) / f.intake_sd)
    out["adjusted_effect"] = effects
    out["band"] = [band(e) if e == e else "" for e in effects]
    return out


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and two-sided 90% interval (Student's t)."""
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    half = t95(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def verdict(cases: int, low: float, practice_cases: int) -> str:
    """ACE's words for a clinician, or how many more cases a figure needs."""
    if practice_cases < MIN_PRACTICE_CASES:
        return f"the practice needs {MIN_PRACTICE_CASES - practice_cases} more cases"
    if cases < MIN_CLINICIAN_CASES:
        return f"{MIN_CLINICIAN_CASES - cases} more cases needed"
    if low > HIGHLY_EFFECTIVE:
        return "highly effective"
    if low > EFFECTIVE:
        return "effective"
    return "not shown above the benchmark"


def by_clinician(effects: pd.DataFrame, practice_cases: int) -> pd.DataFrame:
    """One row per clinician: cases, the mean adjusted effect size and its 90% interval, the share of cases
    in each band, and the verdict (or how many more cases are needed). Rows in clinician_id order."""
    rows = []
    for clinician, part in effects.dropna(subset=["adjusted_effect"]).groupby("clinician_id"):
        mean, low, high = interval(part["adjusted_effect"].to_numpy())
        shares = part["band"].value_counts(normalize=True)
        rows.append({
            "clinician_id": clinician, "cases": len(part), "adjusted_effect": mean, "ci_low": low, "ci_high": high,
            "verdict": verdict(len(part), low if low == low else -math.inf, practice_cases),
            **{f"share_{b}": float(shares.get(b, 0.0)) for b in
               ("significantly_improved", "somewhat_improved", "no_change", "somewhat_worse", "significantly_worse")},
        })
    columns = ["clinician_id", "cases", "adjusted_effect", "ci_low", "ci_high", "verdict",
               "share_significantly_improved", "share_somewhat_improved", "share_no_change", "share_somewhat_worse",
               "share_significantly_worse"]
    return pd.DataFrame(rows, columns=columns)


def _group_sums(row, f: Fit) -> tuple[float, float, float]:
    """(cases, Σ effect, Σ effect²) of one group's cases on one measure, from its sums of products:
    effect = (mean change + r) / sd with residual r = y − b0 − b1·x − b2·s."""
    b0, b1, b2 = f.beta
    n = float(row.n)
    sum_r = row.sy - b0 * n - b1 * row.sx - b2 * row.ss
    sum_r2 = (row.syy - 2 * (b0 * row.sy + b1 * row.sxy + b2 * row.ssy)
              + b0 * b0 * n + b1 * b1 * row.sxx + b2 * b2 * row.sss
              + 2 * (b0 * b1 * row.sx + b0 * b2 * row.ss + b1 * b2 * row.sxs))
    mc, sd = f.mean_change, f.intake_sd
    return n, (mc * n + sum_r) / sd, (n * mc * mc + 2 * mc * sum_r + sum_r2) / (sd * sd)


def distribution(groups: pd.DataFrame, fits: dict[str, Fit]) -> pd.DataFrame:
    """Every clinician of the practice as an unnamed group: cases, Σ effect and Σ effect² of their cases,
    and their mean adjusted effect size, from the sums of ``model_casemix_fit`` alone."""
    totals: dict[int, list[float]] = {}
    for row in groups.itertuples():
        f = fits[row.measure]
        if f.intake_sd <= 0:
            continue
        n, s1, s2 = _group_sums(row, f)
        acc = totals.setdefault(int(row.clinician_group), [0.0, 0.0, 0.0])
        acc[0], acc[1], acc[2] = acc[0] + n, acc[1] + s1, acc[2] + s2
    return pd.DataFrame([{"clinician_group": g, "cases": int(n), "sum_effect": s1, "sum_effect2": s2,
                          "adjusted_effect": s1 / n} for g, (n, s1, s2) in sorted(totals.items()) if n],
                        columns=["clinician_group", "cases", "sum_effect", "sum_effect2", "adjusted_effect"])


@dataclass(frozen=True)
class Outcomes:
    """What the page and the report show: the scope's cases and clinicians, the practice's figure and spread."""

    clients: pd.DataFrame
    clinicians: pd.DataFrame
    practice_cases: int
    practice_effect: float
    practice_low: float
    practice_high: float
    spread: pd.DataFrame  # every clinician of the practice, unnamed


def outcomes(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> Outcomes:
    groups = queries.casemix_fit(cur, scope, as_of)
    fits = fit(groups)
    clients = client_effects(queries.casemix_clients(cur, scope, as_of), fits)
    spread = distribution(groups, fits)
    n = int(spread["cases"].sum())
    mean = low = high = float("nan")
    if n:
        mean = float(spread["sum_effect"].sum()) / n
    if n >= 2:
        variance = (float(spread["sum_effect2"].sum()) - n * mean * mean) / (n - 1)
        half = t95(n - 1) * math.sqrt(max(variance, 0.0) / n)
        low, high = mean - half, mean + half
    return Outcomes(clients, by_clinician(clients, n), n, mean, low, high,
                    spread[["clinician_group", "cases", "adjusted_effect"]])
