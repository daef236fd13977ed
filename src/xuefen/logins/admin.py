"""Admin of login locks: axes' failed-attempt rows, read-only; the lock is lifted only by
the audited actions here (axes' own admin is switched off: ``AXES_ENABLE_ADMIN = False``,
since its deletions would lift locks without a trace)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xuefen.org.admin_base import StrictLookupsMixin

from . import services


@admin.register(AccessAttempt)
class LoginLockAdmin(StrictLookupsMixin, admin.ModelAdmin):
    """Failed logins per account and address; select rows to lift their lock."""

    list_display = ("attempt_time", "username", "ip_address", "failures_since_start", "path_info")
    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    fields = (
        "username",
        "ip_address",
        "failures_since_start",
        "attempt_time",
        "path_info",
        "user_agent",
    )
    readonly_fields = fields
    actions = ("unlock_accounts", "unlock_addresses")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """Superusers see every row, region administrators those of their people."""
        return services.unlockable_attempts(request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """No bulk delete (it would lift locks unaudited); addresses are superusers'."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.is_superuser:
            actions.pop("unlock_addresses", None)
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _unlock(self, request: HttpRequest, keys: list[dict[str, str]]) -> None:
        reason = str(_("Lifted in the admin"))
        done = 0
        for key in keys:
            try:
                services.login_unlock(actor=request.user, reason=reason, **key)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                detail = "; ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{next(iter(key.values()))}: {detail}", messages.ERROR)
        if done:
            self.message_user(
                request, _("%(count)d login locks lifted.") % {"count": done}, messages.SUCCESS
            )

    @admin.action(description=gettext_lazy("Lift the login lock of the selected accounts"))
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        names = sorted({a.username for a in queryset if a.username})
        self._unlock(request, [{"username": name} for name in names])

    @admin.action(description=gettext_lazy("Lift the login lock of the selected addresses"))
    def unlock_addresses(self, request: HttpRequest, queryset: QuerySet) -> None:
        addresses = sorted({a.ip_address for a in queryset if a.ip_address})
        self._unlock(request, [{"ip_address": address} for address in addresses])
