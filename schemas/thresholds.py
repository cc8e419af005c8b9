"""Clinical and workload thresholds loaded from ``thresholds.toml`` (data, with sources)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")


@dataclass(frozen=True)
class Threshold:
    name: str
    value: float | int
    source: str
    section: str


def load_thresholds(path: Path = THRESHOLDS_FILE) -> tuple[dict[str, Threshold], dict[str, str], dict[str, str]]:
    """Returns (thresholds by name, flag severity by code, flag source by code)."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    thresholds: dict[str, Threshold] = {}
    severity: dict[str, str] = {}
    flag_source: dict[str, str] = {}

    def take(section: str, table: dict) -> None:
        for key, entry in table.items():
            if isinstance(entry, dict) and "value" in entry:
                if key in thresholds:
                    raise ValueError(f"{path.name}: threshold {key} is defined twice")
                if not str(entry.get("source", "")).strip():
                    raise ValueError(f"{path.name}: threshold {key} has no source")
                thresholds[key] = Threshold(key, entry["value"], entry["source"], section)

    for code, table in raw.get("flags", {}).items():
        severity[code] = table["severity"]
        if "source" in table:
            flag_source[code] = table["source"]
        take(f"flags.{code}", table)
    for section in ("momentum", "homework", "workload", "wins", "completeness", "casemix"):
        take(section, raw.get(section, {}))
    return thresholds, severity, flag_source


THRESHOLDS, FLAG_SEVERITY, FLAG_SOURCE = load_thresholds()
FLAG_CODES: tuple[str, ...] = tuple(FLAG_SEVERITY)
