"""The wellbeing pulse's instrument (schemas/wellbeing.toml): items, scoring, the reverse item, source and licence."""

from __future__ import annotations

import pytest

from schemas.wellbeing import CBI, WELLBEING_FILE, load_wellbeing


def _all(label_frequency: str, label_degree: str) -> dict[str, str]:
    return {i.id: label_frequency if i.options == "frequency" else label_degree for i in CBI.items}


def test_two_cbi_scales_with_seven_and_six_items():
    assert [(s.code, len(s.items)) for s in CBI.scales] == [("work", 7), ("client", 6)]
    assert CBI.code == "CBI" and "Kristensen" in CBI.source and "19(3):192-207" in CBI.source
    assert CBI.licence.strip() and all(s.source for s in CBI.scales)


def test_exactly_one_item_is_reverse_scored_the_energy_for_family_and_friends():
    reverse = [i for i in CBI.items if i.reverse]
    assert [i.id for i in reverse] == ["w4"]
    assert "energy for family and friends" in reverse[0].text


def test_answers_score_100_75_50_25_0_and_a_scale_is_their_mean():
    for opts in CBI.options.values():
        assert [o.score for o in opts] == [100, 75, 50, 25, 0]
    worst = CBI.score(_all("Always", "To a very high degree"))
    # six work items at 100 and the reverse item ("always enough energy") at 0
    assert worst == {"work": pytest.approx(600 / 7), "client": 100.0}
    best = CBI.score(_all("Never / almost never", "To a very low degree"))
    assert best == {"work": pytest.approx(100 / 7), "client": 0.0}
    middle = CBI.score(_all("Sometimes", "Somewhat"))
    assert middle == {"work": 50.0, "client": 50.0}


def test_every_item_must_be_answered_with_one_of_its_options():
    answers = _all("Often", "To a high degree")
    del answers["c6"]
    with pytest.raises(ValueError, match="c6"):
        CBI.score(answers)
    with pytest.raises(ValueError, match="not one of"):
        CBI.score({**_all("Often", "To a high degree"), "w1": "To a high degree"})  # a degree answer to a frequency item


def test_the_high_line_and_the_privacy_threshold_come_with_sources():
    assert CBI.high_at == 50 and CBI.is_high(50) and not CBI.is_high(49.9)
    assert CBI.bands_source and "cut-point" in CBI.bands_source
    assert CBI.min_respondents == 5 and "design.md" in CBI.privacy_source


def test_a_file_without_a_licence_or_source_is_refused(tmp_path):
    text = WELLBEING_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "no_licence.toml"
    bad.write_text(text.replace('licence = "', 'licence = "" # "', 1), encoding="utf-8")
    with pytest.raises(ValueError, match="licence"):
        load_wellbeing(bad)
