"""Settings for ``scripts/run.sh``: the demo served as a deployment would serve it.

Production-like (debug off, the Chinese error pages, static files through WhiteNoise with
hashed names, a real secret) but on plain HTTP at localhost. The secret key is generated
on first use and kept in ``$XUEFEN_VAR_DIR/secret_key`` (never committed).
"""

import secrets

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, VAR_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)


def _kept_secret_key() -> str:
    """The key in var/secret_key, made (readable by the owner only) when missing."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = SECRET_KEY or _kept_secret_key()
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]

# collectstatic (run.sh) writes hashed, compressed copies that can be cached for ever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
