"""App config of :mod:`xuefen.review`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """The school's review queue."""

    name = "xuefen.review"
    label = "review"
    verbose_name = _("Review")
