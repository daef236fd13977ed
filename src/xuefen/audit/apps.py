"""App config of :mod:`xuefen.audit`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Audit log."""

    name = "xuefen.audit"
    label = "audit"
    verbose_name = _("Audit log")
