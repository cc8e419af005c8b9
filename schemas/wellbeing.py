"""The wellbeing pulse's instrument loaded from ``wellbeing.toml`` (data, with its source and licence).

Two scales of the Copenhagen Burnout Inventory (Kristensen et al. 2005): items,
answer options and their scores, the reverse-scored item, the "high" line and
the privacy threshold of the team pulse. :func:`score` turns one person's
answers into scale scores; nothing here knows who answered.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WELLBEING_FILE = Path(__file__).with_name("wellbeing.toml")


@dataclass(frozen=True)
class Option:
    label: str
    score: int


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    options: str  # which answer set: "frequency" or "degree"
    reverse: bool = False


@dataclass(frozen=True)
class Scale:
    code: str
    name: str
    source: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PulseInstrument:
    code: str
    name: str
    source: str
    licence: str
    intro: str
    options: dict[str, tuple[Option, ...]]
    scales: tuple[Scale, ...]
    high_at: float
    bands_source: str
    min_respondents: int
    privacy_source: str

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for s in self.scales for i in s.items)

    def item_score(self, item: Item, label: str) -> float:
        """An answer's score: 100/75/50/25/0 by option, and 100 minus that on a reverse-scored item."""
        by_label = {o.label: o.score for o in self.options[item.options]}
        if label not in by_label:
            raise ValueError(f"{item.id}: {label!r} is not one of {', '.join(by_label)}")
        raw = by_label[label]
        return float(100 - raw if item.reverse else raw)

    def score(self, answers: Mapping[str, str]) -> dict[str, float]:
        """Scale code -> the mean of its item scores (0-100). Every item must be answered."""
        missing = [i.id for i in self.items if not answers.get(i.id)]
        if missing:
            raise ValueError(f"answer every question ({len(missing)} left: {', '.join(missing)})")
        unknown = sorted(set(answers) - {i.id for i in self.items})
        if unknown:
            raise ValueError(f"no such question: {', '.join(unknown)}")
        return {s.code: sum(self.item_score(i, answers[i.id]) for i in s.items) / len(s.items) for s in self.scales}

    def is_high(self, scale_score: float) -> bool:
        return scale_score >= self.high_at

    def band(self, scale_score: float) -> str:
        return f"{self.high_at:g} or more (high)" if self.is_high(scale_score) else f"below {self.high_at:g}"


def load_wellbeing(path: Path = WELLBEING_FILE) -> PulseInstrument:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    head = raw["instrument"]
    for key in ("source", "licence"):
        if not str(head.get(key, "")).strip():
            raise ValueError(f"{path.name}: the instrument needs a {key}")
    options = {name: tuple(Option(**o) for o in opts) for name, opts in raw["options"].items()}
    for name, opts in options.items():
        if sorted(o.score for o in opts) != [0, 25, 50, 75, 100]:
            raise ValueError(f"{path.name}: options {name} must score 100, 75, 50, 25 and 0")
    scales = []
    for s in raw["scales"]:
        if not str(s.get("source", "")).strip():
            raise ValueError(f"{path.name}: scale {s['code']} has no source")
        items = tuple(Item(**i) for i in s["items"])
        for item in items:
            if item.options not in options:
                raise ValueError(f"{path.name}: {item.id}: no answer set {item.options!r}")
        scales.append(Scale(s["code"], s["name"], s["source"], items))
    ids = [i.id for s in scales for i in s.items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: item ids must be unique")
    bands, privacy = raw["bands"], raw["privacy"]
    if not bands.get("source") or not privacy.get("source"):
        raise ValueError(f"{path.name}: the high line and the privacy threshold need their sources")
    return PulseInstrument(
        code=head["code"], name=head["name"], source=head["source"], licence=head["licence"], intro=head["intro"],
        options=options, scales=tuple(scales), high_at=float(bands["high_at"]), bands_source=bands["source"],
        min_respondents=int(privacy["min_respondents"]), privacy_source=privacy["source"],
    )


CBI: PulseInstrument = load_wellbeing()
