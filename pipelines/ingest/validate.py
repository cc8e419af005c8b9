"""Compile the pandera export models (``schemas``) into DuckDB validation SQL.

Validation is lazy: every problem of every row is collected in one pass per
rule, into a ``problems`` temp table (row, column, value, reason). Rows with
no problem become ``valid`` and are upserted by natural key.

The SQL is generated from the schema (identifiers come from the models, never
from a file); every value that varies - allowed values, ranges, formats,
the time zone - is a bound parameter.

The cross-column rules of the models (``@dataframe_check``) are translated in
``RULES`` below; ``tests/test_schemas.py`` checks that every model rule has a
translation and that pandera and this SQL reject the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.contract import ColumnSpec, TableSpec
from schemas.instruments import INSTRUMENTS
from schemas.profiles import HeaderProfile, normalise

_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
# ISO 8601 with a UTC offset: a time of day, then Z or +hh[:mm] / -hh[:mm]
_OFFSET_RE = "[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"
VALUE_PREVIEW = 200  # characters of an offending value kept in rejected_rows


# Columns whose rejected values are not echoed into rejected_rows when they are not identifiers: a
# client's identifier column is where an export keyed by client names (or emails, phone numbers) puts
# them, and a stored reject must not keep them (docs/security.md, "Names and contact details").
UNECHOED = ("client_id",)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Params:
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _kind_words(kind: str) -> str:
    return {
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "date": "a real date (YYYY-MM-DD)",
        "datetime": "a real date and time (YYYY-MM-DD HH:MM[:SS] or ISO 8601)",
        "date_or_datetime": "a real date (YYYY-MM-DD) or date and time",
    }[kind]


@dataclass(frozen=True)
class Rule:
    """A cross-column rule: rows where ``fails`` is true are rejected."""

    column: str
    fails: str
    reason: str  # SQL expression producing the reason text
    value: str


def _instrument_params(p: _Params) -> dict[str, str]:
    codes = sorted(INSTRUMENTS)
    return {
        "codes": p.add(codes),
        "lo": p.add([float(INSTRUMENTS[c].range_min) for c in codes]),
        "hi": p.add([float(INSTRUMENTS[c].range_max) for c in codes]),
        "risk": p.add([c for c in codes if INSTRUMENTS[c].risk_item_max is not None]),
    }


def _rules(table: str, p: _Params) -> dict[str, Rule]:
    """SQL for each model rule, keyed by the model's check name."""
    if table == "clients":
        return {
            "discharge_after_intake": Rule(
                "discharge_date",
                "discharge_date < intake_date",
                "'discharge_date ' || strftime(discharge_date, '%Y-%m-%d') || "
                "' is before intake_date ' || strftime(intake_date, '%Y-%m-%d')",
                "r_discharge_date",
            ),
            "discharged_has_date": Rule(
                "discharge_date",
                "status = 'discharged' AND discharge_date IS NULL AND r_discharge_date IS NULL",
                "'status is discharged, so discharge_date is required'",
                "r_discharge_date",
            ),
        }
    if table == "sessions":
        return {
            "note_after_start": Rule(
                "note_signed_at",
                "note_signed_at < start",
                "'note_signed_at ' || strftime(note_signed_at, '%Y-%m-%d %H:%M') || "
                "' is before the session start ' || strftime(start, '%Y-%m-%d %H:%M')",
                "r_note_signed_at",
            )
        }
    if table == "measures":
        ip = _instrument_params(p)
        lo = f"list_extract({ip['lo']}, list_position({ip['codes']}, measure))"
        hi = f"list_extract({ip['hi']}, list_position({ip['codes']}, measure))"
        return {
            "score_in_instrument_range": Rule(
                "score",
                f"score IS NOT NULL AND measure IS NOT NULL AND (score < {lo} OR score > {hi})",
                f"'score ' || r_score || ' is outside the ' || measure || ' range ' || "
                f"CAST({lo} AS BIGINT) || '-' || CAST({hi} AS BIGINT)",
                "r_score",
            ),
            "risk_item_only_where_defined": Rule(
                "risk_item",
                f"risk_item IS NOT NULL AND measure IS NOT NULL "
                f"AND NOT list_contains({ip['risk']}, measure)",
                "'risk_item is only recorded for ' || array_to_string("
                + ip["risk"]
                + ", ', ') || ', not for ' || measure",
                "r_risk_item",
            ),
            "goal_id_iff_goal": Rule(
                "goal_id",
                "measure IS NOT NULL AND ((measure = 'GOAL') <> (r_goal_id IS NOT NULL))",
                "CASE WHEN measure = 'GOAL' THEN 'goal_id is required for a GOAL rating' "
                "ELSE 'goal_id must be empty for ' || measure END",
                "r_goal_id",
            ),
        }
    return {}


