"""Every page through Streamlit's AppTest, signed in as each role and not at all."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import audit
from pipelines.demo import ensure_demo_database
from pipelines.ingest import ingest
from pipelines.settings import paths
from pipelines.store import AppState
from pipelines.users import DEMO_PASSWORD, set_active
from tests.conftest import BASE, REPO

APP = str(REPO / "app.py")


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory):
    """The demo database built from sample_data/ once; tests copy it."""
    folder = tmp_path_factory.mktemp("demo-template")
    ensure_demo_database(paths(folder / "momentum.duckdb"))
    return folder


@pytest.fixture
def demo_db(demo_db_template, tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    shutil.copytree(demo_db_template, folder)
    monkeypatch.setenv("MOMENTUM_DB", str(folder / "momentum.duckdb"))
    return paths()


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _sign_in(username: str, password: str = DEMO_PASSWORD) -> AppTest:
    at = _app()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_sign_in_form_shows_no_data(demo_db):
    at = _app()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert len(at.dataframe) == 0 and len(at.header) == 0
    assert "momentum-demo" in at.info[0].value


def test_manager_sees_counts_ledger_and_demo_banner(demo_db):
    at = _sign_in("manager")
    assert [h.value for h in at.header] == ["Data status"]
    assert "Load history" in [s.value for s in at.subheader]
    assert len(at.dataframe) >= 2
    counts = at.dataframe[0].value
    assert int(counts.loc[counts["table_name"] == "sessions", "row_count"].iloc[0]) > 0
    assert any("Demo data" in w.value for w in at.warning)
    actions = [e["action"] for e in audit.recent(AppState(demo_db.app_db))]
    assert "login" in actions


@pytest.mark.parametrize("role", ["supervisor", "clinician"])
def test_other_roles_see_counts_but_not_the_ledger(demo_db, role):
    at = _sign_in(role)
    assert [h.value for h in at.header] == ["Data status"]
    assert "Load history" not in [s.value for s in at.subheader]
    assert len(at.dataframe) == 1
    assert any("visible to practice managers" in c.value for c in at.caption)


def test_wrong_password_and_unknown_user_get_the_same_message(demo_db):
    wrong = _sign_in("manager", "not-the-password")
    unknown = _sign_in("nobody-here", "not-the-password")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error] == [
        "Username or password is incorrect."]
    assert len(wrong.header) == 0 and len(unknown.header) == 0


def test_page_run_directly_without_sign_in_shows_nothing(demo_db):
    at = AppTest.from_file(str(REPO / "pages" / "data_status.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["You are not signed in. [Go to the sign-in page](/)"]
    assert len(at.dataframe) == 0 and len(at.header) == 0 and len(at.text_input) == 0


def test_disabling_a_user_ends_their_session(demo_db):
    at = _sign_in("clinician")
    assert [h.value for h in at.header] == ["Data status"]
    set_active(AppState(demo_db.app_db), "clinician", False)
    at.run()
    assert len(at.dataframe) == 0 and "Data status" not in [h.value for h in at.header]
    # the page's own guard stops it (or the entry script shows the sign-in form again)
    signed_out = [m.value for m in at.markdown] == ["You are not signed in. [Go to the sign-in page](/)"]
    assert signed_out or [t.label for t in at.text_input] == ["Username", "Password"]
    assert "momentum_user" not in at.session_state


def test_sign_out(demo_db):
    at = _sign_in("manager")
    at.sidebar.button[0].click().run()
    assert "momentum_user" not in at.session_state
    assert len(at.dataframe) == 0 and "Data status" not in [h.value for h in at.header]
    fresh = _app()  # the next visit gets the sign-in form
    assert [t.label for t in fresh.text_input] == ["Username", "Password"]
    assert "logout" in [e["action"] for e in audit.recent(AppState(demo_db.app_db))]


def test_demo_accounts_refused_once_real_data_is_loaded(demo_db):
    ingest([BASE / "clinicians.csv"], demo_db, audit=False)  # a non-sample file
    at = _sign_in("manager")
    assert [e.value for e in at.error] == ["Username or password is incorrect."]
    assert not any("momentum-demo" in i.value for i in at.info)


def test_weak_cookie_key_stops_the_app(demo_db):
    demo_db.secrets.write_text('cookie_key = "short"\n', encoding="utf-8")
    demo_db.secrets.chmod(0o600)
    at = _app()
    assert any("weak sign-in key" in e.value for e in at.error)
    assert len(at.text_input) == 0
