"""Header profiles: how a vendor's column names and values map onto the contract.

A profile is a TOML file in this folder (``canonical.toml``, ``generic.toml``).
Headers and values are compared after :func:`normalise` (lower case, with
everything but letters and digits removed), so ``Client ID``, ``client id``
and ``CLIENT_ID`` are the same header, and ``No-Show`` equals ``no_show``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

PROFILE_DIR = Path(__file__).parent
DEFAULT_PROFILE = "auto"  # canonical names plus every alias of the generic profile


def normalise(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.strip().lower())


@dataclass(frozen=True)
class HeaderProfile:
    name: str
    description: str
    date_formats: tuple[str, ...]
    datetime_formats: tuple[str, ...]
    date_only_datetimes: bool
    # table -> normalised alias -> canonical column
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # table -> column -> normalised alias -> canonical value
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def column_for(self, table: str, header: str) -> str | None:
        return self.columns.get(table, {}).get(normalise(header))

    def value_map(self, table: str, column: str) -> dict[str, str]:
        return self.values.get(table, {}).get(column, {})


def _read(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def available_profiles() -> list[str]:
    return sorted([p.stem for p in PROFILE_DIR.glob("*.toml")] + [DEFAULT_PROFILE])


def load_profile(name: str = DEFAULT_PROFILE) -> HeaderProfile:
    """Load a profile by name; ``auto`` merges the canonical and generic profiles."""
    if name == DEFAULT_PROFILE:
        # Canonical names always match; auto adds every alias of the generic profile.
        return replace(
            load_profile("generic"),
            name=DEFAULT_PROFILE,
            description="canonical names plus the aliases and formats of the generic profile",
        )
    path = PROFILE_DIR / f"{name}.toml"
    if not path.is_file():
        raise ValueError(
            f"unknown header profile {name!r}; choose one of: {', '.join(available_profiles())}"
        )
    raw = _read(path)
    columns = {
        table: {normalise(alias): column for column, aliases in cols.items() for alias in aliases}
        for table, cols in raw.get("columns", {}).items()
    }
    values = {
        table: {
            column: {normalise(a): canonical for canonical, aliases in vmap.items() for a in aliases}
            for column, vmap in cols.items()
        }
        for table, cols in raw.get("values", {}).items()
    }
    return HeaderProfile(
        name=raw["name"],
        description=raw.get("description", ""),
        date_formats=tuple(raw["date_formats"]),
        datetime_formats=tuple(raw["datetime_formats"]),
        date_only_datetimes=bool(raw.get("date_only_datetimes", False)),
        columns=columns,
        values=values,
    )
