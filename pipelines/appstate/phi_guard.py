"""The PHI guard: free text that looks like it identifies someone is stopped.

Wins and consultation questions are shared with a team, so their text must not
identify a client. The guard looks for the patterns below and says which one it
found and where. ``block`` patterns cannot be posted at all (no win needs an
email address, a phone number, an SSN-like number or another clinician's
client_id); ``confirm`` patterns have innocent look-alikes (a team name that is
two capitalised words, a date of a team event), so the poster may post after
confirming, pattern by pattern, that the text identifies no one.

The text is NFKC-normalised first (full-width letters and digits, the
full-width at sign, no-break spaces become their plain forms), every dash-like
character becomes '-', and invisible format characters (zero-width spaces and
joiners, soft hyphens, direction marks) are removed, so look-alike characters
do not hide a pattern.

This is a net for slips, not a de-identification proof. It cannot recognise a
name written in lower case or all in capitals, a single first name, a name in a
script without capital letters, a date in words without a year ("the 4th of
March"), an age, a rare diagnosis, a place, an employer, or a description that
identifies someone by itself. The page says so beside the form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_STREET_TYPES = (r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Close|Way|Place|Pl|"
                 r"Terrace|Crescent|Gardens|Grove|Square|Sq|Parkway|Highway|Hwy)")


@dataclass(frozen=True)
class Pattern:
    name: str
    action: str  # "block" or "confirm"
    explanation: str
    regex: re.Pattern[str] | None  # None: checked by code (client_id, below)


PATTERNS: tuple[Pattern, ...] = (
    Pattern("email", "block", "an email address",
            re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    Pattern("ssn", "block", "an SSN-like or National Insurance-like number",
            re.compile(r"\b\d{3}-\d{2}-\d{4}\b|\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")),
    Pattern("phone", "block", "a phone number (9 to 15 digits, with or without spaces, dots, dashes or brackets)",
            re.compile(r"(?<![\w-])\+?\(?\d[\d\s().-]{7,}\d(?![\w-])")),
    Pattern("client_id", "block", "the client_id of a client outside your caseload", None),
    Pattern("record_number", "block", "a 7- or 8-digit number, which may be a medical record number",
            re.compile(r"(?<![\d,.])\d{7,8}(?![\d,.])")),
    Pattern("full_date", "confirm", "a full date (day, month and year), which may be a date of birth or a visit",
            re.compile(rf"\b\d{{4}}([-/.])\d{{1,2}}\1\d{{1,2}}\b|\b\d{{1,2}}([-/.])\d{{1,2}}\2\d{{2,4}}\b"
                       rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}\b"
                       rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b")),
    Pattern("street_address", "confirm", "a street address (a house number followed by a street name)",
            re.compile(rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}{_STREET_TYPES}\b\.?")),
    Pattern("name_pair", "confirm", "a capitalised name (a first-and-last-name pair, a title and a name, or a "
            "surname like O'Brien or McDonald), which may be a person's name", None),
)
BY_NAME = {p.name: p for p in PATTERNS}

# Capitalised words that start sentences or name things other than people; a
# pair with one of them is not taken for a name.
_NOT_NAMES = frozenset("""
A An The This That These Those There Their They Then Today Tomorrow Yesterday We Our Us I It Its He She His Her
My Me You Your After Before During Since Until When While Once Great Good Big Small First Second Third Last Next
New Finally Also And But So Yes No Not Well Very Really Just Still Even Thanks Thank Team Client Clients Session
Sessions Group Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
August September October November December Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct
Nov Dec Christmas Easter New Year North South East West PHQ GAD ORS SRS Who What Why How Where Every All Some Most
Many Few One Two Three Four Five Six Seven Eight Nine Ten Self Care Progress Professional Celebrate Celebrated
Happy Proud Went Finished Started Completed Got Made Took Had Has Have Was Were Is Are Did Does Caught Back Home
Work School Walk Walked Run Ran Read Wrote Supervisor Manager Clinician Practice Dr Mr Mrs Ms Mx
Street Road Avenue Lane Drive Boulevard Court Close Way Place Terrace Crescent Gardens Grove Square Parkway Highway
""".split())


_TITLES = frozenset({"Mr", "Mrs", "Ms", "Mx", "Miss", "Dr", "Prof", "Sr", "Sra", "Herr", "Frau", "Mme", "Mlle"})
# a word of letters in any script, joined by apostrophes or hyphens (O'Brien, Jean-Luc, García)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# a surname with a capital inside: O'Brien, D'Angelo, McDonald, MacLeod
_INNER_CAPITAL = re.compile(r"(?:[^\W\d_]['’]|Ma?c)[^\W\d_]*")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def normalise(text: str) -> str:
    """NFKC, dash-like characters as '-', invisible format characters (category Cf) removed."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _capitalised(word: str) -> bool:
    return word[0].isupper() and any(c.islower() for c in word)


