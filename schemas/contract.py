"""The data contract in a form the loader can use, derived from the models.

``TABLES`` describes every export: its columns (name, kind, required,
allowed values, range, references), its natural key and its place in the
load order. Everything here is read off ``schemas.exports`` so that the
pandera models stay the single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.exports import EXPORT_MODELS, LOAD_ORDER


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    required: bool
    allowed: tuple[str, ...] | None = None
    min_value: float | None = None
    min_inclusive: bool = True
    max_value: float | None = None
    max_inclusive: bool = True
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None  # a regular expression the whole value must match (identifier columns)
    references: tuple[str, str] | None = None  # (table, column)
    default: Any = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    rules: tuple[str, ...] = field(default=())  # names of cross-column rules

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _column_spec(name: str, col: Any) -> ColumnSpec:
    meta = (col.metadata or {}) if hasattr(col, "metadata") else {}
    kw: dict[str, Any] = {}
    for check in col.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            kw["allowed"] = tuple(stats["allowed_values"])
        elif check.name == "greater_than_or_equal_to":
            kw["min_value"] = stats["min_value"]
        elif check.name == "greater_than":
            kw["min_value"], kw["min_inclusive"] = stats["min_value"], False
        elif check.name == "less_than_or_equal_to":
            kw["max_value"] = stats["max_value"]
        elif check.name == "less_than":
            kw["max_value"], kw["max_inclusive"] = stats["max_value"], False
        elif check.name == "str_matches":  # pandera anchors at the start; the model ends it with \Z
            kw["pattern"] = str(stats["pattern"]).removesuffix(r"\Z")
        elif check.name == "str_length":
            kw["min_length"] = stats.get("min_value")
            kw["max_length"] = stats.get("max_value")
        else:  # pragma: no cover - a new check type must be taught to the SQL compiler
            raise ValueError(f"column {name}: check {check.name} has no SQL translation")
    refs = meta.get("references")
    return ColumnSpec(
        name=name,
        kind=meta["kind"],
        required=not col.nullable,
        references=tuple(refs.split(".")) if refs else None,
        default=meta.get("default"),
        **kw,
    )


def _table_spec(name: str) -> TableSpec:
    model = EXPORT_MODELS[name]
    schema = model.to_schema()
    columns = tuple(_column_spec(n, c) for n, c in schema.columns.items())
    key = tuple(schema.unique or ())
    rules = tuple(
        c.name for c in schema.checks  # dataframe-level checks
    )
    return TableSpec(name=name, columns=columns, key=key, rules=rules)


TABLES: dict[str, TableSpec] = {name: _table_spec(name) for name in LOAD_ORDER}
