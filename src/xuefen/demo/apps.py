"""App config of :mod:`xuefen.demo`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The ``seed_demo`` command and the demo world it builds."""

    name = "xuefen.demo"
    label = "demo"
    verbose_name = _("Demo data")
