"""Named SQL files in ``pipelines/sql/``, loaded by name.

Queries take their values as bound parameters (``?`` or ``$name``; ``%s`` in
the PostgreSQL dialect), never by string formatting.

App state speaks two dialects (``pipelines.appstate.db.AppState``): SQLite's files
are in ``pipelines/sql/``, PostgreSQL's twins - the same file names and query
names - in ``pipelines/sql/pg/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")
# where each app-state dialect keeps its files
DIALECT_DIRS = {"sqlite": SQL_DIR, "postgresql": SQL_DIR / "pg"}


@cache
def sql(name: str, dialect: str = "sqlite") -> str:
    folder = DIALECT_DIRS[dialect]
    path = folder / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no named query {name!r} in {folder}")
    return path.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of a multi-statement file (split on ';' at line ends)."""
    parts, current = [], []
    for line in sql(name).splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            stmt = "\n".join(current).strip().rstrip(";").strip()
            if stmt:
                parts.append(stmt)
            current = []
    tail = "\n".join(current).strip()
    if tail:
        parts.append(tail)
    return parts


@cache
def named(name: str, dialect: str = "sqlite") -> dict[str, str]:
    """The queries of a file that holds several, each introduced by ``-- name: <query>``."""
    queries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in sql(name, dialect).splitlines():
        stripped = line.strip()
        if stripped.startswith("-- name:"):
            current = queries.setdefault(stripped.removeprefix("-- name:").strip(), [])
        elif current is not None and not stripped.startswith("--"):
            current.append(line)
    return {key: "\n".join(lines).strip().rstrip(";").strip() for key, lines in queries.items()}
