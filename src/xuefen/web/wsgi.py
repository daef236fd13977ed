"""WSGI entry point; production servers use ``xuefen.web.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuefen.web.settings.prod")
application = get_wsgi_application()
