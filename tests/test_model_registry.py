"""One model registry: each clinical model is declared once (pipelines/models/queries.py), and the SQL
files, the marts, the reports and the UI all follow that declaration."""

from __future__ import annotations

import re
import subprocess

from pipelines.models import queries, reports
from pipelines.sql_files import SQL_DIR, sql
from tests.conftest import REPO

DECLARED = {m.name for m in queries.MODELS}


def test_every_model_sql_file_is_declared_once_and_every_declaration_has_its_file():
    files = {p.stem.removeprefix("model_") for p in SQL_DIR.glob("model_*.sql")}
    assert files == DECLARED
    assert len(DECLARED) == len(queries.MODELS)  # no name declared twice


def test_git_grep_finds_each_model_name_declared_once():
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True)
    product = {f: (REPO / f).read_text(encoding="utf-8") for f in tracked.stdout.split()
               if (REPO / f).exists() and not f.startswith("tests/")}
    everything = "\n".join(product.values())
    for name in DECLARED:
        assert len(re.findall(rf'\bdeclare\(\s*"{name}"', everything)) == 1, name
        # no second list of model names: outside its declaration (and the reads_from of a model that
        # reads it) the name in quotes appears only as an audit entry's "what"
        elsewhere = [f for f, text in product.items() if f != "pipelines/models/queries.py"
                     and re.search(rf'(?<!"what": )(?<!key=)["\']{name}["\']', text)]
        assert not elsewhere, (name, elsewhere)


def test_a_model_reads_only_declared_and_materialised_models():
    stored = {m.name for m in queries.MODELS if m.stored}
    for model in queries.MODELS:
        assert set(model.reads_from) <= stored, model.name
        # the models its SQL composes in place are exactly those it reads, and each has its stored swap
        # (a misspelt swap would make the "stored" read compute live, unseen by stored == live tests)
        requires = re.search(r"^--\s*requires:\s*(.*)$", sql(model.sql_file), re.M)
        in_place = {r.strip() for r in (requires.group(1).split(",") if requires else []) if r.strip().startswith("model:")}
        assert {f for f, _ in model.swap if f.startswith("model:")} == in_place, model.name
        if in_place:
            assert {f"model:{r}" for r in model.reads_from} == in_place, model.name
        assert not (model.stored and model.reads_from), model.name  # stored as it is, or read from others
        for _fragment, replacement in model.swap:
            assert (SQL_DIR / f"cte_{replacement}.sql").is_file(), (model.name, replacement)


def test_every_report_kind_is_built_from_the_model_that_declares_it():
    from pipelines.cli import build_parser

    assert set(reports.BUILDERS) == set(reports.REPORT_COLUMNS)
    # the command line lists the kinds without importing the models (it starts fast): the same kinds
    report = build_parser()._subparsers._group_actions[0].choices["report"]
    kind = next(a for a in report._actions if a.dest == "kind")
    assert set(kind.choices) == set(reports.REPORT_COLUMNS)
    assert all(isinstance(m, queries.Model) and m.report == kind for kind, m in reports.BUILDERS.items())


def test_the_ui_names_each_model_it_reads_directly():
    # no dispatch by a name held in a string: every read in ui/ and pages/ names a declared model,
    # e.g. queries.active_flags (model_named is for tests and tools)
    for path in [*(REPO / "ui").rglob("*.py"), *(REPO / "pages").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "getattr(queries" not in text and "model_named" not in text, path.name
        for name in re.findall(r"(?<![/\w])queries\.([a-z_]+)", text):
            assert hasattr(queries, name), (path.name, name)


def test_every_stored_read_filters_by_scope_exactly_as_mart_read_does():
    # the fail-closed scope test is written once in mart_read.sql; each stored fragment a model reads
    # instead of a live one (cte_*_stored.sql) must repeat it word for word
    def where(name: str) -> str:
        code = "\n".join(line.split("--", 1)[0] for line in sql(name).splitlines())
        return " ".join(code.split("WHERE", 1)[1].replace(")", " ").split())

    expected = where("mart_read")
    stored = sorted(p.stem for p in SQL_DIR.glob("cte_*_stored.sql"))
    assert stored and all(where(name) == expected for name in stored), stored
