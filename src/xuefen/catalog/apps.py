"""App config of :mod:`xuefen.catalog`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Training institutions and projects."""

    name = "xuefen.catalog"
    label = "catalog"
    verbose_name = _("Training catalog")
