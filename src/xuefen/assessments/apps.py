"""App config of :mod:`xuefen.assessments`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Assessment rounds, sheets and school results."""

    name = "xuefen.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # The inputs the platform fills (平阳's group activities from the activity board).
        from . import auto  # noqa: F401 - registers its auto inputs
