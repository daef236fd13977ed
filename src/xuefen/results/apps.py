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
        from .notices import on_notice_published

        business_change.connect(on_business_change, dispatch_uid="results.on_business_change")
        # A published notice's lines are frozen from the stored results (same transaction).
        business_change.connect(on_notice_published, dispatch_uid="results.on_notice_published")
