"""The sign-in, the deep-link guard and the data page in a real headless Chromium.

Uses Debian's chromium through Playwright (`executable_path`); skips with a
reason only when no Chromium is installed. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from pipelines.demo import ensure_demo_database
from pipelines.settings import paths
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-demo")
    ensure_demo_database(paths(folder / "momentum.duckdb"))
    return folder


@pytest.fixture
def server(demo_template, tmp_path):
    """A fresh Streamlit server on its own copy of the demo database."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    port = _free_port()
    env = {**os.environ, "MOMENTUM_DB": str(folder / "momentum.duckdb"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page, username: str, password: str = "momentum-demo") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_deep_link_first_request_after_start_shows_no_data(server, chromium):
    page = chromium.new_page()
    page.goto(f"{server}/data_status")  # the very first request to this server
    page.wait_for_timeout(4000)  # let every script run that would run
    _shot(page, "deep_link_first_request")
    body = page.inner_text("body")
    assert "Load history" not in body and "Data status" not in body
    assert "sessions" not in body  # no row counts
    assert page.get_by_label("Username").count() <= 1
    page.close()


def test_sign_in_as_manager_shows_ledger_then_sign_out(server, chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_label("Username").wait_for(timeout=30000)
    _shot(page, "sign_in_form")
    _sign_in(page, "manager")
    page.get_by_text("Load history").wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    _shot(page, "manager_data_status")
    body = page.inner_text("body")
    assert "Data status" in body and "Demo data" in body
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for(timeout=30000)
    assert "Load history" not in page.inner_text("body")
    page.close()


def test_wrong_password_message_and_no_data(server, chromium):
    page = chromium.new_page()
    page.goto(server)
    page.get_by_label("Username").wait_for(timeout=30000)
    _sign_in(page, "manager", "wrong-password-123")
    page.get_by_text("Username or password is incorrect.").wait_for(timeout=30000)
    _shot(page, "wrong_password")
    assert "Data status" not in page.inner_text("body")
    page.close()


def test_clinician_deep_link_after_sign_in(server, chromium):
    page = chromium.new_page()
    page.goto(server)
    page.get_by_label("Username").wait_for(timeout=30000)
    _sign_in(page, "clinician")
    page.get_by_text("Data status").first.wait_for(timeout=30000)
    page.goto(f"{server}/data_status")
    page.wait_for_timeout(3000)
    _shot(page, "clinician_deep_link")
    # a new page load is a new Streamlit session: without a valid cookie it must sign in again,
    # and in no case does the manager-only ledger appear
    assert "Load history" not in page.inner_text("body")
    page.close()
