"""App config of :mod:`xuefen.logins`."""

from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoginsConfig(AppConfig):
    """Login throttling and the login audit.

    A small app of its own rather than part of ``xuefen.audit``: the audit app only writes
    and shows the log, while this one knows django-axes (its handler, lock page, admin and
    the unlock service) and turns Django's and axes' login signals into audit entries.
    It has no models: the attempts are axes' ``AccessAttempt`` rows.
    """

    default = True  # this module also holds AxesConfig
    name = "xuefen.logins"
    label = "logins"
    verbose_name = _("Logins")

    def ready(self) -> None:
        """Connect the signal receivers that write logins and lock-outs to the audit log."""
        from . import receivers  # noqa: F401


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a Chinese name in the admin (its own config has none)."""

    default = False
    verbose_name = _("Login locks")
