"""Instrument definitions loaded from ``instruments.toml`` (data, with citations)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

INSTRUMENTS_FILE = Path(__file__).with_name("instruments.toml")


def jacobson_truax_threshold(sd: float, r: float) -> float:
    """Reliable-change threshold (Jacobson & Truax 1991): 1.96 * S_diff.

    SE = SD * sqrt(1 - r); S_diff = sqrt(2) * SE.
    """
    if sd <= 0 or not 0 <= r < 1:
        raise ValueError(f"need SD > 0 and 0 <= r < 1, got SD={sd}, r={r}")
    se = sd * math.sqrt(1 - r)
    return 1.96 * math.sqrt(2) * se


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str

    @property
    def colour(self) -> str:
        return _BAND_COLOURS.get(self.label, "#bbbbbb")


# light to dark with severity; the label names the band
_BAND_COLOURS = {
    "minimal": "#1b9e77", "mild": "#a6d854", "moderate": "#ffd92f", "moderately severe": "#fc8d62",
    "severe": "#e41a1c", "clinical range": "#fc8d62", "non-clinical range": "#1b9e77",
}  # fmt: skip


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    better: str
    range_min: float
    range_max: float
    source: str
    caseness: float | None = None
    caseness_rule: str | None = None
    rc_threshold: float | None = None  # fixed in the TOML, or from rc_sd and rc_r (Jacobson & Truax)
    rc_sd: float | None = None
    rc_r: float | None = None
    risk_item_max: int | None = None
    risk_item_name: str | None = None
    alliance_risk_below: float | None = None
    bands: tuple[Band, ...] = ()
    bands_source: str | None = None

    def __post_init__(self) -> None:
        if self.rc_threshold is not None:
            object.__setattr__(self, "rc_threshold", float(self.rc_threshold))
        elif self.rc_sd is not None and self.rc_r is not None:
            object.__setattr__(self, "rc_threshold", jacobson_truax_threshold(self.rc_sd, self.rc_r))


def load_instruments(path: Path = INSTRUMENTS_FILE) -> dict[str, Instrument]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    out: dict[str, Instrument] = {}
    for code, spec in raw.items():
        bands = tuple(Band(**b) for b in spec.pop("bands", []))
        if bands and not spec.get("bands_source"):
            raise ValueError(f"{path.name}: {code}: bands need a bands_source")
        inst = Instrument(code=code, bands=bands, **spec)
        if inst.better not in ("lower", "higher"):
            raise ValueError(f"{path.name}: {code}: better must be 'lower' or 'higher'")
        if inst.range_min >= inst.range_max:
            raise ValueError(f"{path.name}: {code}: range_min must be below range_max")
        out[code] = inst
    return out


INSTRUMENTS: dict[str, Instrument] = load_instruments()
