"""App config of :mod:`xuefen.inbox`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """Notifications."""

    name = "xuefen.inbox"
    label = "inbox"
    verbose_name = _("Notifications")
