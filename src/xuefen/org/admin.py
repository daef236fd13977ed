"""Admin of the organisation tree, teachers, roles and policy bindings (for the training
office's staff; every write goes through :mod:`xuefen.org.services`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import accounts, services
from .admin_base import SafeFormFieldsMixin, ScopedAdmin, StrictLookupsMixin
from .models import OrgNode, PolicyBinding, RoleAssignment, Teacher
from .scoping import STAFF_ROLES, user_grants
from .validators import normalize_id_number, validate_id_number

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


def id_number_visible_q(user: Any) -> Q:
    """Teachers whose full ID number ``user`` may see (as ``services.can_see_id_number``):
    everyone for a superuser, else their own profile and the teachers under their staff
    roles."""
    if user.is_superuser:
        return Q()
    condition = Q(user_id=user.pk)
    for grant in user_grants(user):
        if grant.role in STAFF_ROLES:
            condition |= Q(school__path__startswith=grant.path)
    return condition


class TeacherAdminForm(forms.ModelForm):
    """A duplicate ID number names the teacher only to whom may see that teacher; for a
    number registered outside the user's scope the message names no one."""

    request_user: Any = None  # set per request by TeacherAdmin.get_form

    class Meta:
        model = Teacher
        fields = "__all__"

    def _get_validation_exclusions(self) -> set[str]:
        # The model's unique check would say "already exists" for any school in the country.
        return {*super()._get_validation_exclusions(), "id_number"}

    def clean_id_number(self) -> str:
        number = normalize_id_number(self.cleaned_data.get("id_number", ""))
        try:
            validate_id_number(number)
        except ValidationError:
            return number  # the field's own validators report it
        clash = Teacher.objects.filter(id_number=number).exclude(pk=self.instance.pk).first()
        if clash is None:
            return number
        user = self.request_user
        if user is not None and Teacher.objects.restrict(user, "view").filter(pk=clash.pk):
            raise ValidationError(
                gettext("This ID number is already registered for %(name)s (%(school)s).")
                % {"name": clash.name, "school": clash.school.name},
                code="unique",
            )
        # Outside the user's scope: the model's message, which names no one and no place.
        raise ValidationError(
            Teacher._meta.get_field("id_number").error_messages["unique"], code="unique"
        )


@admin.register(Teacher)
class TeacherAdmin(ScopedAdmin):
    """The roster; ID numbers are masked in the list and for viewers who may not see them.

    ID numbers are never a filter; they are searched only by the whole number, and only
    among the teachers whose number the user may see in full.
    """

    form = TeacherAdminForm

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

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user  # a class made for this request
        return form

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Name, phone and subject as usual; a whole ID number also finds its teacher, but
        only among those whose number the user may see (never a prefix: see the module
        docstring of admin_base)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = normalize_id_number(search_term)
        if len(number) == 18:
            visible = id_number_visible_q(request.user)
            results = results | queryset.filter(visible, id_number=number)
        return results, may_have_duplicates

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


# -- accounts --------------------------------------------------------------------------

User = get_user_model()


class AccountAddForm(AdminUserCreationForm):
    """A new account: its unit (which administrators will find it), names, password."""

    request_user: Any = None  # set per request by AccountAdmin.get_form

    home = forms.ModelChoiceField(
        queryset=OrgNode.objects.none(),
        required=False,
        label=_("unit"),
        help_text=_("The school or region the account is for; its administrators find it."),
    )

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.request_user
        nodes = OrgNode.objects.none()
        if user is not None and user.is_superuser:
            nodes = OrgNode.objects.all()
        elif user is not None:
            paths = accounts.account_paths(user)
            reach = Q(pk__in=[])
            for path in paths:
                reach |= Q(path__startswith=path)
            nodes = OrgNode.objects.filter(reach)
            self.fields["home"].required = True
        self.fields["home"].queryset = nodes


