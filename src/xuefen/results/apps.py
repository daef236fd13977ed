"""App config of :mod:`xuefen.results`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    """Computed results."""

    name = "xuefen.results"
    label = "results"
    verbose_name = _("Results")
