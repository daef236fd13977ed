"""Settings of tests/jobs/test_worker.py's child processes: scripts/run.sh's own
(``xuefen.web.settings.local``: the queue in the database) with fast password hashing."""

from xuefen.web.settings.local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
