"""The scale curve (``python -m pipelines bench all --plot``) and the ingest's per-session cost."""

from __future__ import annotations


def _size(benchmark: str, result: dict) -> int:
    return result["rows"]["sessions"] if benchmark == "ingest" else result["sessions"]


def merged(*runs: dict) -> dict:
    """Reports of several runs (each what ``--json`` printed: one benchmark's report, or ``bench all``'s
    reports by benchmark) as one set by benchmark, each benchmark's results ordered by practice size; where two
    runs measured the same size, the later one's result is kept."""
    out: dict[str, dict] = {}
    for run in runs:
        for report in ([run] if "benchmark" in run else list(run.values())):
            kind = report["benchmark"]
            mine = out.setdefault(kind, {**report, "results": []})
            by_size = {_size(kind, r): r for r in mine["results"]}
            by_size.update({_size(kind, r): r for r in report["results"]})
            mine["results"] = [by_size[n] for n in sorted(by_size)]
    return out


def scale_summary(reports: dict) -> list[str]:
    """Per-session cost of the validated ingest across sizes, and how much it grows."""
    ingest = reports.get("ingest")
    if not ingest or len(ingest["results"]) < 2:
        return []
    rows = [(r["rows"]["sessions"], r["validated_s"]) for r in ingest["results"]]
    base = [x for x in rows if x[0] >= 90_000] or rows
    first, last = base[0], base[-1]
    growth = (last[1] / last[0]) / (first[1] / first[0])
    lines = ["per-session ingest cost: " + ", ".join(f"{n:,}: {s / n * 1e6:.1f} µs" for n, s in rows)]
    lines.append(f"growth from {first[0]:,} to {last[0]:,} sessions: {growth:.2f}x (target <= 1.3)")
    return lines


def scale_figure(reports: dict):
    """The scale curve: each measured phase's median time against practice size (log-log)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    series = []
    if "ingest" in reports:
        rows = reports["ingest"]["results"]
        sizes = [r["rows"]["sessions"] for r in rows]
        series += [("ingest, validated", sizes, [r["validated_s"] for r in rows], "solid"),
                   ("ingest, DuckDB raw read_csv", sizes, [r["raw_s"] for r in rows], "dot")]
    if "models" in reports:
        rows = reports["models"]["results"]
        sizes = [r["sessions"] for r in rows]
        series += [("models: refresh at ingest", sizes, [r["refresh_s"] for r in rows], "solid"),
                   ("models: read every mart", sizes, [r["read_s"] for r in rows], "solid"),
                   ("full aggregate scan of sessions", sizes, [r["scan_s"] for r in rows], "dot")]
    if "pages" in reports:
        rows = reports["pages"]["results"]
        series.append(("slowest page, warm", [r["sessions"] for r in rows], [r["slowest_warm_s"] for r in rows],
                       "solid"))
    for name, x, y, dash in series:
        fig.add_scatter(x=x, y=y, name=name, mode="lines+markers", line={"dash": dash})
    fig.update_layout(
        title="Momentum at scale: median seconds per phase against practice size (2 cores)",
        xaxis={"title": "sessions in the practice", "type": "log"},
        yaxis={"title": "seconds (median)", "type": "log"},
        width=1100, height=650, template="plotly_white",
    )
    return fig
