"""App config of :mod:`xuefen.activities`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    """School-based training: plans, activities, sign-in, attendance."""

    name = "xuefen.activities"
    label = "activities"
    verbose_name = _("School-based training")
