"""App config of :mod:`xuefen.portal`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Pages for teachers, schools and regions."""

    name = "xuefen.portal"
    label = "portal"
    verbose_name = _("Pages")
