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
