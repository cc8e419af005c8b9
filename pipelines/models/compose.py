"""How a clinical model's SQL is put together: named files, one as-of date, a scope, bound thresholds.

A model file ``pipelines/sql/model_<name>.sql`` starts with a line
``-- requires: a, b`` naming the shared CTE fragments it uses
(``pipelines/sql/cte_<a>.sql``, each ``a AS (...)``, which may require others).
:func:`compose` puts them in dependency order in one ``WITH`` clause, and
:func:`statement` gives it with every value it uses, to be bound: ``$as_of``, ``$scope`` (the
clinician_ids whose clients and workload may be seen), the thresholds of
``schemas/thresholds.toml`` by name, and the instrument table of
``schemas/instruments.toml`` as parallel lists.

Which models exist, and how each is read, is declared in
:mod:`pipelines.models.queries`.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from pipelines.scope import Scope
from pipelines.sql_files import sql
from schemas.instruments import INSTRUMENTS
from schemas.thresholds import FLAG_SEVERITY, THRESHOLDS

_REQUIRES = re.compile(r"^--\s*requires:\s*(.*)$", re.M)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)\b")


def _requires(text: str) -> list[str]:
    match = _REQUIRES.search(text)
    return [r.strip() for r in match.group(1).split(",") if r.strip()] if match else []


def _strip_header(text: str) -> str:
    lines = text.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines).strip().rstrip(";")


@cache
def compose(model: str, swap: tuple[tuple[str, str], ...] = (), _readers: tuple[str, ...] = ()) -> str:
    """The full SQL of a model: its fragments in dependency order, then its body.

    ``swap`` replaces fragments by others of the same output (e.g. a computed
    source by its materialised copy). A requirement ``model:<name>`` is another
    model, computed in place as a fragment named ``<name>`` (a model that
    summarises others reads their rows, never a copy of their SQL). ``_readers``
    are the models composing this one in place, to refuse a loop of models.
    """
    if model in _readers:
        raise ValueError(f"cycle in models read by models: {' -> '.join((*_readers, model))}")
    return _compose(sql(f"model_{model}"), swap, (*_readers, model))


@cache
def fragment_rows(name: str, swap: tuple[tuple[str, str], ...] = ()) -> str:
    """The SQL giving every row of one shared fragment (``cte_<name>.sql``) with the fragments it requires.

    The refresh computes a fragment many models share once, into a table that
    ``cte_<name>_refreshed.sql`` reads (pipelines/models/marts.py).
    """
    sql(f"cte_{name}")  # a fragment that exists: the name below is one the SQL files declare
    return _compose(f"-- requires: {name}\nSELECT * FROM {name}", swap, ())


def _compose(body_text: str, swap: tuple[tuple[str, str], ...], readers: tuple[str, ...]) -> str:
    replace = dict(swap)
    ordered: list[str] = []

    def fragment(name: str) -> str:
        target = replace.get(name, name)
        if target.startswith("model:"):
            inner = target.removeprefix("model:")
            return f"{inner} AS (\n{compose(inner, (), readers)}\n)"
        return sql(f"cte_{target}")

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            raise ValueError(f"cycle in SQL fragments: {' -> '.join((*trail, name))}")
        if name in ordered:
            return
        text = fragment(name)
        if not replace.get(name, name).startswith("model:"):  # a model composes its own fragments
            for dep in _requires(text):
                visit(dep, (*trail, name))
        ordered.append(name)

    for dep in _requires(body_text):
        visit(dep, ())
    fragments = [_strip_header(fragment(name)) for name in ordered]
    body = _strip_header(body_text)
    if not fragments:
        return body
    if re.match(r"(?is)^\s*select\b", body):
        return "WITH\n" + ",\n".join(fragments) + "\n" + body
    return "WITH\n" + ",\n".join(fragments) + ",\n" + body


def _instrument_params() -> dict[str, Any]:
    codes = sorted(INSTRUMENTS)
    inst = [INSTRUMENTS[c] for c in codes]
    return {
        "inst_code": codes,
        "inst_better": [i.better for i in inst],
        "inst_caseness": [None if i.caseness is None else float(i.caseness) for i in inst],
        "inst_case_rule": [i.caseness_rule for i in inst],
        "inst_rc_threshold": [None if i.rc_threshold is None else float(i.rc_threshold) for i in inst],
        "inst_alliance": [None if i.alliance_risk_below is None else float(i.alliance_risk_below) for i in inst],
        "inst_risk_max": [i.risk_item_max for i in inst],
        "inst_range_max": [float(i.range_max) for i in inst],
        # the paired NHS Talking Therapies classification names its two measures
        "phq_rc_threshold": float(INSTRUMENTS["PHQ-9"].rc_threshold),
        "gad_rc_threshold": float(INSTRUMENTS["GAD-7"].rc_threshold),
        "phq_case": float(INSTRUMENTS["PHQ-9"].caseness),
        "gad_case": float(INSTRUMENTS["GAD-7"].caseness),
    }


def etr_fit_before(as_of: date) -> date:
    """The day the expected-treatment-response reference is fitted before (cte_etr_reference.sql): the first
    day of the as-of month, so the curves change monthly, not with every load (docs/clinical-definitions.md)."""
    return as_of.replace(day=1)


def parameters(scope: Scope, as_of: date, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    if not isinstance(scope, Scope):
        raise TypeError("a Scope is required: every model runs within the user's scope")
    if not isinstance(as_of, date):
        raise TypeError("as_of must be a datetime.date")
    params: dict[str, Any] = {name: t.value for name, t in THRESHOLDS.items()}
    params.update(_instrument_params())
    params.update({f"severity_{code.lower()}": sev for code, sev in FLAG_SEVERITY.items()})
    params.update({"scope": list(scope.clinician_ids), "as_of": as_of, "etr_fit_before": etr_fit_before(as_of)})
    params.update(extra or {})
    return params


def statement(
    model: str, scope: Scope, as_of: date, extra: dict[str, Any] | None = None,
    swap: tuple[tuple[str, str], ...] = (),
) -> tuple[str, dict[str, Any]]:
    """The composed SQL of a model and exactly the parameters it uses."""
    return _bound(f"model {model}", compose(model, swap), parameters(scope, as_of, extra))


def fragment_statement(
    name: str, scope: Scope, as_of: date, swap: tuple[tuple[str, str], ...] = ()
) -> tuple[str, dict[str, Any]]:
    """The rows of one shared fragment (:func:`fragment_rows`) and exactly the parameters they use."""
    return _bound(f"fragment {name}", fragment_rows(name, swap), parameters(scope, as_of))


def file_statement(name: str, scope: Scope, as_of: date) -> tuple[str, dict[str, Any]]:
    """A named SQL file that is neither a model nor a fragment (pipelines/sql/<name>.sql) and exactly the
    model parameters it uses (the refresh's fingerprint of a fit's inputs binds the fit's date)."""
    return _bound(f"file {name}", sql(name), parameters(scope, as_of))


def _bound(what: str, text: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    used = set(_PARAM.findall(text))
    missing = used - set(params)
    if missing:
        raise KeyError(f"{what} uses unknown parameter(s): {sorted(missing)}")
    return text, {k: v for k, v in params.items() if k in used}