def rule_names(table: str) -> set[str]:
    return set(_rules(table, _Params()))


@dataclass
class CompiledValidation:
    statements: list[tuple[str, dict[str, Any]]]
    may_have_duplicates: str
    duplicates: tuple[str, dict[str, Any]]


class ValidationCompiler:
    """Builds the SQL that turns ``raw_rows`` into ``typed``, ``problems`` and ``valid``.

    ``raw_rows`` has ``__row`` (1-based data row) and one VARCHAR column per
    header; ``column_map`` maps each contract column to its raw column name
    (absent optional columns are simply missing from the map).
    """

    def __init__(
        self,
        spec: TableSpec,
        column_map: dict[str, str],
        profile: HeaderProfile,
        timezone: str = "UTC",
        check_nul: bool = True,
    ) -> None:
        self.spec = spec
        self.column_map = column_map
        self.profile = profile
        self.timezone = timezone
        # False only for a file known to hold no NUL byte (csv_files.fingerprint): then no
        # value can, and the per-column scans for chr(0) (about 0.3 s at 2.7M rows) are skipped
        self.check_nul = check_nul
        self.p = _Params()

    # -- typed values -------------------------------------------------
    def _raw(self, col: ColumnSpec) -> str:
        src = self.column_map.get(col.name)
        if src is None:
            return "CAST(NULL AS VARCHAR)"
        return f"NULLIF(trim({quote_ident(src)}), '')"

    def _datetime_expr(self, r: str, allow_date_only: bool) -> str:
        fmts = self.p.add(list(self.profile.datetime_formats))
        tz = self.p.add(self.timezone)
        offset_re = self.p.add(_OFFSET_RE)
        parts = [
            f"try_strptime({r}, {fmts})",
            f"CASE WHEN regexp_matches({r}, {offset_re}) "
            f"THEN timezone({tz}, try_cast({r} AS TIMESTAMPTZ)) END",
        ]
        if allow_date_only:
            parts.append(f"try_strptime({r}, {self.p.add(list(self.profile.date_formats))})")
        return "coalesce(" + ", ".join(parts) + ")"

    def _typed(self, col: ColumnSpec, r: str) -> str:
        kind = col.kind
        if kind == "text":
            if col.allowed is not None:
                keys, vals = self._value_map(col)
                # canonical values match as they are; anything else is normalised
                # and looked up among the profile's aliases
                return (
                    f"CASE WHEN list_contains({self.p.add(list(col.allowed))}, {r}) THEN {r} "
                    f"ELSE list_extract({self.p.add(vals)}, list_position({self.p.add(keys)}, "
                    f"regexp_replace(lower({r}), '[^0-9a-z]', '', 'g'))) END"
                )
            return r
        if kind == "integer":
            return f"CASE WHEN regexp_full_match({r}, '[+-]?[0-9]{{1,18}}') THEN CAST({r} AS BIGINT) END"
        if kind == "number":
            return (
                f"CASE WHEN isfinite(try_cast({r} AS DOUBLE)) THEN try_cast({r} AS DOUBLE) END"
            )
        if kind == "boolean":
            return (
                f"list_extract({self.p.add([True] * len(_TRUE) + [False] * len(_FALSE))}, "
                f"list_position({self.p.add(_TRUE + _FALSE)}, lower({r})))"
            )
        if kind == "date":
            return f"CAST(try_strptime({r}, {self.p.add(list(self.profile.date_formats))}) AS DATE)"
        if kind == "datetime":
            return self._datetime_expr(r, self.profile.date_only_datetimes)
        if kind == "date_or_datetime":
            return self._datetime_expr(r, True)
        raise ValueError(f"unknown column kind {kind!r}")

    def _value_map(self, col: ColumnSpec) -> tuple[list[str], list[str]]:
        mapping = {normalise(v): v for v in col.allowed or ()}
        for alias, canonical in self.profile.value_map(self.spec.name, col.name).items():
            mapping.setdefault(alias, canonical)
        keys = sorted(mapping)
        return keys, [mapping[k] for k in keys]

    def _default(self, col: ColumnSpec, typed: str) -> str:
        if col.default is None:
            return typed
        return f"CASE WHEN r_{col.name} IS NULL THEN {self.p.add(col.default)} ELSE {typed} END"

    def typed_sql(self) -> str:
        raw_cols = [f"{self._raw(c)} AS r_{c.name}" for c in self.spec.columns]
        inner = "SELECT __row, " + ", ".join(raw_cols) + " FROM raw_rows"
        typed_cols = []
        for c in self.spec.columns:
            typed_cols.append(f"{self._default(c, self._typed(c, 'r_' + c.name))} AS {quote_ident(c.name)}")
        return (
            "CREATE OR REPLACE TEMP TABLE typed AS SELECT __row, "
            + ", ".join(f"r_{c.name}" for c in self.spec.columns)
            + ", "
            + ", ".join(typed_cols)
            + f" FROM ({inner})"
        )

    # -- problems ------------------------------------------------------
    def _problem(self, column: str, where: str, reason: str, value: str | None = None) -> str:
        value = value or f"r_{column}"
        return (
            f"SELECT __row, {self.p.add(column)} AS column_name, "
            f"left({value}, {VALUE_PREVIEW}) AS value, {reason} AS reason "
            f"FROM typed WHERE {where}"
        )

    def _column_problems(self, col: ColumnSpec) -> list[str]:
        r, t = f"r_{col.name}", quote_ident(col.name)
        out = []
        if self.check_nul:
            out.append(
                self._problem(
                    col.name,
                    f"strpos({r}, chr(0)) > 0",
                    self.p.add("the value contains a NUL byte (is the export corrupt?)"),
                    "NULL" if col.name in UNECHOED else f"replace({r}, chr(0), '\\0')",
                )
            )
        if col.required:
            out.append(self._problem(col.name, f"{r} IS NULL", self.p.add(f"{col.name} is required but empty")))
        if col.kind != "text" or col.allowed is not None:
            if col.allowed is not None:
                allowed = ", ".join(col.allowed)
                reason = f"'''' || {r} || ''' is not an allowed {col.name} (allowed: ' || {self.p.add(allowed)} || ')'"
            else:
                reason = f"'''' || {r} || ''' is not ' || {self.p.add(_kind_words(col.kind))}"
            out.append(self._problem(col.name, f"{r} IS NOT NULL AND {t} IS NULL", reason))
        if col.min_value is not None:
            op = "<" if col.min_inclusive else "<="
            words = "below the minimum of" if col.min_inclusive else "not above"
            out.append(
                self._problem(
                    col.name,
                    f"{t} {op} {self.p.add(col.min_value)}",
                    f"{r} || ' is {words} ' || {self.p.add(_fmt_num(col.min_value))} || ' for {col.name}'",
                )
            )
        if col.max_value is not None:
            op = ">" if col.max_inclusive else ">="
            words = "above the maximum of" if col.max_inclusive else "not below"
            out.append(
                self._problem(
                    col.name,
                    f"{t} {op} {self.p.add(col.max_value)}",
                    f"{r} || ' is {words} ' || {self.p.add(_fmt_num(col.max_value))} || ' for {col.name}'",
                )
            )
        if col.pattern is not None and col.name in UNECHOED:
            # the value is not kept: an export keyed by client names or contact details puts them here
            words = self.p.add(f"{col.name} is not an identifier (letters, digits, '.', '-' and '_' only, starting "
                               "with a letter or a digit); its value is not kept here, since an export keyed by "
                               "client names or contact details would put them in this column")
            out.append(self._problem(
                col.name, f"{t} IS NOT NULL AND NOT regexp_full_match({t}, {self.p.add(col.pattern)})", words, "NULL"))
        elif col.pattern is not None:
            words = self.p.add(" is not an identifier: use letters, digits, '.', '-' and '_' only, "
                               "starting with a letter or a digit")
            out.append(
                self._problem(
                    col.name,
                    f"{t} IS NOT NULL AND NOT regexp_full_match({t}, {self.p.add(col.pattern)})",
                    f"'{col.name} ''' || left({t}, 60) || '''' || {words}",
                )
            )
        if col.max_length is not None:
            out.append(
                self._problem(
                    col.name,
                    f"length({t}) > {self.p.add(col.max_length)}",
                    f"'{col.name} is ' || length({t}) || ' characters long; at most ' || "
                    f"{self.p.add(col.max_length)} || ' are allowed'",
                    "NULL" if col.name in UNECHOED else None,
                )
            )
        if col.references is not None:
            ref_table, ref_col = col.references
            rc = quote_ident(ref_col)
            # NULLs must not reach NOT IN: one NULL would make every test unknown
            known = f"SELECT {rc} FROM {quote_ident(ref_table)} WHERE {rc} IS NOT NULL"
            if ref_table == self.spec.name:  # self-reference: this file counts too
                known += f" UNION ALL SELECT {rc} FROM typed WHERE {rc} IS NOT NULL"
            if col.name in UNECHOED:  # a name that passed as an identifier must not be kept either
                reason = self.p.add(f"the {col.name} of this row is not in {ref_table} (neither already loaded "
                                    "nor in this load); its value is not kept here")
            else:
                reason = (f"'{ref_table[:-1] if ref_table.endswith('s') else ref_table} ''' || {t} || "
                          f"''' is not in {ref_table} (neither already loaded nor in this load)'")
            out.append(self._problem(col.name, f"{t} IS NOT NULL AND {t} NOT IN ({known})", reason,
                                     "NULL" if col.name in UNECHOED else None))
        return out

    def problems_sql(self) -> str:
        parts: list[str] = []
        for c in self.spec.columns:
            parts.extend(self._column_problems(c))
        rules = _rules(self.spec.name, self.p)
        missing = set(self.spec.rules) - set(rules)
        if missing:  # a model rule without SQL would be silently skipped
            raise ValueError(f"{self.spec.name}: no SQL for model rule(s) {sorted(missing)}")
        for name in self.spec.rules:
            rule = rules[name]
            parts.append(self._problem(rule.column, rule.fails, rule.reason, rule.value))
        return "CREATE OR REPLACE TEMP TABLE problems AS " + " UNION ALL ".join(parts)

    def duplicates_sql(self) -> str:
        """Later rows repeating the natural key of an earlier good row are rejected.

        One hash aggregate finds the (rare) repeated keys; no window over the file.
        """
        key = [quote_ident(k) for k in self.spec.key]
        label = ", ".join(self.spec.key)
        shown = " || '/' || ".join(f"coalesce(CAST({k} AS VARCHAR), '')" for k in key)
        keys = ", ".join(key)
        return (
            "INSERT INTO problems SELECT __row, "
            f"{self.p.add(self.spec.key[0])}, left({shown}, {VALUE_PREVIEW}), "
            f"'duplicate {label} ''' || {shown} || ''': the same key is on row ' || first_row || "
            "' of this file (the first one is kept)' "
            f"FROM (SELECT unnest(rows) AS __row, first_row, {keys} FROM ("
            f"SELECT {keys}, min(__row) AS first_row, list(__row) AS rows FROM typed "
            "WHERE __row NOT IN (SELECT __row FROM problems) "
            f"GROUP BY {keys} HAVING count(*) > 1)) WHERE __row > first_row"
        )

    def may_have_duplicates_sql(self) -> str:
        """Cheap pre-check: 0 when no two rows share a natural key (hash-based)."""
        keys = ", ".join(quote_ident(k) for k in self.spec.key)
        return f"SELECT count(*) - count(DISTINCT hash({keys})) FROM typed"

    def valid_sql(self) -> str:
        cols = ", ".join(quote_ident(c.name) for c in self.spec.columns)
        return (
            f"CREATE OR REPLACE TEMP VIEW valid AS SELECT {cols} FROM typed "
            "WHERE __row NOT IN (SELECT __row FROM problems)"
        )

    def compile(self) -> CompiledValidation:
        stmts = [self.typed_sql(), self.problems_sql(), self.valid_sql()]
        # every statement gets the whole parameter dict; DuckDB needs exactly
        # the parameters a statement uses, so split them per statement
        dups = self.duplicates_sql()
        return CompiledValidation(
            [(s, _params_for(s, self.p.values)) for s in stmts],
            self.may_have_duplicates_sql(),
            (dups, _params_for(dups, self.p.values)),
        )


