"""Instrument definitions loaded from ``instruments.toml`` (data, with citations)."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from schemas.text import normalise  # how an export's measure word is matched to a code

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
    # item-level exports (pipelines/ingest/items.py): how the total is scored from the items
    items: int | None = None  # how many items
    item_min: float | None = None
    item_max: float | None = None
    scoring: str | None = None  # "sum": the total is the sum of the items
    missing_items_max: int = 0  # items that may go unanswered; the total is then prorated to all items
    risk_item_number: int | None = None  # the item whose answer is the risk item (PHQ-9: 9)
    items_source: str | None = None

    @property
    def cut_off(self) -> str:
        """The clinical cut-off as a reader sees it: "≥ 10" or "< 25"; "" when there is none."""
        if self.caseness is None:
            return ""
        return f"{'≥' if self.caseness_rule == 'at_or_above' else '<'} {self.caseness:g}"

    def __post_init__(self) -> None:
        if self.rc_threshold is not None:
            object.__setattr__(self, "rc_threshold", float(self.rc_threshold))
        elif self.rc_sd is not None and self.rc_r is not None:
            object.__setattr__(self, "rc_threshold", jacobson_truax_threshold(self.rc_sd, self.rc_r))


class InstrumentError(ValueError):
    """An instrument definition that cannot be used; the message names the file, instrument and key."""


CASENESS_RULES = ("at_or_above", "below")
_REQUIRED = ("name", "better", "range_min", "range_max", "source")
_KEYS = {f.name for f in fields(Instrument)} - {"code"}
_NUMBERS = ("range_min", "range_max", "caseness", "rc_threshold", "rc_sd", "rc_r", "alliance_risk_below",
            "item_min", "item_max")
SCORING_RULES = ("sum",)


def _check(where: str, spec: dict) -> None:
    """Every rule an instrument definition must meet, each refused with one clear message."""
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise InstrumentError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                              f"the keys are {', '.join(sorted(_KEYS))}")
    missing = [k for k in _REQUIRED if spec.get(k) in (None, "")]
    if missing:
        raise InstrumentError(f"{where}: missing {', '.join(missing)} (every instrument names its source)")
    for key in _NUMBERS:
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not math.isfinite(value)):
            raise InstrumentError(f"{where}: {key} must be a number, not {value!r}")
    for key in ("name", "source", "bands_source", "items_source", "risk_item_name", "caseness_rule", "better",
                "scoring"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise InstrumentError(f"{where}: {key} must be text, not {spec[key]!r}")
    if spec["better"] not in ("lower", "higher"):
        raise InstrumentError(f"{where}: better must be 'lower' or 'higher', not {spec['better']!r}")
    lo, hi = spec["range_min"], spec["range_max"]
    if lo >= hi:
        raise InstrumentError(f"{where}: range_min ({lo:g}) must be below range_max ({hi:g})")
    if (spec.get("caseness") is None) != (spec.get("caseness_rule") is None):
        raise InstrumentError(f"{where}: caseness and caseness_rule go together (the cut-off and its side)")
    if spec.get("caseness_rule") is not None and spec["caseness_rule"] not in CASENESS_RULES:
        raise InstrumentError(f"{where}: caseness_rule must be one of {', '.join(CASENESS_RULES)}, "
                              f"not {spec['caseness_rule']!r}")
    for key in ("caseness", "alliance_risk_below"):
        if spec.get(key) is not None and not lo <= spec[key] <= hi:
            raise InstrumentError(f"{where}: {key} ({spec[key]:g}) is outside the range {lo:g}-{hi:g}")
    fixed = spec.get("rc_threshold") is not None
    derived = [k for k in ("rc_sd", "rc_r") if spec.get(k) is not None]
    if fixed and derived:
        raise InstrumentError(f"{where}: give rc_threshold or rc_sd and rc_r, not both")
    if len(derived) == 1:
        raise InstrumentError(f"{where}: rc_sd and rc_r go together (Jacobson & Truax need both)")
    if fixed and not 0 < spec["rc_threshold"] <= hi - lo:
        raise InstrumentError(f"{where}: rc_threshold ({spec['rc_threshold']:g}) must be above 0 and within the range")
    if derived and not (spec["rc_sd"] > 0 and 0 <= spec["rc_r"] < 1):
        raise InstrumentError(f"{where}: need rc_sd > 0 and 0 <= rc_r < 1")
    risk = spec.get("risk_item_max")
    if risk is not None and (isinstance(risk, bool) or not isinstance(risk, int) or risk < 1):
        raise InstrumentError(f"{where}: risk_item_max must be a whole number of 1 or more")
    _check_items(where, spec)
    bands = spec.get("bands", [])
    if not isinstance(bands, list) or not all(isinstance(b, dict) for b in bands):
        raise InstrumentError(f"{where}: bands must be a list of tables, e.g. {{ low = 0, high = 4, label = \"minimal\" }}")
    if bands and not spec.get("bands_source"):
        raise InstrumentError(f"{where}: bands need a bands_source")
    for band in bands:
        numbers = all(isinstance(band.get(k), int | float) and not isinstance(band.get(k), bool) for k in ("low", "high"))
        if set(band) != {"low", "high", "label"} or not numbers or not isinstance(band["label"], str) \
                or not lo <= band["low"] <= band["high"] <= hi:
            raise InstrumentError(f"{where}: a band needs low <= high within the range, and a label: {band!r}")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_items(where: str, spec: dict) -> None:
    """An item scoring rule: every part given, with its source, and consistent with the total's range."""
    keys = ("items", "item_min", "item_max", "scoring", "missing_items_max", "risk_item_number", "items_source")
    given = [k for k in keys if spec.get(k) is not None]
    if not given:
        return
    missing = [k for k in ("items", "item_min", "item_max", "scoring", "items_source") if spec.get(k) in (None, "")]
    if missing:
        raise InstrumentError(f"{where}: an item scoring rule needs {', '.join(missing)} too")
    k = spec["items"]
    if not _whole(k) or k < 2:
        raise InstrumentError(f"{where}: items must be a whole number of 2 or more")
    if spec["scoring"] not in SCORING_RULES:
        raise InstrumentError(f"{where}: scoring must be one of {', '.join(SCORING_RULES)}, not {spec['scoring']!r}")
    if not spec["item_min"] < spec["item_max"]:
        raise InstrumentError(f"{where}: item_min must be below item_max")
    if k * spec["item_min"] < spec["range_min"] or k * spec["item_max"] > spec["range_max"]:
        raise InstrumentError(f"{where}: {k} items of {spec['item_min']:g}-{spec['item_max']:g} do not sum within "
                              f"the range {spec['range_min']:g}-{spec['range_max']:g}")
    allowed = spec.get("missing_items_max", 0)
    if not _whole(allowed) or not 0 <= allowed < k:
        raise InstrumentError(f"{where}: missing_items_max must be a whole number from 0 to {k - 1}")
    risk = spec.get("risk_item_number")
    if risk is not None and (not _whole(risk) or not 1 <= risk <= k):
        raise InstrumentError(f"{where}: risk_item_number must be an item number from 1 to {k}")
    if risk is not None and spec.get("risk_item_max") != spec["item_max"]:
        raise InstrumentError(f"{where}: with risk_item_number, risk_item_max must be given and equal item_max")


