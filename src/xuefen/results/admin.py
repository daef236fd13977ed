"""Admin of stored results: read-only (results are derived, never edited by hand)."""

from django.contrib import admin

from xuefen.org.admin_base import ReadOnlyAdmin

from .models import SchoolPeriod, TeacherPeriod, TeacherResult, TeacherState


@admin.register(TeacherState)
class TeacherStateAdmin(ReadOnlyAdmin):
    """Whether each teacher's stored results are up to date."""

    list_display = ("teacher", "stale", "version", "computed_version", "as_of", "computed_at")
    list_filter = ("stale",)
    search_fields = ("teacher__name",)
    list_select_related = ("teacher",)


@admin.register(TeacherResult)
class TeacherResultAdmin(ReadOnlyAdmin):
    """The engine's output per teacher and policy binding."""

    list_display = ("teacher", "binding", "as_of", "computed_at")
    search_fields = ("teacher__name",)
    list_select_related = ("teacher", "binding__node")
    fields = ("teacher", "binding", "as_of", "error", "result", "pending", "computed_at")
    readonly_fields = fields


@admin.register(TeacherPeriod)
class TeacherPeriodAdmin(ReadOnlyAdmin):
    """Each teacher's figures per period."""

    list_display = ("teacher", "label", "period_type", "compliant", "total_hours", "total_credits")
    list_filter = ("period_type", "compliant")
    search_fields = ("teacher__name",)
    list_select_related = ("teacher",)


@admin.register(SchoolPeriod)
class SchoolPeriodAdmin(ReadOnlyAdmin):
    """Each school's counts per period."""

    list_display = ("school", "label", "period_type", "teachers", "compliant", "updated_at")
    list_filter = ("period_type",)
    search_fields = ("school__name",)
    list_select_related = ("school",)
