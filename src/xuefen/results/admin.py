"""Admin of cached results: read-only (results are derived, never edited by hand)."""

from django.contrib import admin

from xuefen.org.admin_base import ReadOnlyAdmin

from .models import TeacherResult


@admin.register(TeacherResult)
class TeacherResultAdmin(ReadOnlyAdmin):
    """The engine's cached output per teacher and policy binding."""

    list_display = ("teacher", "binding", "as_of", "compliant", "computed_at")
    list_filter = ("compliant",)
    search_fields = ("teacher__name",)
    list_select_related = ("teacher", "binding__node")
    fields = ("teacher", "binding", "as_of", "compliant", "error", "result", "computed_at")
    readonly_fields = fields
