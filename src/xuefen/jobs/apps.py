"""App config of :mod:`xuefen.jobs`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs with progress."""

    name = "xuefen.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
