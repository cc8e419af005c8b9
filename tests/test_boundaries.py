"""Architecture rules that import-linter cannot see."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

PAGES = sorted((REPO / "pages").glob("*.py"))
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b", re.S)


def test_there_are_pages():
    assert PAGES


def test_every_page_starts_with_the_access_guard():
    for page in PAGES:
        tree = ast.parse(page.read_text(encoding="utf-8"))
        body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))
                and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        first = body[0]
        call = first.value if isinstance(first, (ast.Assign, ast.Expr)) else None
        assert isinstance(call, ast.Call) and getattr(call.func, "id", None) == "require_user", page.name


def test_pages_and_ui_hold_no_sql():
    for path in [*PAGES, *sorted((REPO / "ui").glob("*.py")), REPO / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL_WORDS.search(node.value), path.name


def test_sql_lives_in_named_files_and_uses_parameters():
    for path in sorted((REPO / "pipelines" / "sql").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        # a Python-style {name} field would mean values formatted into SQL;
        # DuckDB's own format('{}') text templates are fine
        assert not re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}", text), f"{path.name}: values must be bound parameters"
        assert "%s" not in text and "%(" not in text, path.name


def test_pipelines_and_schemas_never_import_streamlit():
    for folder in ("pipelines", "schemas"):
        for path in (REPO / folder).rglob("*.py"):
            assert "import streamlit" not in path.read_text(encoding="utf-8"), path
