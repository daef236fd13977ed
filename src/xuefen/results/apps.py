"""App config of :mod:`xuefen.results`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    """Computed results."""

    name = "xuefen.results"
    label = "results"
    verbose_name = _("Results")

    def ready(self) -> None:
        """Listen to the business events: results follow the facts they derive from."""
        from xuefen.audit.signals import business_change

        from .events import on_business_change

        business_change.connect(on_business_change, dispatch_uid="results.on_business_change")
