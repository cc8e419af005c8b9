"""The PHI guard: what it stops, what it lets through, and what it says."""

from __future__ import annotations

import pytest

from pipelines.appstate.phi_guard import PATTERNS, check, client_id_candidates, unconfirmed


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
                                          "name_pair", "record_number"}


# The outside probe's shapes that posted with no prompt (issue 21); the guard reads NFKC-normalised text
@pytest.mark.parametrize(
    ("text", "pattern", "fragment"),
    [
        ("Met Sean McDonald at the clinic", "name_pair", "McDonald"),
        ("Pat O'Brien came back", "name_pair", "O'Brien"),
        ("a call with Mrs O'Brien", "name_pair", "O'Brien"),
        ("O'Brien finally came back", "name_pair", "O'Brien"),
        ("José García joined the group", "name_pair", "José García"),
        ("Zoë Ångström said thanks", "name_pair", "Zoë Ångström"),
        ("born 04-03-1985", "full_date", "04-03-1985"),
        ("born 1985/03/04", "full_date", "1985/03/04"),
        ("born 1985.03.04", "full_date", "1985.03.04"),
        ("record 1234567 updated", "record_number", "1234567"),
        ("MRN 12345678 updated", "record_number", "12345678"),
        ("call 07700\u2011900\u2011123 please", "phone", "07700-900-123"),
        ("call 555\u2013123\u20134567", "phone", "555-123-4567"),
        ("call 07700\u00a0900\u00a0123", "phone", "07700 900 123"),
        ("call ０７７００ ９００１２３", "phone", "07700 900123"),
        ("write to jo.smith＠example.org", "email", "jo.smith@example.org"),
        ("write to jo.smith@example\u200b.org", "email", "jo.smith@example.org"),
        ("SSN 123\u201145\u20116789", "ssn", "123-45-6789"),
    ],
)
def test_shapes_the_probe_found_are_caught_after_normalising(text, pattern, fragment):
    found = check(text)
    assert any(f.pattern == pattern and fragment in f.match for f in found), found


@pytest.mark.parametrize(
    "text",
    ["We ran 12 sessions and 1500 minutes", "PHQ-9 went from 18 to 9 in 2025", "Room 101 was booked",
     "Our team of 25 walked 2,000,000 steps", "call me at ext. 123456"],
)
def test_short_and_separated_numbers_are_not_record_numbers(text):
    assert "record_number" not in {f.pattern for f in check(text)}
