"""Settings: production fails fast and passes ``check --deploy``; DATABASE_URL is read."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        check=False,
    )


PROD = "xuefen.web.settings.prod"


def test_check_deploy_is_clean_with_production_settings():
    out = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE=PROD,
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="xuefen.example.org",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert out.returncode == 0, out.stderr
    assert "no issues" in out.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "xuefen.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "x.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(60)}, "ALLOWED_HOSTS"),
        (
            {
                "SECRET_KEY": secrets.token_urlsafe(60),
                "ALLOWED_HOSTS": "x.org",
                "DJANGO_DEBUG": "1",
            },
            "DJANGO_DEBUG",
        ),
        ({"SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
    ],
)
def test_production_fails_fast(env, message):
    out = _manage("check", DJANGO_SETTINGS_MODULE=PROD, DATABASE_URL="sqlite:///:memory:", **env)
    assert out.returncode != 0
    assert message in out.stderr


def test_database_url_selects_postgresql(monkeypatch):
    import dj_database_url

    config = dj_database_url.parse("postgres://xuefen:pw@db.internal:5432/xuefen")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "xuefen" and config["HOST"] == "db.internal"


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_I18N and settings.USE_TZ
