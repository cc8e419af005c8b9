"""Helpers for driving the app through Streamlit's AppTest (the demo database fixtures are in conftest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from pipelines.appstate.db import AppState
from pipelines.appstate.users import DEMO_PASSWORD
from tests.conftest import REPO

APP = str(REPO / "app.py")


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(username: str, password: str = DEMO_PASSWORD) -> AppTest:
    at = app()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def frame(at: AppTest, key: str):
    """The rows of the dataframe rendered with ``key``; None when the page did not render it."""
    found = [d for d in at.dataframe if getattr(d, "key", None) == key]
    return found[0].value if found else None


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def app_rows(db, sql: str) -> list[tuple]:
    with AppState(db.app_db).reading() as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def post_win(at: AppTest, text: str) -> AppTest:
    at.text_area(key="win_text").input(text)
    button(at, "Post win").click().run()
    assert not at.exception, at.exception
    return at


def shown(markdown: str) -> str:
    """What a reader sees of Markdown that went through ui.plain_text.plain_md: escapes and the
    invisible word joiners that keep autolinks plain removed."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")
