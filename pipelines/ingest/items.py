"""Item-level (wide) measures exports: one column per item (``Q1`` … ``Q9``, ``PHQ-9 Item 1`` …), scored
into the contract's total by the instrument's own rule.

A measures file is *wide* when its header has item columns numbered 1 to k (k of 2 or more). The
instrument comes from the item headers (``PHQ-9 Item 3``) or, per row, from the file's measure
column; one instrument per row. For each row, by the instrument's definition in
``schemas/instruments.toml`` (``items``, ``item_min``, ``item_max``, ``missing_items_max``,
``risk_item``, each with ``items_source``):

* every answered item must be a number within the item range;
* at most ``missing_items_max`` items may be unanswered; the total is then the sum of the
  answered items scaled to all items, rounded (proration); with none allowed, every item
  must be answered;
* the risk item is the value of item ``risk_item``;
* a total given in the file (``Score``, ``Total``) must equal the computed one.

A row that breaks a rule is rejected with a reason naming the item and both values; the rest
load as ordinary measures rows (``score`` and ``risk_item`` filled in), through the same
validation. The item answers themselves are not stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from pipelines.ingest.csv_files import RawLoad, preview, store_rows
from schemas.instruments import INSTRUMENTS, Instrument
from schemas.profiles import normalise

_ITEM = re.compile(r"^(?P<code>[a-z0-9]*?)(?:item|q|question)(?P<n>\d{1,2})$")


@dataclass(frozen=True)
class WideHeader:
    items: dict[int, int]  # item number -> field index
    code: str | None  # the instrument, when the item headers name it
    given_total: int | None  # field index of a total given alongside, cross-checked
    adds_measure: bool  # the file has no measure column: the item headers' instrument is added as one
    fields: list[str]  # the header as the table recognition sees it: items out, measure/score/risk_item in


def _scored() -> dict[str, Instrument]:
    return {normalise(code): inst for code, inst in INSTRUMENTS.items() if inst.items}


def wide_header(fields: list[str], total_aliases: set[str]) -> WideHeader | None:
    """The item columns of a measures header, or None when it is not a wide file.

    ``total_aliases``: the normalised names a total score goes by (the contract's ``score`` and the
    profile's aliases of it)."""
    scored = _scored()
    found: dict[int, int] = {}
    codes = set()
    for i, header in enumerate(fields):
        match = _ITEM.match(normalise(header))
        if match and (not match.group("code") or match.group("code") in scored):
            found[int(match.group("n"))] = i
            codes.add(match.group("code"))
    if len(found) < 2 or sorted(found) != list(range(1, len(found) + 1)):
        return None  # a lone "Q9" is the risk item of a long-format file, not a wide one
    if len(codes) > 1:
        raise ValueError("the item columns name more than one instrument ("
                         + ", ".join(sorted(c or "no instrument" for c in codes))
                         + "); export one instrument per file")
    code = next(iter(codes)) or None
    given = next((i for i, h in enumerate(fields) if normalise(h) in total_aliases and i not in found.values()), None)
    recognised = ["" if i in found.values() or i == given else h for i, h in enumerate(fields)]
    named = {normalise(h) for h in recognised}
    added = [] if "measure" in named or code is None else ["measure"]
    return WideHeader(found, scored[code].code if code else None, given, bool(added),
                      [*recognised, *added, "score", "risk_item"])


def score(con: duckdb.DuckDBPyConnection, wide: WideHeader, raw: RawLoad, n_columns: int,
          measure_column: str | None) -> RawLoad:
    """Replace ``raw_rows`` by the rows with their totals (``c<n>``… as :attr:`WideHeader.fields` names
    them); rows that break a scoring rule become structural problems with their reasons."""
    frame = con.execute("SELECT * FROM raw_rows ORDER BY __row").df()
    n = len(frame)
    if measure_column:
        measure = frame[measure_column].fillna("").astype(str).str.strip()
    else:
        measure = pd.Series([wide.code or ""] * n, dtype=object)
    by_code = {normalise(c): i for c, i in INSTRUMENTS.items()}
    answers = pd.DataFrame({k: frame[f"c{i}"].fillna("").astype(str).str.strip() for k, i in sorted(wide.items.items())})
    values = answers.apply(pd.to_numeric, errors="coerce")
    problems: dict[int, tuple[str, str]] = {}
    totals: list[str] = [""] * n
    risks: list[str] = [""] * n
    given = frame[f"c{wide.given_total}"].fillna("").astype(str).str.strip() if wide.given_total is not None else None
    for code in measure.unique():
        inst = by_code.get(normalise(code))
        rows = np.flatnonzero((measure == code).to_numpy())
        if wide.code is not None and (inst is None or inst.code != wide.code):
            for r in rows:
                problems[r] = (code, f"the item columns are {wide.code} items but the row's measure is {code or 'empty'}")
            continue
        if inst is None or not inst.items:
            for r in rows:  # the validation names an unknown measure; nothing can be scored here
                problems.setdefault(r, (code, f"{code or 'the measure'} has no item scoring rule in the "
                                              "instrument definitions; give its total instead"))
            continue
        _score_rows(inst, rows, answers, values, given, problems, totals, risks)
    keep = [r for r in range(n) if r not in problems]
    names = [f"c{i}" for i in range(n_columns)]
    extra = [measure] if wide.adds_measure else []
    cols = [frame[name].iloc[keep].fillna("").tolist() for name in names]  # a NULL from DuckDB: an empty cell
    cols += [series.iloc[keep].tolist() for series in extra]
    cols += [[totals[r] for r in keep], [risks[r] for r in keep]]
    out_names = [f"c{i}" for i in range(len(cols))]
    store_rows(con, frame["__row"].iloc[keep].tolist(), out_names, cols)
    rows_numbers = frame["__row"].tolist()
    structural = [*raw.structural, *((int(rows_numbers[r]), preview(v), why) for r, (v, why) in sorted(problems.items()))]
    return RawLoad(rows_read=raw.rows_read, path_used=raw.path_used, structural=structural)


def _score_rows(inst: Instrument, rows: np.ndarray, answers: pd.DataFrame, values: pd.DataFrame,
                given: pd.Series | None, problems: dict[int, tuple[str, str]], totals: list[str],
                risks: list[str]) -> None:
    """Score the ``rows`` (positions) of one instrument, whole arrays at a time."""
    k = inst.items or 0
    if answers.shape[1] != k:
        for r in rows:
            problems[r] = (inst.code, f"the file has {answers.shape[1]} item columns; a {inst.code} has {k} items")
        return
    text = answers.iloc[rows].to_numpy(dtype=object)
    v = values.iloc[rows].to_numpy(dtype=float)
    number = ~np.isnan(v)
    not_number = (text != "") & ~number
    outside = number & ((v < inst.item_min) | (v > inst.item_max) | (v != np.floor(v)))  # whole answers only
    answered = number.sum(axis=1)
    unanswered = k - answered - not_number.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.floor(np.nansum(v, axis=1) * k / answered + 0.5)  # prorated totals round half up
    stated = pd.to_numeric(given.iloc[rows], errors="coerce").to_numpy(dtype=float) if given is not None else None
    stated_text = given.iloc[rows].to_numpy(dtype=object) if given is not None else None
    allowed = ("with every item answered" if inst.missing_items_max == 0
               else f"with at most {inst.missing_items_max} of its {k} items unanswered")
    risk = v[:, inst.risk_item_number - 1] if inst.risk_item_number else None
    for j, r in enumerate(rows):
        if not_number[j].any():
            i = int(np.argmax(not_number[j]))
            problems[r] = (str(text[j, i]), f"{inst.code} item {i + 1} is '{text[j, i]}', not a number")
        elif outside[j].any():
            i = int(np.argmax(outside[j]))
            problems[r] = (f"{v[j, i]:g}", f"{inst.code} item {i + 1} is {v[j, i]:g}; its items are whole numbers "
                                           f"{inst.item_min:g}-{inst.item_max:g}")
        elif unanswered[j] > inst.missing_items_max or answered[j] == 0:
            problems[r] = ("", f"{unanswered[j]} of {k} {inst.code} items are unanswered; it is scored only "
                               f"{allowed} ({inst.items_source})")
        elif stated is not None and stated_text[j] and not stated[j] == total[j]:
            problems[r] = (str(stated_text[j]), f"the total given is {stated_text[j]} but the {inst.code} items "
                                                 f"add up to {total[j]:g}")
        else:
            totals[r] = f"{total[j]:g}"
            if risk is not None and not np.isnan(risk[j]):
                risks[r] = f"{risk[j]:g}"
