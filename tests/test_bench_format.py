"""The benchmark's summaries, from made-up figures (the benchmark itself is not part of the tests)."""

from __future__ import annotations

import json

from pipelines.bench import figure
from pipelines.bench import models as models_bench
from pipelines.bench import pages as pages_bench


def _ingest(*rows):
    return {"benchmark": "ingest", "repeat": 3, "cpu_count": 2, "duckdb": "2.0.0",
            "targets": {"ratio_max": 2.0, "peak_rss_mb_max": 1536},
            "results": [{"rows": {"sessions": n}, "csv_mb": 1, "validated_s": s, "raw_s": s / 2, "ratio": 2.0,
                         "validated_peak_rss_mb": 100, "raw_peak_rss_mb": 50} for n, s in rows]}


def test_scale_summary_reports_per_session_cost_growth_from_100k():
    lines = figure.scale_summary({"ingest": _ingest((10_000, 1.0), (100_000, 2.0), (1_000_000, 26.0))})
    assert lines[0].startswith("per-session ingest cost: 10,000: 100.0 µs, 100,000: 20.0 µs, 1,000,000: 26.0 µs")
    assert lines[1] == "growth from 100,000 to 1,000,000 sessions: 1.30x (target <= 1.3)"
    assert figure.scale_summary({"ingest": _ingest((10_000, 1.0))}) == []


def test_pages_report_lists_every_page_for_each_role():
    report = {"repeat": 3, "cpu_count": 2, "targets": {"warm_page_s_max": 1.5}, "results": [{
        "sessions": 1000, "scan_s": 0.01, "slowest_warm_s": 0.9, "slowest_warm_ratio": 90.0,
        "roles": {"manager": {"pages": {"caseload": {"cold_s": 1.2, "warm_s": 0.9}, "audit_log": {"cold_s": 0.1,
                                                                                                   "warm_s": 0.05}},
                              "peak_rss_mb": 300},
                  "supervisor": {"pages": {"caseload": {"cold_s": 0.8, "warm_s": 0.4}}, "peak_rss_mb": 250}}}]}
    text = pages_bench.format_report(report)
    assert "slowest warm page 0.9 s (target <= 1.5 s)" in text
    audit = next(line for line in text.splitlines() if line.strip().startswith("audit_log"))
    assert audit.split()[1:] == ["0.1", "0.05", "-", "-"]
    assert "peak memory: manager 300 MB, supervisor 250 MB" in text


def test_scale_figure_has_a_series_per_phase():
    fig = figure.scale_figure({"ingest": _ingest((10_000, 1.0), (100_000, 2.0))})
    assert [t.name for t in fig.data] == ["ingest, validated", "ingest, DuckDB raw read_csv"]


def test_models_report_gives_the_refresh_and_the_reads_their_own_peak_memory():
    report = {"repeat": 3, "cpu_count": 2, "targets": {"ratio_max": 10},
              "results": [{"sessions": 1_000_000, "scan_s": 0.05, "read_s": 0.8, "ratio": 16.0, "live_s": 30.0,
                           "live_ratio": 600.0, "refresh_s": 35.0, "refresh_peak_rss_mb": 1165.0,
                           "peak_rss_mb": 1692.0, "refresh_per_model_s": {"active_flags": 10.1},
                           "read_per_model_s": {"active_flags": 0.05}, "read_supervisor_s": 0.2,
                           "supervisor_ratio": 4.0, "supervisor_scope": 12}]}
    text = models_bench.format_report(report)
    assert "ratio 16.0 (target <= 10)" in text
    assert "as the largest team's supervisor (12 clinicians) 0.2 s, ratio 4.0" in text
    assert "peak memory: refresh 1165.0 MB, scan/read/live 1692.0 MB" in text
    assert "refresh active_flags" in text and "read     0.05 s" in text


def _pages(*rows):
    return {"benchmark": "pages", "repeat": 3, "results": [{"sessions": n, "slowest_warm_s": s} for n, s in rows]}


def test_reports_of_several_runs_merge_by_practice_size_the_later_run_kept():
    small = {"ingest": _ingest((10_000, 1.0), (1_000_000, 26.0)), "pages": _pages((10_000, 0.3))}
    large = _ingest((10_000_000, 300.0), (1_000_000, 20.0))
    merged = figure.merged(small, large, _pages((10_000_000, 1.3)))
    assert [(r["rows"]["sessions"], r["validated_s"]) for r in merged["ingest"]["results"]] == [
        (10_000, 1.0), (1_000_000, 20.0), (10_000_000, 300.0)]
    assert [r["sessions"] for r in merged["pages"]["results"]] == [10_000, 10_000_000]
    fig = figure.scale_figure(merged)
    assert list(fig.data[0].x) == [10_000, 1_000_000, 10_000_000]


def test_bench_plot_merges_saved_reports_and_says_when_one_is_not_a_report(tmp_path, capsys):
    from pipelines.cli import main

    saved = tmp_path / "ingest.json"
    saved.write_text(json.dumps(_ingest((100_000, 2.0), (1_000_000, 26.0))), encoding="utf-8")
    assert main(["bench", "plot", "--merge", str(saved)]) == 0
    assert "growth from 100,000 to 1,000,000 sessions: 1.30x" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"not": "a report"}), encoding="utf-8")
    assert main(["bench", "plot", "--merge", str(bad)]) == 2
    assert "is not a benchmark report" in capsys.readouterr().err
    assert main(["bench", "plot", "--merge", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["bench", "plot"]) == 2
    assert "nothing measured and no report to merge" in capsys.readouterr().err


def test_models_report_says_when_the_live_runs_were_left_out():
    report = {"repeat": 3, "cpu_count": 2, "targets": {"ratio_max": 10},
              "results": [{"sessions": 10_000_000, "scan_s": 0.3, "read_s": 2.0, "ratio": 6.7, "live_s": None,
                           "live_ratio": None, "refresh_s": 180.0, "refresh_peak_rss_mb": 1500.0,
                           "peak_rss_mb": 1600.0, "refresh_per_model_s": {}, "read_per_model_s": {}}]}
    assert "computed live: not measured (--no-live)" in models_bench.format_report(report)