class AdminPasswordResetForm(forms.Form):
    """Reset an account's password: a generated temporary one, or one typed here."""

    reason = forms.CharField(
        label=_("reason"),
        max_length=200,
        help_text=_("E.g. the teacher forgot the password and asked in person."),
    )
    password1 = forms.CharField(
        label=_("new password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate a temporary password."),
    )
    password2 = forms.CharField(
        label=_("new password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("password1", "") != cleaned.get("password2", ""):
            self.add_error("password2", gettext("The two passwords differ."))
        return cleaned


admin.site.unregister(User)  # django.contrib.auth's UserAdmin lists every account


@admin.register(User)
class AccountAdmin(StrictLookupsMixin, SafeFormFieldsMixin, UserAdmin):
    """Login accounts, scoped: administrators of a school or region see the accounts of
    their unit (see :mod:`xuefen.org.accounts`) and change them through its services."""

    add_form = AccountAddForm
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    actions = ("reset_passwords",)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "home",
                    "first_name",
                    "last_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Non-superusers: no superuser flag, no groups or permissions (those are the superuser's).
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description=_("name"))
    def full_name(self, obj: Any) -> str:
        return obj.get_full_name()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return accounts.users_visible(request.user, super().get_queryset(request))

    def get_list_filter(self, request: HttpRequest) -> tuple[str, ...]:
        if request.user.is_superuser:
            return (*self.list_filter, "groups")
        return ("is_active", "is_staff")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not request.user.is_superuser:
            return self.limited_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("last_login", "date_joined") if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user  # a class made for this request
        return form

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletions go one by one through the service
        return actions

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or accounts.may_manage(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and obj.pk != request.user.pk and accounts.may_manage(request.user, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            editable = accounts.USER_EDITABLE | (
                {"is_superuser"} if request.user.is_superuser else set()
            )
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in editable}
            if changes:
                current = User._default_manager.get(pk=obj.pk)
                accounts.user_update(actor=request.user, user=current, **changes)
            return
        data = form.cleaned_data
        usable = data.get("usable_password", "true") != "false"
        saved = accounts.user_create(
            actor=request.user,
            username=data["username"],
            password=data.get("password1") if usable else None,
            home=data.get("home"),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
        )
        obj.pk, obj.password = saved.pk, saved.password
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Groups and permissions are on the form for superusers only.
        if request.user.is_superuser:
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        accounts.user_delete(actor=request.user, user=obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """The password page of an account: an administrator resets it (audited, the user
        must change it at the next login) instead of Django's unaudited "set password"."""
        user = self.get_object(request, unquote(id))
        if user is None or not self.has_change_permission(request, user):
            raise Http404
        if user.pk == request.user.pk:
            raise Http404  # one's own password is changed on the password page
        form = AdminPasswordResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                password = accounts.password_reset_by_admin(
                    actor=request.user,
                    user=user,
                    reason=form.cleaned_data["reason"],
                    password=form.cleaned_data["password1"] or None,
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                errors = getattr(exc, "error_dict", {})
                form.add_error("password1" if "password" in errors else None, exc.messages)
            else:
                generated = not form.cleaned_data["password1"]
                return self._password_reset_done(request, [(user, password if generated else "")])
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reset the password of %(user)s") % {"user": user.get_username()},
            "form": form,
            "original": user,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/org/password_reset.html", context)

    def _password_reset_done(self, request: HttpRequest, done: list[tuple[Any, str]]) -> Any:
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Passwords reset"),
            "done": done,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/org/password_reset_done.html", context)

    @admin.action(description=_("Reset the passwords of the selected accounts (temporary)"))
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet) -> Any:
        """Give each selected account a temporary password, shown once on the next page."""
        reason = gettext("Reset in the admin")
        done: list[tuple[Any, str]] = []
        for user in queryset:
            try:
                password = accounts.password_reset_by_admin(
                    actor=request.user, user=user, reason=reason
                )
            except (PermissionDenied, ValidationError) as exc:
                detail = "; ".join(getattr(exc, "messages", [gettext("Not allowed.")]))
                self.message_user(request, f"{user}: {detail}", messages.ERROR)
            else:
                done.append((user, password))
        return self._password_reset_done(request, done) if done else None


admin.site.unregister(Group)


@admin.register(Group)
class SuperuserGroupAdmin(StrictLookupsMixin, GroupAdmin):
    """Groups carry admin permissions: superusers only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)
