"""The PHI guard: what it stops, what it lets through, and what it says."""

from __future__ import annotations

import pytest

from pipelines.phi_guard import PATTERNS, check, client_id_candidates, unconfirmed


def _found(text: str, foreign=()) -> set[tuple[str, str]]:
    return {(f.pattern, f.match) for f in check(text, foreign)}


@pytest.mark.parametrize(
    ("text", "pattern", "match"),
    [
        ("Email me at jo.smith@example.org later", "email", "jo.smith@example.org"),
        ("she called from 07700 900123 today", "phone", "07700 900123"),
        ("number +1 (555) 123-4567", "phone", "+1 (555) 123-4567"),
        ("ring 555.123.4567", "phone", "555.123.4567"),
        ("born 1984-03-12", "full_date", "1984-03-12"),
        ("on 12/03/1984", "full_date", "12/03/1984"),
        ("seen 3rd March 2024", "full_date", "3rd March 2024"),
        ("since March 3, 2024", "full_date", "March 3, 2024"),
        ("lives at 42 Baker Street now", "street_address", "42 Baker Street"),
        ("SSN 123-45-6789", "ssn", "123-45-6789"),
        ("NI AB 12 34 56 C", "ssn", "AB 12 34 56 C"),
        ("Maria Lopez went to the shop", "name_pair", "Maria Lopez"),
    ],
)
def test_each_pattern_is_found_and_named(text, pattern, match):
    found = check(text)
    assert (pattern, match) in {(f.pattern, f.match) for f in found}
    finding = next(f for f in found if f.pattern == pattern)
    assert match in finding.message() and finding.explanation in finding.message()


@pytest.mark.parametrize(
    "text",
    [
        "A client went back to work part-time.",
        "Great Session today with the group",
        "The team met on Monday and celebrated.",
        "A client reached reliable improvement on PHQ-9 (18 → 9).",
        "Every note from the week of Mon 9 Nov (12 sessions) was signed within 72 h.",
        "scores went 12 10 9 8 over the month",
        "in 2025 we had 300 sessions",
        "Supervisor Birch ran a great group",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_everyday_win_text_passes(text):
    assert check(text) == []


def test_a_date_is_not_also_taken_for_a_phone_number():
    assert _found("Born 1984-03-12 (12 sessions)") == {("full_date", "1984-03-12")}
    assert _found("Born 1984-03-12 call 07700900123") == {("full_date", "1984-03-12"), ("phone", "07700900123")}


def test_client_ids_outside_scope_block_and_candidates_are_offered_for_lookup():
    text = "C00123 and C00999 both did well"
    assert client_id_candidates(text) == ["C00123", "C00999"]
    found = check(text, foreign_client_ids=["C00999"])
    assert [(f.pattern, f.match, f.action) for f in found] == [("client_id", "C00999", "block")]


def test_confirm_patterns_can_be_confirmed_block_patterns_cannot():
    found = check("Maria Lopez emailed maria@example.org")
    assert {f.pattern for f in unconfirmed(found, ["name_pair"])} == {"email"}
    assert {f.pattern for f in unconfirmed(found, ["name_pair", "email"])} == {"email"}


def test_every_pattern_has_an_action_and_an_explanation():
    assert {p.action for p in PATTERNS} == {"block", "confirm"}
    assert all(p.explanation for p in PATTERNS)
    assert {p.name for p in PATTERNS} == {"email", "phone", "full_date", "street_address", "ssn", "client_id",
                                          "name_pair"}