def _params_for(statement: str, values: dict[str, Any]) -> dict[str, Any]:
    import re

    used = set(re.findall(r"\$(p\d+)\b", statement))
    return {k: v for k, v in values.items() if k in used}


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def upsert_statements(spec: TableSpec) -> list[str]:
    """Delete stored rows whose natural key comes again, then insert (later file wins)."""
    table = quote_ident(spec.name)
    cols = ", ".join(quote_ident(c.name) for c in spec.columns)
    if len(spec.key) == 1:
        k = quote_ident(spec.key[0])
        delete = f"DELETE FROM {table} WHERE {k} IN (SELECT {k} FROM valid)"
    else:
        cond = " AND ".join(
            f"{table}.{quote_ident(k)} IS NOT DISTINCT FROM v.{quote_ident(k)}" for k in spec.key
        )
        delete = f"DELETE FROM {table} USING valid v WHERE {cond}"
    insert = f"INSERT INTO {table} ({cols}, load_id) SELECT {cols}, $load_id FROM valid"
    return [delete, insert]


def stored_values_sql(spec: TableSpec, columns: list[str]) -> str:
    """The stored values (as text) of ``columns`` of the rows whose key is in ``$keys`` (a one-column key)."""
    (key,) = spec.key
    selected = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR)" for c in columns)
    return (f"SELECT {quote_ident(key)}, {selected} FROM {quote_ident(spec.name)} "
            f"WHERE {quote_ident(key)} IN (SELECT unnest($keys))")
