"""App config of :mod:`xuefen.imports`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Imports of rosters and records."""

    name = "xuefen.imports"
    label = "imports"
    verbose_name = _("Imports")
