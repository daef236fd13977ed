"""Admin of the organisation tree, teachers, roles and policy bindings (for the training
office's staff; every write goes through :mod:`xuefen.org.services`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_base import ScopedAdmin
from .models import OrgNode, PolicyBinding, RoleAssignment, Teacher

NODE_EDITABLE = ("name", "code", "school_kind")


@admin.register(OrgNode)
class OrgNodeAdmin(ScopedAdmin):
    """Organisations, listed in tree order."""

    list_display = ("indented_name", "kind", "school_kind", "code")
    list_filter = ("kind", "school_kind")
    search_fields = ("name", "code")
    fields = ("parent", "kind", "name", "code", "school_kind")
    autocomplete_fields = ("parent",)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgNode) -> str:
        return "　" * obj.depth + obj.name

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Moving a node would rewrite every path beneath it; that is not offered.
        return ("parent", "kind") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: OrgNode, form: Any, change: bool) -> None:
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in NODE_EDITABLE}
            saved = services.node_update(actor=request.user, node=self.original(obj), **changes)
        else:
            saved = services.node_create(
                actor=request.user,
                parent=obj.parent,
                kind=obj.kind,
                name=obj.name,
                code=obj.code,
                school_kind=obj.school_kind,
            )
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # organisations are renamed or closed, never deleted


@admin.register(Teacher)
class TeacherAdmin(ScopedAdmin):
    """The roster; ID numbers are masked in the list and for viewers who may not see them."""

    list_display = (
        "name",
        "school",
        "masked_id_number",
        "sex",
        "stage",
        "subject",
        "title",
        "head_teacher",
        "first_year",
        "active",
    )
    list_filter = ("active", "head_teacher", "first_year", "stage", "sex")
    search_fields = ("name", "phone", "subject")
    list_select_related = ("school",)
    autocomplete_fields = ("school", "group", "user")
    fields = (
        "school",
        "group",
        "user",
        "name",
        "sex",
        "id_number",
        "phone",
        "stage",
        "subject",
        "title",
        "head_teacher",
        "hire_date",
        "first_year",
        "active",
    )

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Teacher) -> str:
        return obj.id_number_masked

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and not services.can_see_id_number(request.user, obj):
            return tuple("masked_id_number" if f == "id_number" else f for f in self.fields)
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        readonly: tuple[str, ...] = ("user",) if obj is not None else ()
        if obj is not None and not services.can_see_id_number(request.user, obj):
            readonly += ("masked_id_number",)
        return readonly

    def save_model(self, request: HttpRequest, obj: Teacher, form: Any, change: bool) -> None:
        if change:
            allowed = set(services.TEACHER_FIELDS) - {"user"}
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in allowed}
            services.teacher_update(actor=request.user, teacher=self.original(obj), **changes)
            return
        saved = services.teacher_create(
            actor=request.user,
            school=obj.school,
            group=obj.group,
            user=obj.user,
            name=obj.name,
            sex=obj.sex,
            id_number=obj.id_number,
            phone=obj.phone,
            stage=obj.stage,
            subject=obj.subject,
            title=obj.title,
            head_teacher=obj.head_teacher,
            hire_date=obj.hire_date,
            first_year=obj.first_year,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # teachers who leave are made inactive; their records stay


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    """Who holds which role where. Granting and revoking are audited."""

    list_display = ("user", "role", "node", "institution", "granted_by", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "node__name")
    list_select_related = ("user", "node", "institution", "granted_by")
    autocomplete_fields = ("user", "node", "institution")
    fields = ("user", "node", "role", "institution")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A role is granted or revoked, never edited into another one.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_delete_permission(request, obj)
        return super(ScopedAdmin, self).has_delete_permission(request, obj) and (
            services._may_grant(request.user, obj.node, obj.role)
        )

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        saved = services.role_grant(
            actor=request.user,
            user=obj.user,
            node=obj.node,
            role=obj.role,
            institution=obj.institution,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.role_revoke(actor=request.user, assignment=obj)


@admin.register(PolicyBinding)
class PolicyBindingAdmin(ScopedAdmin):
    """Which policy is in force where and when. A binding is replaced from a date by adding
    a new one; it is never edited, so past results stay as they were."""

    list_display = ("node", "policy_label", "valid_from", "valid_to", "created_by", "created_at")
    list_filter = ("policy_id",)
    search_fields = ("node__name", "policy_id", "policy_name", "source_name")
    list_select_related = ("node", "created_by")
    autocomplete_fields = ("node",)
    fields = ("node", "policy_id", "policy_text", "source_name", "valid_from")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PolicyBinding, form: Any, change: bool) -> None:
        saved = services.policy_bind(
            actor=request.user,
            node=obj.node,
            valid_from=obj.valid_from,
            policy_id=obj.policy_id,
            policy_text=obj.policy_text,
            source_name=obj.source_name,
        )
        obj.pk = saved.pk
