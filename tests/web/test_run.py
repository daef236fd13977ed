"""The README's run command serves the demo as a deployment would: gunicorn, debug off,
the Chinese error pages, static files with hashed names through WhiteNoise, a secret key
kept in var/, the background worker beside the web server, and nothing left running once
it stops. And the 400/500 pages need no request or context."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.views import defaults

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def served(tmp_path):
    """``bash scripts/run.sh`` on a free port with a small demo in a temporary var/."""
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite stage (it uses its own SQLite file)")
    port = _free_port()
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environ.update(
        XUEFEN_VAR_DIR=str(tmp_path),
        XUEFEN_BIND=f"127.0.0.1:{port}",
        XUEFEN_DEMO_ARGS="--schools 2 --teachers 6",
        XUEFEN_COMPILEMESSAGES="0",
    )
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                pytest.fail("run.sh stopped:\n" + (tmp_path / "run.log").read_text()[-3000:])
            try:
                _get(f"{base}/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("run.sh did not answer:\n" + (tmp_path / "run.log").read_text())
                time.sleep(0.5)
        yield base, tmp_path
        # Stopping run.sh alone (as Ctrl-C or a service manager would) stops everything it
        # started: the web server and the worker leave no process behind.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _group_alive(process.pid):
            if time.monotonic() > deadline:
                pytest.fail("run.sh left processes behind:\n" + _group_listing(process.pid))
            time.sleep(0.2)
    finally:
        if process.poll() is None or _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _group_listing(pgid: int) -> str:
    return subprocess.run(
        ["ps", "-o", "pid,cmd", "-g", str(pgid)], capture_output=True, text=True, check=False
    ).stdout


def test_run_command_serves_like_a_deployment(served):
    base, var = served
    status, headers, body = _get(f"{base}/no-such-page/")
    assert status == 404
    assert headers["Server"].startswith("gunicorn")
    assert "未找到" in body and "返回" in body
    # Not Django's debug page listing every URL.
    assert "URLconf" not in body and "DEBUG" not in body and "admin/" not in body

    status, headers, body = _get(f"{base}/login/")
    assert status == 200 and "登录" in body
    css = body.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/xuefen/site.") and css != "/static/xuefen/site.css"
    status, headers, _css = _get(base + css)  # hashed name, served by WhiteNoise
    assert status == 200 and "immutable" in headers["Cache-Control"]

    key = var / "secret_key"
    assert len(key.read_text().strip()) >= 50
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    log = (var / "run.log").read_text()
    assert "t0001" in log and "xuefen-demo" in log  # the demo logins are printed

    # The worker runs beside the web server: seeding queued a recomputation, and it ran.
    deadline = time.monotonic() + 60
    done = "xuefen.results.tasks.recompute_stale_task state=SUCCESSFUL"
    while done not in (var / "run.log").read_text():
        assert time.monotonic() < deadline, (var / "run.log").read_text()[-3000:]
        time.sleep(0.5)
    assert "Starting worker" in (var / "run.log").read_text()


def test_500_and_400_pages_need_no_request(rf: RequestFactory):
    response = defaults.server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "出错了" in body and "Server Error" not in body
    response = defaults.bad_request(rf.get("/"), exception=ValueError("x"))
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
