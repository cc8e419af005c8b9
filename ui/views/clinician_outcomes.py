"""The clinician outcomes page's parts: how complete the outcome data is, then the outcomes of finished
courses, per clinician in the user's scope (a clinician sees only their own; never a ranked table)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipelines.models import casemix, queries
from schemas.thresholds import THRESHOLDS
from ui import data
from ui.charts import adjusted_effects, completeness_bars
from ui.filters import PageContext
from ui.layout import plain_md

WITH_SCORE_TARGET = 1 - float(THRESHOLDS["sessions_without_score_max"].value)
DNA_TARGET = float(THRESHOLDS["dna_rate_max"].value)
BASELINE_BY = int(THRESHOLDS["baseline_by_session"].value)
# PCOMS benchmarks shown beside the outcome rates (data, with their sources: schemas/thresholds.toml)
BENCH_IMPROVED = float(THRESHOLDS["benchmark_reliable_or_clinical_change"].value)
BENCH_DETERIORATED = float(THRESHOLDS["benchmark_deterioration_max"].value)
DROPOUT_SESSIONS = int(THRESHOLDS["dropout_max_sessions"].value)


def completeness(ctx: PageContext) -> pd.DataFrame:
    """The completeness of the outcome data, for the whole scope and per clinician; returns the per-clinician rows."""
    rows = data.model(ctx.version, queries.completeness_by_clinician, ctx.scope, ctx.as_of)
    if rows.empty:
        st.info("No attended sessions in this selection yet, so there is nothing to measure.")
        return rows
    total = rows.drop(columns=["meets_score_target", "meets_dna_target"]).sum(numeric_only=True)
    with_score = total["sessions_with_score"] / total["attended_sessions"]
    dna = total["no_shows"] / (total["attended_sessions"] + total["no_shows"])
    tiles = st.columns(4)
    tiles[0].metric("Sessions with an outcome score", f"{with_score:.0%}", border=True,
                    help=f"Attended sessions with a PHQ-9, GAD-7 or ORS score the same day. Target: at least "
                         f"{WITH_SCORE_TARGET:.0%} ({THRESHOLDS['sessions_without_score_max'].source}).")
    tiles[1].metric("Did not attend", f"{dna:.0%}", border=True,
                    help=f"No-shows ÷ (attended + no-shows). Target: under {DNA_TARGET:.0%} "
                         f"({THRESHOLDS['dna_rate_max'].source}).")
    tiles[2].metric(f"Baseline by session {BASELINE_BY}", f"{total['early_baseline'] / total['clients_seen']:.0%}",
                    border=True, help=f"Clients seen whose first outcome score came by their session {BASELINE_BY}.")
    finished = total["finished_courses"]
    tiles[3].metric("Finished courses without a final score",
                    f"{total['finished_without_final_score'] / finished:.0%}" if finished else "–", border=True,
                    help="Discharged clients with no outcome score on or after their last attended session.")
    st.caption(f"{int(total['attended_sessions']):,} attended sessions of {int(total['clients_seen']):,} clients; "
               f"{int(total['two_scores']):,} clients ({total['two_scores'] / total['clients_seen']:.0%}) have two or "
               "more scores on one measure, the least a change figure needs.")
    named = rows.assign(clinician=rows["clinician_id"].map(ctx.clinician_name))
    left, right = st.columns(2)
    with left:
        st.plotly_chart(completeness_bars(named.assign(n=named["attended_sessions"]), "pct_sessions_with_score",
                                          "sessions with an outcome score", WITH_SCORE_TARGET,
                                          f"target {WITH_SCORE_TARGET:.0%}", meets="meets_score_target"),
                        config={"displayModeBar": False}, key="completeness_scored")
    with right:
        st.plotly_chart(completeness_bars(named.assign(n=named["attended_sessions"] + named["no_shows"]), "dna_rate",
                                          "did not attend", DNA_TARGET, f"target under {DNA_TARGET:.0%}",
                                          meets="meets_dna_target"),
                        config={"displayModeBar": False}, key="completeness_dna")
    return rows


def overdue(ctx: PageContext) -> str | None:
    """The clients whose outcome measure is overdue (the MEASURES_MISSING flag); the client picked, if any."""
    flags = data.model(ctx.version, queries.active_flags, ctx.scope, ctx.as_of)
    late = flags[flags["flag"] == "MEASURES_MISSING"]
    if late.empty:
        st.success("No client's outcome measure is overdue.")
        return None
    shown = late.assign(clinician=late["clinician_id"].map(ctx.clinician_name))[["client_id", "clinician", "reason"]]
    event = st.dataframe(shown.sort_values(["clinician", "client_id"]), hide_index=True, key="overdue_measures",
                         on_select="rerun", selection_mode="single-row",
                         column_config={"client_id": "Client", "clinician": "Clinician", "reason": "Why"})
    picked = event.selection.rows if event and event.selection else []
    return str(shown.sort_values(["clinician", "client_id"]).iloc[picked[0]]["client_id"]) if picked else None


def outcomes(ctx: PageContext) -> None:
    """Outcome rates of finished courses per clinician, with n and the PCOMS benchmarks beside them."""
    rates = data.model(ctx.version, queries.outcome_rates, ctx.scope, ctx.as_of)
    if rates.empty or not rates["finished_courses"].sum():
        st.info("No finished course in this selection yet: rates come from clients discharged by this date.")
        return
    whole = rates["whole_selection"].astype(bool)
    table = pd.concat([rates[whole].assign(clinician="All in this selection"),
                       rates[~whole].assign(clinician=rates.loc[~whole, "clinician_id"].map(ctx.clinician_name))
                       .sort_values("clinician")], ignore_index=True)
    st.dataframe(table[["clinician", "finished_courses", "measured_courses", "pct_reliable_improvement",
                        "pct_reliable_deterioration", "pct_recovery", "pct_dropout", "median_sessions"]],
                 hide_index=True, key="outcome_rates", column_config={
        "clinician": "Clinician",
        "finished_courses": st.column_config.NumberColumn("Finished courses", help="Discharged by this date, seen at "
                                                          "least once"),
        "measured_courses": st.column_config.NumberColumn("Measured", help="Finished courses with 2 or more scores "
                                                          "on the primary measure: the rates' denominator"),
        "pct_reliable_improvement": st.column_config.NumberColumn(
            "Reliable improvement", format="percent",
            help=f"PCOMS benchmark: {BENCH_IMPROVED:.1%} reliable or clinically significant change"),
        "pct_reliable_deterioration": st.column_config.NumberColumn(
            "Reliable deterioration", format="percent", help=f"PCOMS benchmark: at most {BENCH_DETERIORATED:.1%}"),
        "pct_recovery": st.column_config.NumberColumn(
            "Recovery", format="percent",
            help="Of the measured courses that began in the clinical range: ended out of it"),
        "pct_dropout": st.column_config.NumberColumn(
            "Dropout", format="percent",
            help=f"Of finished courses: the last booking was missed, or fewer than {DROPOUT_SESSIONS} sessions "
                 "without a last score out of the clinical range"),
        "median_sessions": st.column_config.NumberColumn("Median sessions", format="%.1f",
                                                         help="Attended sessions of the finished courses"),
    })
    st.caption(plain_md(
        f"Benchmarks (PCOMS): reliable or clinically significant change {BENCH_IMPROVED:.1%} "
        f"({THRESHOLDS['benchmark_reliable_or_clinical_change'].source}); deterioration at most "
        f"{BENCH_DETERIORATED:.1%} ({THRESHOLDS['benchmark_deterioration_max'].source}). Dropout: "
        f"{THRESHOLDS['dropout_max_sessions'].source}; or the client's last booking was a no-show or a late "
        "cancellation. Rows are in name order, not ranked; a rate from a few courses says little."))
    low = rows_below_completeness(ctx)
    if low:
        st.warning(plain_md(f"Outcome data is patchy for {', '.join(low)}: under "
                                f"{WITH_SCORE_TARGET:.0%} of sessions have a score, so their rates may not "
                                "reflect their clients' change."), icon=":material/warning:")


def rows_below_completeness(ctx: PageContext) -> list[str]:
    rows = data.model(ctx.version, queries.completeness_by_clinician, ctx.scope, ctx.as_of)
    below = rows[~rows["meets_score_target"].fillna(False).astype(bool)]
    return sorted(ctx.clinician_name(c) for c in below["clinician_id"])


ADJUSTED_NOTE = (
    "Each client whose first outcome score was in the clinical range and who has a later one is a case. "
    "Their change is compared with what the practice's clients with the same intake score, first assessed "
    "at the same point in treatment, changed (a least-squares fit per measure), and expressed in standard "
    "deviations of intake scores: the severity-adjusted effect size of the ACORN Criteria for Effectiveness. "
    "A clinician's figure is the mean over their cases with its 90% interval.")


def adjusted(ctx: PageContext) -> None:
    """The severity-adjusted effect size of each clinician in scope, against the practice's unnamed spread."""
    result = data.adjusted_outcomes(ctx.version, ctx.scope, ctx.as_of)
    st.caption(ADJUSTED_NOTE)
    if result.practice_cases < casemix.MIN_PRACTICE_CASES:
        st.info(f"The practice has {result.practice_cases} cases; a figure needs at least "
                f"{casemix.MIN_PRACTICE_CASES} ({casemix.MIN_PRACTICE_CASES - result.practice_cases} more), "
                f"so none is shown yet ({THRESHOLDS['ace_min_practice_cases'].source}).")
        return
    st.metric("The practice", f"{result.practice_effect:.2f}", border=True,
              help=f"{result.practice_cases:,} cases; 90% interval {result.practice_low:.2f} to "
                   f"{result.practice_high:.2f}")
    table = result.clinicians
    if table.empty:
        st.info("No case in this selection yet: a case needs an intake score in the clinical range and a later one.")
        return
    named = table.assign(clinician=table["clinician_id"].map(ctx.clinician_name))
    shown = named[named["cases"] >= casemix.MIN_CLINICIAN_CASES]
    st.plotly_chart(adjusted_effects(shown, result.spread, casemix.EFFECTIVE, casemix.HIGHLY_EFFECTIVE),
                    config={"displayModeBar": False}, key="adjusted_effects")
    view = named.sort_values("clinician")[["clinician", "cases", "adjusted_effect", "ci_low", "ci_high", "verdict",
                                            "share_significantly_improved", "share_somewhat_improved",
                                            "share_no_change", "share_somewhat_worse", "share_significantly_worse"]]
    few = view["cases"] < casemix.MIN_CLINICIAN_CASES
    view.loc[few, ["adjusted_effect", "ci_low", "ci_high"]] = float("nan")  # a figure needs 15 cases: not shown
    pct = {"format": "percent"}
    st.dataframe(view, hide_index=True, key="adjusted_table", column_config={
        "clinician": "Clinician", "cases": "Cases",
        "adjusted_effect": st.column_config.NumberColumn("Adjusted effect size", format="%.2f"),
        "ci_low": st.column_config.NumberColumn("90% interval from", format="%.2f"),
        "ci_high": st.column_config.NumberColumn("to", format="%.2f"),
        "verdict": "ACE", "share_significantly_improved": st.column_config.NumberColumn("Significantly improved", **pct),
        "share_somewhat_improved": st.column_config.NumberColumn("Somewhat improved", **pct),
        "share_no_change": st.column_config.NumberColumn("No change", **pct),
        "share_somewhat_worse": st.column_config.NumberColumn("Somewhat worse", **pct),
        "share_significantly_worse": st.column_config.NumberColumn("Significantly worse", **pct)})
    st.caption(plain_md(
        f"Effective: the interval's lower end above {casemix.EFFECTIVE:g}; highly effective: above "
        f"{casemix.HIGHLY_EFFECTIVE:g} (ACE, at 90% confidence), with at least {casemix.MIN_CLINICIAN_CASES} cases. "
        f"Client bands: beyond ±{casemix.SOMEWHAT:g} somewhat, beyond ±{casemix.SIGNIFICANT:g} significantly "
        "improved or worse. Rows are in name order, never ranked."))
    thin = rows_below_consistency(ctx)
    if thin:
        st.warning(plain_md(f"Fewer than {TWO_SCORES_SHARE:.0%} of the clients of {', '.join(thin)} have two or "
                            "more scores, the least ACE asks: their figures may not reflect their caseload."),
                   icon=":material/warning:")


TWO_SCORES_SHARE = float(THRESHOLDS["ace_min_two_scores_share"].value)


def rows_below_consistency(ctx: PageContext) -> list[str]:
    rows = data.model(ctx.version, queries.completeness_by_clinician, ctx.scope, ctx.as_of)
    below = rows[rows["pct_two_scores"] < TWO_SCORES_SHARE]
    return sorted(ctx.clinician_name(c) for c in below["clinician_id"])
