"""docs/clinical-definitions.md matches the data: every threshold, flag and instrument."""

from __future__ import annotations

import re
from datetime import date

from schemas.instruments import INSTRUMENTS
from schemas.thresholds import FLAG_SEVERITY, THRESHOLDS
from tests.conftest import REPO

DOC = (REPO / "docs" / "clinical-definitions.md").read_text(encoding="utf-8")


def _fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def test_every_threshold_is_documented_with_its_value():
    for name, threshold in THRESHOLDS.items():
        assert f"`{name}` = {_fmt(threshold.value)}" in DOC, f"{name} = {threshold.value} is not in the doc"


def test_every_threshold_has_a_source():
    for name, threshold in THRESHOLDS.items():
        assert len(threshold.source) > 20, name


def test_every_flag_is_documented_with_its_severity():
    for code, severity in FLAG_SEVERITY.items():
        assert re.search(rf"^\| {code} \| {severity} \|", DOC, flags=re.M), code


def test_instrument_table_matches_the_data():
    for code, inst in INSTRUMENTS.items():
        row = re.search(rf"^\| {re.escape(code)} \| (\d+)–(\d+) \| (\w+) \|([^|]*)\|([^|]*)\|", DOC, flags=re.M)
        assert row, code
        lo, hi, better, caseness, rc = row.groups()
        assert (float(lo), float(hi), better) == (inst.range_min, inst.range_max, inst.better), code
        if inst.caseness is not None:
            symbol = "≥" if inst.caseness_rule == "at_or_above" else "<"
            assert f"{symbol} {_fmt(inst.caseness)}" in caseness, code
        if inst.alliance_risk_below is not None:
            assert f"< {_fmt(inst.alliance_risk_below)}" in caseness, code
        if inst.rc_threshold is not None:
            assert f"≥ {_fmt(inst.rc_threshold)} points" in rc, code


def test_etr_figures_in_the_doc_come_from_the_command():
    assert "python -m pipelines etr-check" in DOC
    assert (REPO / "docs" / "etr-reference-phq9.png").stat().st_size > 10_000


def _where_rows() -> list[list[str]]:
    section = DOC.split("## Where each number comes from", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| page element")]
    assert len(rows) >= 10
    return rows


def _columns(model) -> set[str]:
    """The model's output columns, from DuckDB's own binder on an empty practice (no data needed)."""
    import duckdb

    from pipelines.models import compose
    from pipelines.scope import Scope
    from pipelines.sql_files import statements

    con = duckdb.connect()
    for stmt in statements("data_schema"):
        con.execute(stmt)
    text, params = compose.statement(model.name, Scope(("T1",)), date(2026, 1, 1),
                                     {"client_id": "C1"} if model.per_client else None)
    return {row[0] for row in con.execute("DESCRIBE " + text, params).fetchall()}


def _code(file: str) -> str:
    """A named SQL file without its comments: what it computes, not what it says."""
    from pipelines.sql_files import sql

    return "\n".join(line.split("--", 1)[0] for line in sql(file.removesuffix(".sql")).splitlines())


def test_where_each_number_comes_from_names_only_what_exists():
    from pipelines.models import compose, queries
    from pipelines.sql_files import SQL_DIR, sql

    shown = "\n".join(p.read_text(encoding="utf-8") for folder in ("ui", "pages") for p in (REPO / folder).rglob("*.py"))
    for element, source, files, thresholds in _where_rows():
        label = element.split(": ", 1)[1]
        assert label.lower() in shown.lower(), f"no page shows {label!r}"
        query, *columns = re.findall(r"`([^`]+)`", source)
        model = getattr(queries, query, None)
        assert isinstance(model, queries.Model), f"{element}: {query} is not a declared model"
        missing = set(columns) - _columns(model)
        assert not missing, f"{element}: {query} has no column(s) {missing}"
        named = re.findall(r"`([^`]+)`", files)
        assert named[0] == f"{model.sql_file}.sql", f"{element}: {query} runs {model.sql_file}.sql"
        composed = compose.compose(model.name)
        for file in named:
            assert (SQL_DIR / file).is_file(), f"{element}: no {file}"
            body = compose._strip_header(sql(file.removesuffix(".sql")))
            assert "\n".join(body.splitlines()[:3]) in composed, f"{element}: {query} does not use {file}"
        code = "\n".join(_code(file) for file in named)
        for name in re.findall(r"`([^`]+)`", thresholds):
            if name in THRESHOLDS:  # bound by its own name
                assert re.search(rf"\${name}\b", code), f"{element}: none of {named} applies {name}"
            else:  # an instrument's own threshold: a column of the instrument table, under the same name
                assert any(hasattr(i, name) for i in INSTRUMENTS.values()), f"{element}: no threshold {name}"
                assert re.search(rf"\b{name}\b", code), f"{element}: none of {named} applies {name}"


def test_every_caseload_tile_has_a_row_in_where_each_number_comes_from():
    view = (REPO / "ui" / "views" / "caseload.py").read_text(encoding="utf-8")
    tiles = set(re.findall(r'\.metric\(\s*"([^"]+)"', view))
    rows = {element.split(": ", 1)[1] for element, *_ in _where_rows() if element.startswith("Caseload: ")}
    assert tiles and tiles <= rows, tiles - rows
