"""The words screens show for codes (schemas/vocabulary.toml): every code the models can produce has
a label, an icon and an explanation; explanations carry the thresholds' own numbers; each points at a
heading of docs/clinical-definitions.md that exists."""

from __future__ import annotations

import re

import pytest

from schemas.thresholds import FLAG_CODES, THRESHOLDS
from schemas.vocabulary import KINDS, VOCABULARY, chip, chips, load_vocabulary, word
from tests.conftest import REPO
from ui.definitions import DOC, link, sections

SQL = REPO / "pipelines" / "sql"


def _codes_in(sql_file: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, (SQL / sql_file).read_text()))


def test_every_flag_signal_and_category_the_models_produce_has_words():
    assert set(VOCABULARY["flags"]) == set(FLAG_CODES)
    signals = _codes_in("model_workload_signals.sql", r"'([A-Z][A-Z_]{5,})'")
    assert signals and set(VOCABULARY["signals"]) == signals
    produced = _codes_in("model_client_momentum.sql", r"THEN '([a-z_]+)'")
    trends = {"improving", "worsening", "flat"}
    assert produced - trends and produced - trends <= set(VOCABULARY["momentum"])
    assert produced & trends and set(VOCABULARY["slope_direction"]) == trends
    assert {"reliable_improvement", "no_reliable_change", "reliable_deterioration"} == set(VOCABULARY["change_status"])
    assert {"high", "medium", "low"} == set(VOCABULARY["severity"])


def test_every_entry_has_a_label_an_icon_an_explanation_and_a_real_definition():
    # the Definitions page's sections, each with the anchor help texts link to
    headings = {h for _level, h, _body in sections(DOC.read_text())[1:]}
    assert len(headings) > 10
    for kind in KINDS:
        for code, w in VOCABULARY[kind].items():
            assert w.label and w.icon and w.explain.endswith("."), (kind, code)
            assert "{" not in w.explain, (kind, code)
            if kind != "severity":
                assert w.definition in headings, (kind, code, w.definition)
                assert w.anchor and link(kind, code) == f"[Definition](/definitions#{w.anchor})"


def test_explanations_carry_the_thresholds_numbers():
    assert f"within {THRESHOLDS['risk_item_window_days'].value} days" in word("flags", "RISK_ITEM").explain
    assert f"last {THRESHOLDS['disengaging_days'].value} days" in word("flags", "DISENGAGING").explain
    assert f"{THRESHOLDS['homework_drop_completion'].value:.0%}" in word("flags", "HOMEWORK_DROP").explain
    assert f"{THRESHOLDS['lost_contact_days'].value} days" in word("momentum", "lost_contact").explain


def test_an_explanation_naming_an_unknown_threshold_is_refused(tmp_path):
    bad = tmp_path / "vocabulary.toml"
    bad.write_text('[flags.X]\nlabel = "X"\nicon = "x"\nexplain = "after {no_such_days} days."\n')
    with pytest.raises(ValueError, match="no_such_days"):
        load_vocabulary(bad)


def test_chips_for_tables():
    assert chip("flags", "RISK_ITEM") == "🆘 Risk item"
    assert chip("flags", None) == chip("momentum", float("nan")) == "–"
    assert chip("flags", "PRACTICE_OWN") == "Practice own"  # a code without words still reads as words
    assert chips("flags", "DISENGAGING, PLATEAU") == "🚪 Disengaging · ➖ Plateau"
    assert chips("flags", "") == ""
