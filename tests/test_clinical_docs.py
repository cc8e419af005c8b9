"""docs/clinical-definitions.md matches the data: every threshold, flag and instrument."""

from __future__ import annotations

import re

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
