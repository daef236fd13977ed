"""App config of :mod:`xuefen.exports`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """Exports of the official forms."""

    name = "xuefen.exports"
    label = "exports"
    verbose_name = _("Exports")
