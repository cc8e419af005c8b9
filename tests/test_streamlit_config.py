"""The Streamlit settings docs/security.md promises (design §7)."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO


def test_security_settings():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["global"]["developmentMode"] is False
    assert config["client"]["disableDataExport"] is True  # no unaudited CSV from a table's toolbar


def test_the_settings_in_force_when_the_app_starts():
    """What Streamlit itself resolves from the repo's config, the user's config and
    STREAMLIT_* variables - as `make run` starts it - not just what the file says."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json\n"
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "keys = ['server.enableXsrfProtection', 'server.enableCORS', 'client.showErrorDetails',\n"
        "        'browser.gatherUsageStats', 'global.developmentMode', 'server.runOnSave',\n"
        "        'client.toolbarMode', 'server.fileWatcherType', 'client.disableDataExport',\n"
        "        'runner.postScriptGC']\n"
        "print(json.dumps({k: config.get_option(k) for k in keys}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                         check=True)
    in_force = json.loads(out.stdout.strip().splitlines()[-1])
    assert in_force == {
        "server.enableXsrfProtection": True,
        "server.enableCORS": True,
        "client.showErrorDetails": "none",
        "browser.gatherUsageStats": False,
        "global.developmentMode": False,
        "server.runOnSave": False,
        "client.toolbarMode": "minimal",
        "server.fileWatcherType": "none",
        "client.disableDataExport": True,
        "runner.postScriptGC": False,  # no full collection after every run (docs/performance.md)
    }


def test_the_app_refuses_to_run_with_a_weakened_setting(monkeypatch, tmp_path):
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MOMENTUM_DB", str(tmp_path / "m.duckdb"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    original = config.get_option("server.enableXsrfProtection")
    config.set_option("server.enableXsrfProtection", False)
    try:
        at.run()
    finally:
        config.set_option("server.enableXsrfProtection", original)
    assert not at.exception
    assert any("weakened Streamlit security settings" in e.value and "enableXsrfProtection" in e.value
               for e in at.error)
    assert len(at.text_input) == 0  # no sign-in form
