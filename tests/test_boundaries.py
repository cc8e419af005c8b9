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
    for path in [*PAGES, *sorted((REPO / "ui").rglob("*.py")), REPO / "app.py"]:
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


PRODUCT = [REPO / "app.py", *(p for folder in ("pipelines", "schemas", "ui", "pages") for p in (REPO / folder).rglob("*.py"))]
PROJECT_ROOTS = ("pipelines", "schemas", "ui", "pages")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as text, when the expression is a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def _private_reaches(path) -> list[str]:
    """Names starting with one underscore that ``path`` takes from another project module: by
    ``from m import _x``, by ``m._x`` (also ``pipelines.a.b._x``), or by ``getattr(m, "_x")``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to project modules (or to names taken from them)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in PROJECT_ROOTS):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"from {'.' * node.level}{node.module or ''} import {alias.name}")
                modules.add(alias.asname or alias.name)  # maybe a module (from pipelines import store)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT_ROOTS:
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            dotted = _dotted(node.value)
            if dotted is not None and dotted.split(".")[0] in modules:
                found.append(f"{dotted}.{node.attr}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
              and isinstance(node.args[1].value, str) and _private(node.args[1].value)
              and (_dotted(node.args[0]) or "").split(".")[0] in modules):
            found.append(f"getattr({_dotted(node.args[0])}, {node.args[1].value!r})")
    return found


def test_no_module_reaches_into_another_modules_private_names():
    # a name with a leading underscore is private to its module: the benchmark's page worker once took
    # pipelines.bench._peak_rss_mb, a boundary import-linter cannot see
    reaches = {str(p.relative_to(REPO)): found for p in PRODUCT if (found := _private_reaches(p))}
    assert not reaches, reaches


def test_the_private_name_check_sees_both_ways_in(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from pipelines.bench.common import _x\nfrom pipelines import store\nimport pipelines.bench.common\n"
                     "from . import sibling\nfrom .near import _w\n"
                     "store._y\npipelines.bench.common._z\ngetattr(store, '_v')\nsibling._u\n", encoding="utf-8")
    assert sorted(_private_reaches(probe)) == sorted([
        "from pipelines.bench.common import _x", "from .near import _w", "store._y", "pipelines.bench.common._z",
        "getattr(store, '_v')", "sibling._u"])
