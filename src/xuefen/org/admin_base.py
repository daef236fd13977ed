"""The admin's common base: rows through ``restrict``, writes through the services.

Non-superusers see in the admin exactly what :mod:`xuefen.org.scoping` lets them see;
saving and deleting call the app's service functions, so the admin writes the same audit
rows and checks the same rules as the pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from .scoping import can


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose queryset and object permissions go through ``restrict``."""

    # Bulk deletion would bypass the services (and the audit log).
    actions_on_bottom = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        """Only the rows the user may view."""
        return super().get_queryset(request).restrict(request.user, "view")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """No bulk delete: every deletion goes through a service."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Model permission, and the object within the user's change scope."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can(request.user, "change", obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Model permission, and the object within the user's delete scope."""
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can(request.user, "delete", obj))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show a service's refusal (a business rule the form cannot know) as a message
        instead of a server error; the transaction has been rolled back."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def original(self, obj: models.Model) -> models.Model:
        """The saved version of an object the admin form has already modified."""
        return type(obj).objects.get(pk=obj.pk)

    def run_action(self, request: HttpRequest, queryset: models.QuerySet, action: Any) -> None:
        """Run a service on each selected row, reporting failures row by row."""
        done = 0
        for obj in queryset:
            try:
                action(obj)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                detail = "; ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{obj}: {detail}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d done.") % {"count": done}, messages.SUCCESS)


class ReadOnlyAdmin(ScopedAdmin):
    """For derived or historical rows (audit, cached results): look, never touch."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
