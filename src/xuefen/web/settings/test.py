"""Settings for the test suite: fast hashing, in-memory mail, media in a temp folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
SECRET_KEY = "test-only-not-secret-xuefen"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# The default hasher is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="xuefen-test-media-"))
XUEFEN_EXPORT_DIR = MEDIA_ROOT.parent / (MEDIA_ROOT.name + "-exports")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # pytest-django runs SQLite tests in memory; the file name only matters outside tests.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Logins through pages are throttled as in production; Client.login() (no request) passes.
AUTHENTICATION_BACKENDS = [
    "xuefen.logins.backends.TestClientAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# WhiteNoise serves from the apps' static folders (no collectstatic before the tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run in the test process as soon as they are enqueued (on commit).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
