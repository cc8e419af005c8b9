"""The docs describe what exists: every contract column, every setting, every link."""

from __future__ import annotations

import re

from pipelines.settings import SETTINGS
from pipelines.sql_files import statements
from schemas.contract import TABLES
from tests.conftest import REPO

CONTRACT = (REPO / "docs" / "data-contract.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(doc: str, table: str) -> str:
    match = re.search(rf"^### {table}\n(.*?)(?=^### |^## |\Z)", doc, flags=re.S | re.M)
    assert match, f"docs/data-contract.md has no section for {table}"
    return match.group(1)


def test_every_schema_column_is_in_the_data_contract():
    for name, spec in TABLES.items():
        section = _section(CONTRACT, name)
        documented = re.findall(r"^\| (\w+) \|", section, flags=re.M)
        documented = [c for c in documented if c != "column"]
        assert documented == spec.column_names, name


def test_every_setting_is_documented():
    for name in SETTINGS:
        assert f"`{name}`" in ARCHITECTURE, name


def test_readme_has_the_two_commands_and_how_it_works():
    assert "make run" in README and "make test" in README
    assert "## How it works" in README


def test_relative_links_resolve():
    for doc_path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)\)", doc_path.read_text(encoding="utf-8")):
            assert (doc_path.parent / target).exists(), f"{doc_path.name} links to missing {target}"


def test_data_schema_sql_matches_the_models():
    create = {
        m.group(1): [line.split()[0] for line in m.group(2).splitlines() if line.strip()]
        for m in (re.match(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*)\)", s, flags=re.S) for s in statements("data_schema"))
        if m
    }
    for name, spec in TABLES.items():
        assert create[name] == [*spec.column_names, "load_id"], name
