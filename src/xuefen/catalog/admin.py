"""Admin of institutions and projects; approval is an admin action calling the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xuefen.org.admin_base import ScopedAdmin

from . import services
from .models import Institution, Project


@admin.register(Institution)
class InstitutionAdmin(ScopedAdmin):
    """Training institutions and studios."""

    list_display = ("name", "node", "approved", "approved_by", "approved_at")
    list_filter = ("approved",)
    search_fields = ("name", "code")
    list_select_related = ("node", "approved_by")
    autocomplete_fields = ("node",)
    fields = ("name", "code", "node", "contact")
    readonly_fields = ("approved", "approved_by", "approved_at")
    actions = ("approve", "revoke")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("node",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Institution, form: Any, change: bool) -> None:
        if change:
            changes = {
                f: form.cleaned_data[f]
                for f in form.changed_data
                if f in ("name", "code", "contact")
            }
            services.institution_update(
                actor=request.user, institution=self.original(obj), **changes
            )
            return
        saved = services.institution_create(
            actor=request.user, node=obj.node, name=obj.name, code=obj.code, contact=obj.contact
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Approve the selected institutions"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_action(
            request,
            queryset,
            lambda inst: services.institution_approve(actor=request.user, institution=inst),
        )

    @admin.action(description=_("Withdraw approval of the selected institutions"))
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = str(_("Withdrawn in the admin"))
        self.run_action(
            request,
            queryset,
            lambda inst: services.institution_revoke(
                actor=request.user, institution=inst, reason=reason
            ),
        )


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    """Training projects of the catalog."""

    list_display = (
        "name",
        "level",
        "mode",
        "module",
        "hours",
        "days",
        "credit_per_hour",
        "selection",
        "publisher",
        "institution",
        "approval_status",
    )
    list_filter = ("approval_status", "level", "mode", "module", "selection")
    search_fields = ("name", "code")
    list_select_related = ("publisher", "institution")
    autocomplete_fields = ("publisher", "institution")
    date_hierarchy = "created_at"
    fields = (
        "name",
        "code",
        "publisher",
        "institution",
        "level",
        "mode",
        "module",
        "hours",
        "days",
        "credit_per_hour",
        "selection",
        "enrol_from",
        "enrol_to",
        "description",
    )
    actions = ("approve", "reject")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("publisher",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if change:
            changes = {
                f: form.cleaned_data[f] for f in form.changed_data if f in services.PROJECT_EDITABLE
            }
            services.project_update(actor=request.user, project=self.original(obj), **changes)
            return
        saved = services.project_create(
            actor=request.user,
            publisher=obj.publisher,
            name=obj.name,
            code=obj.code,
            level=obj.level,
            mode=obj.mode,
            module=obj.module,
            hours=obj.hours,
            days=obj.days,
            credit_per_hour=obj.credit_per_hour,
            selection=obj.selection,
            institution=obj.institution,
            enrol_from=obj.enrol_from,
            enrol_to=obj.enrol_to,
            description=obj.description,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Approve the selected projects"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_action(
            request,
            queryset,
            lambda project: services.project_approve(actor=request.user, project=project),
        )

    @admin.action(description=_("Reject the selected projects"))
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = str(_("Rejected in the admin"))
        self.run_action(
            request,
            queryset,
            lambda project: services.project_reject(
                actor=request.user, project=project, reason=reason
            ),
        )
