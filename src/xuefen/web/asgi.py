"""ASGI entry point; production servers use ``xuefen.web.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuefen.web.settings.prod")
application = get_asgi_application()
