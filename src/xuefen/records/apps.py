"""App config of :mod:`xuefen.records`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """Records and evidence."""

    name = "xuefen.records"
    label = "records"
    verbose_name = _("Training records")
