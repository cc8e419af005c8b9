"""Shared fixtures: isolated database paths, CLI runners, small practices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Paths, paths

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
BASE = DATA / "base"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test touches data/ in the checkout: every default path points into tmp."""
    monkeypatch.setenv("MOMENTUM_DB", str(tmp_path / "env" / "momentum.duckdb"))
    monkeypatch.delenv("MOMENTUM_APP_DB", raising=False)
    monkeypatch.delenv("MOMENTUM_SECRETS", raising=False)
    monkeypatch.setenv("MOMENTUM_LOCK_WAIT_S", "30")


@pytest.fixture
def db(tmp_path) -> Paths:
    return paths(tmp_path / "db" / "momentum.duckdb")


def query(p: Paths, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(p.data_db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 300, stdin: str | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=REPO,
        env=full_env,
        timeout=timeout,
    )


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path
