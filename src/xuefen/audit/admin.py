"""Admin of the audit log: read-only, scoped like everything else."""

from django.contrib import admin

from xuefen.org.admin_base import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Who did what, when and why."""

    list_display = ("created_at", "actor", "event", "target_repr", "node", "reason")
    list_filter = ("event", "target_type")
    search_fields = ("target_repr", "reason", "actor__username")
    list_select_related = ("actor", "node", "target_type")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "actor",
        "event",
        "target_type",
        "target_id",
        "target_repr",
        "node",
        "old_values",
        "new_values",
        "reason",
    )
    readonly_fields = fields
