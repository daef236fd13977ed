"""The real worker: ``manage.py db_worker --batch`` (run every queued task, then exit) in a
child process, on a SQLite file, with scripts/run.sh's settings. A record change queued
the recomputation when it committed, a county administrator queued a job; the worker
brings the teacher up to date and runs the job to the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, env=environ, cwd=ROOT, timeout=300, check=False
    )


def test_the_worker_recomputes_stale_teachers_and_runs_jobs(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite stage (it uses its own SQLite file)")
    environ = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_LEVEL"}
    }
    environ.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        DJANGO_SETTINGS_MODULE="tests.jobs.worker_settings",
        XUEFEN_VAR_DIR=str(tmp_path),
    )
    world = _run([sys.executable, "-m", "tests.jobs.worker_world", "setup"], environ)
    assert world.returncode == 0, world.stderr[-3000:]
    before = json.loads(world.stdout.strip().splitlines()[-1])
    assert before["stale"] == ["teacher_a", "teacher_c"]
    assert before["queued"] == [
        "xuefen.jobs.tasks.run_job_task",
        "xuefen.results.tasks.recompute_stale_task",
    ]

    worker = _run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"], environ
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert "No more tasks to run" in worker.stdout + worker.stderr

    check = _run([sys.executable, "-m", "tests.jobs.worker_world", "check", before["job"]], environ)
    assert check.returncode == 0, check.stderr[-3000:]
    after = json.loads(check.stdout.strip().splitlines()[-1])
    assert after["stale"] == []
    assert after["job"] == ["done", 1, 1, "已重新计算 1 名教师。", ""]
    assert after["tasks"] == [
        ["xuefen.jobs.tasks.run_job_task", "SUCCESSFUL"],
        ["xuefen.results.tasks.recompute_stale_task", "SUCCESSFUL"],
    ]