def load_instruments(path: Path = INSTRUMENTS_FILE, shipped: dict[str, Instrument] | None = None
                     ) -> dict[str, Instrument]:
    """The instruments of one TOML file, each checked; ``shipped`` ones may not be redefined."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path}: is not valid TOML ({exc})") from None
    out: dict[str, Instrument] = {}
    for code, spec in raw.items():
        where = f"{path}: [{code}]"
        if not isinstance(spec, dict):
            raise InstrumentError(f"{where}: must be a table of keys, e.g. [{code}] then name = ...")
        taken = {normalise(c): c for c in [*(shipped or {}), *out]}
        if normalise(code) in taken:
            other = taken[normalise(code)]
            raise InstrumentError(f"{where}: {code} is read as {other}, " + (
                "one of Momentum's own instruments" if shipped and other in shipped else "defined above")
                + "; give yours a code that differs in more than case and punctuation")
        try:
            _check(where, spec)
            bands = tuple(Band(**b) for b in spec.get("bands", []))
            out[code] = Instrument(code=code, bands=bands, **{k: v for k, v in spec.items() if k != "bands"})
        except (TypeError, ValueError, KeyError) as exc:  # a shape the checks above did not foresee
            if isinstance(exc, InstrumentError):
                raise
            raise InstrumentError(f"{where}: cannot be used ({exc})") from None
    return out


def _all_instruments() -> tuple[dict[str, Instrument], str | None]:
    """The shipped instruments plus a practice's own (MOMENTUM_INSTRUMENTS, see pipelines/settings.py).

    A practice file that cannot be used leaves the shipped instruments alone and is reported
    (``INSTRUMENTS_PROBLEM``): the command line and the app refuse to run until it is fixed, so
    no score of a practice instrument is turned away unnoticed.
    """
    shipped = load_instruments()
    extra = os.environ.get("MOMENTUM_INSTRUMENTS", "").strip()
    if not extra:
        return shipped, None
    try:
        return {**shipped, **load_instruments(Path(extra), shipped)}, None
    except InstrumentError as exc:
        return shipped, f"MOMENTUM_INSTRUMENTS: {exc}"


INSTRUMENTS, INSTRUMENTS_PROBLEM = _all_instruments()
