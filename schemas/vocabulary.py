"""The words screens show for the codes in the data (``vocabulary.toml``): a label, an icon and a
one-line explanation for each flag, workload signal, momentum category, reliable-change status,
recent trend and severity. Reports and exports keep the codes; only screens use the words.

An explanation may name thresholds as ``{name}`` or ``{name:.0%}``: they are filled in from
schemas/thresholds.toml, so the words carry the numbers the models use.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from schemas.thresholds import THRESHOLDS

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")
KINDS = ("severity", "flags", "signals", "momentum", "change_status", "slope_direction")


@dataclass(frozen=True)
class Word:
    code: str
    label: str
    icon: str
    explain: str
    definition: str  # the heading of docs/clinical-definitions.md that defines it ("" when none)

    @property
    def anchor(self) -> str:
        """Where its definition is on the in-app Definitions page ("" when none)."""
        return anchor(self.definition) if self.definition else ""

    @property
    def chip(self) -> str:
        """The icon and the label, for a table cell: "🆘 Risk item"."""
        return f"{self.icon} {self.label}"


def anchor(heading: str) -> str:
    """The anchor of a heading of docs/clinical-definitions.md on the Definitions page:
    "Momentum (report `momentum`)" -> "momentum-report-momentum"."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def load_vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, dict[str, Word]]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    values = {name: t.value for name, t in THRESHOLDS.items()}
    out: dict[str, dict[str, Word]] = {}
    for kind in KINDS:
        out[kind] = {}
        for code, entry in raw.get(kind, {}).items():
            try:
                explain = str(entry["explain"]).format(**values)
            except KeyError as exc:
                raise ValueError(f"{path.name}: {kind}.{code} names an unknown threshold {exc}") from None
            out[kind][code] = Word(code, str(entry["label"]), str(entry["icon"]), explain,
                                   str(entry.get("definition", "")))
    return out


VOCABULARY = load_vocabulary()


def word(kind: str, code: object) -> Word:
    """The entry for ``code``; a code with no entry (a practice's own) gets itself as its label."""
    text = "" if code is None else str(code)
    found = VOCABULARY[kind].get(text)
    if found is not None:
        return found
    return Word(text, text.replace("_", " ").capitalize() or "–", "", "", "")


def label(kind: str, code: object) -> str:
    return word(kind, code).label


def chip(kind: str, code: object) -> str:
    """"🆘 Risk item"; "–" for a missing value."""
    if code is None or (isinstance(code, float) and code != code) or code == "":
        return "–"
    found = word(kind, code)
    return found.chip if found.icon else found.label


def chips(kind: str, codes: str) -> str:
    """A comma-separated list of codes ("DISENGAGING, PLATEAU") as chips."""
    parts = [c.strip() for c in str(codes or "").split(",") if c.strip()]
    return " · ".join(chip(kind, c) for c in parts)


def legend(kind: str) -> str:
    """Every entry of one kind as markdown lines: "🆘 **Risk item**: explanation"."""
    return "\n".join(f"- {w.icon} **{w.label}**: {w.explain}" for w in VOCABULARY[kind].values())
