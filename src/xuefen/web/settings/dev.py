"""Settings for a developer's machine: debug on, a throwaway secret, localhost only."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
# A fixed development key is fine here: dev settings never serve real data.
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-xuefen"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
# WhiteNoise serves from the apps' static folders and sees edits (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