def _base(word: str) -> str:
    return re.split(r"['’-]", word)[0]


def _names(text: str) -> list[str]:
    """Capitalised first-and-last-name pairs, a title and a name, and surnames with an inner capital."""
    words = list(_WORD.finditer(text))
    found: list[str] = []
    in_pair: set[int] = set()
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        gap = text[a.end():b.start()]
        if not re.fullmatch(r"\.? +", gap) or not _capitalised(b.group()):
            continue
        if a.group() in _TITLES or (_capitalised(a.group()) and gap.strip() == "" and not {
                _base(a.group()), _base(b.group())} & _NOT_NAMES):
            found.append(text[a.start():b.end()])
            in_pair.update((i, i + 1))
    for i, w in enumerate(words):
        word = w.group()
        if i not in in_pair and _INNER_CAPITAL.fullmatch(word) and _capitalised(word) \
                and any(c.isupper() for c in word[1:]):
            found.append(word)
    return found


@dataclass(frozen=True)
class Finding:
    pattern: str
    action: str
    explanation: str
    match: str

    def message(self) -> str:
        verb = "cannot be posted" if self.action == "block" else "needs your confirmation"
        return f"“{self.match}” looks like {self.explanation}: it {verb}."


def client_id_candidates(text: str) -> list[str]:
    """Tokens that could be a client_id (letters and digits with at least one digit), for a lookup."""
    return sorted({t for t in re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]{2,31}", text) if any(c.isdigit() for c in t)})


def check(text: str, foreign_client_ids: Iterable[str] = ()) -> list[Finding]:
    """Every pattern found in ``text``. ``foreign_client_ids``: tokens of the text that are
    client_ids outside the poster's scope (see :func:`client_id_candidates`)."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(p: Pattern, match: str) -> None:
        if (p.name, match) not in seen:
            seen.add((p.name, match))
            findings.append(Finding(p.name, p.action, p.explanation, match))

    text = normalise(text)
    # dates and SSN-like numbers are blanked out before looking for phone numbers
    blanked = text
    for name in ("full_date", "ssn"):
        blanked = BY_NAME[name].regex.sub(lambda m: "#" * len(m.group(0)), blanked)  # type: ignore[union-attr]
    for p in PATTERNS:
        if p.regex is None:
            continue
        for m in p.regex.finditer(blanked if p.name == "phone" else text):
            found = m.group(0).strip()
            if p.name == "phone" and not 9 <= sum(c.isdigit() for c in found) <= 15:
                continue
            add(p, found)
    for name in _names(text):
        add(BY_NAME["name_pair"], name)
    for client_id in sorted(set(foreign_client_ids)):
        add(BY_NAME["client_id"], client_id)
    return findings


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.action == "block"]


def unconfirmed(findings: list[Finding], confirmed: Iterable[str]) -> list[Finding]:
    """Findings that still stop the text: every block, and confirm-patterns not confirmed."""
    ok = set(confirmed)
    return [f for f in findings if f.action == "block" or f.pattern not in ok]


class PhiGuardError(ValueError):
    """Text stopped by the guard; ``findings`` lists what was found."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(" ".join(f.message() for f in findings))
