"""Admin of jobs: read-only (a job is written by its service and its worker); and the
task queue's own rows, for superusers only, under the site's admin rules."""

from django.contrib import admin
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from xuefen.org.admin_base import ReadOnlyAdmin, StrictLookupsMixin

from .models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Every background job within the user's reach."""

    list_display = ("created_at", "kind", "node", "started_by", "status", "done", "total")
    list_filter = ("status", "kind")
    date_hierarchy = "created_at"
    list_select_related = ("node", "started_by")
    fields = (
        "id",
        "kind",
        "node",
        "started_by",
        "params",
        "status",
        "done",
        "total",
        "message",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "updated_at",
        "task_id",
    )
    readonly_fields = fields


# django-tasks-db's own admin lets the query string filter on any field; the queue's rows
# (arguments, tracebacks) are not scoped to an organisation, so superusers only.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(StrictLookupsMixin, DBTaskResultAdmin):
    """The task queue as the worker sees it, with each failure's traceback."""

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser
