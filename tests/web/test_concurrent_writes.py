"""Parallel writers through the services: none answers "database is locked", none loses
another's change, on a SQLite file (the embedded default) and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import build_people
from tests.web.concurrent_writers import hammer

ROOT = Path(__file__).resolve().parents[2]


def _check(outcome: dict) -> None:
    assert outcome["errors"] == [], "\n".join(outcome["errors"])
    assert outcome["lost_updates"] == []
    assert outcome["created"] == outcome["expected_created"]


def test_parallel_writers_on_a_sqlite_file(tmp_path):
    """Real SQLite locking needs a file and separate connections: a child process migrates
    a fresh file and runs the writers in threads (the settings are those of base.py)."""
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite stage (it never touches the suite's database)")
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'parallel.sqlite3'}",
        DJANGO_SETTINGS_MODULE="xuefen.web.settings.test",
        XUEFEN_VAR_DIR=str(tmp_path),
        LOG_LEVEL="ERROR",
    )
    out = subprocess.run(
        [sys.executable, "-m", "tests.web.concurrent_writers"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    outcome = json.loads(out.stdout.strip().splitlines()[-1])
    assert outcome["vendor"] == "sqlite"
    _check(outcome)


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_on_the_test_database():
    """The same writers against the suite's database: on PostgreSQL (scripts/test.sh's
    second stage) real concurrent transactions with row locks."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database: see test_parallel_writers_on_a_sqlite_file")
    _check(hammer(build_people()))
