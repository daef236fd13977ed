"""App config of :mod:`xuefen.credits`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    """Public notice, sign-off, submission and certification of a school's period."""

    name = "xuefen.credits"
    label = "credits"
    verbose_name = _("Credit certification")
