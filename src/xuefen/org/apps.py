"""App config of :mod:`xuefen.org`."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """Organisation tree, people and roles."""

    name = "xuefen.org"
    label = "org"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the login receiver)
