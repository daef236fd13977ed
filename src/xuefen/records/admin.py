"""Admin of records: list and filter, enter and edit through the services, and move
records along the workflow with admin actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xuefen.org.admin_base import ScopedAdmin

from . import services
from .models import Evidence, Record


class EvidenceInline(admin.TabularInline):
    """Evidence files of a record (added through the pages or the API)."""

    model = Evidence
    extra = 0
    fields = ("name", "file", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Record)
class RecordAdmin(ScopedAdmin):
    """Every record of every kind."""

    list_display = ("__str__", "teacher", "school", "kind", "level", "status", "source")
    list_filter = ("status", "kind", "level", "source")
    search_fields = ("teacher__name", "project__name")
    list_select_related = ("teacher__school", "project")
    autocomplete_fields = ("teacher", "project")
    date_hierarchy = "date"
    fields = ("teacher", "kind", "date", "level", "project", "fields", "source", "status")
    inlines = (EvidenceInline,)
    actions = ("submit", "approve", "certify")

    @admin.display(description=_("school"), ordering="teacher__school__path")
    def school(self, obj: Record) -> str:
        return obj.teacher.school.name

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("teacher", "kind", "source", "status") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Record, form: Any, change: bool) -> None:
        if change:
            changes = {
                f: form.cleaned_data[f]
                for f in form.changed_data
                if f in ("date", "level", "fields", "project")
            }
            services.record_update(actor=request.user, record=self.original(obj), **changes)
            return
        saved = services.record_create(
            actor=request.user,
            teacher=obj.teacher,
            kind=obj.kind,
            date=obj.date,
            level=obj.level,
            fields=obj.fields,
            project=obj.project,
            source=obj.source,
            status=obj.status,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Record) -> None:
        services.record_delete(actor=request.user, record=obj)

    @admin.action(description=_("Submit the selected records"))
    def submit(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_action(
            request, queryset, lambda r: services.record_submit(actor=request.user, record=r)
        )

    @admin.action(description=_("Approve the selected records (school review)"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_action(
            request, queryset, lambda r: services.record_approve(actor=request.user, record=r)
        )

    @admin.action(description=_("Certify the selected records"))
    def certify(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_action(
            request, queryset, lambda r: services.record_certify(actor=request.user, record=r)
        )
