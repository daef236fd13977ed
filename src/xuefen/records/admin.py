"""Admin of records: list and filter, enter and edit through the services, and move
records along the workflow with admin actions.

Record kinds and fields are shown in Chinese with a form per kind, the same fields as the
declaring pages (:mod:`xuefen.records.kinds`): adding a record starts by picking its kind.
Only a kind the declaring pages do not offer (attendance, generated from sign-in) is edited
as the raw ``fields`` object, still checked by the engine.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xuefen.org.admin_base import ScopedAdmin

from . import services
from .bounds import validate_field_numbers, validate_record_date
from .forms import _form_field
from .kinds import PROJECT_FIELDS, KindSpec, kind_choices, kind_spec
from .models import Evidence, Record, kind_label

# Prefix of the per-kind form fields (``k_hours``): never clashes with a model field.
KIND_PREFIX = "k_"

logger = logging.getLogger(__name__)

# What else the engine or the database may raise on absurd input (a 5000-digit number,
# nesting a thousand levels deep): shown as a form error or message, never a server error.
_BAD_INPUT_ERRORS = (ValueError, TypeError, ArithmeticError, RecursionError)


class RecordFieldsField(forms.JSONField):
    """The ``fields`` JSON: a JSON object, or a form error (never a server error)."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except _BAD_INPUT_ERRORS:
            # Django catches only JSONDecodeError; int("9" * 5000) is a ValueError.
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except _BAD_INPUT_ERRORS:
            return InvalidJSONInput(data)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return super().has_changed(initial, data)
        except (ValidationError, *_BAD_INPUT_ERRORS):
            return True


class RecordAdminForm(forms.ModelForm):
    """Checks what the services would refuse, as form errors: the JSON, the date bounds,
    and the engine's verdict on the whole record."""

    class Meta:
        model = Record
        fields = "__all__"
        field_classes = {"fields": RecordFieldsField}

    def clean_fields(self) -> Any:
        value = self.cleaned_data.get("fields")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError(gettext("The fields must be a JSON object."), code="not_object")
        try:
            validate_field_numbers(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return value

    def clean_date(self) -> dt.date | None:
        day = self.cleaned_data.get("date")
        if day is not None:
            try:
                validate_record_date(day)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        instance = self.instance
        teacher = cleaned.get("teacher") or (instance.teacher if instance.teacher_id else None)
        kind = cleaned.get("kind") or instance.kind
        date = cleaned.get("date") or instance.date
        if teacher is None or not kind or date is None:
            return cleaned
        candidate = Record(
            teacher=teacher,
            kind=kind,
            date=date,
            level=cleaned.get("level", instance.level) or "",
            fields=cleaned.get("fields", instance.fields),
            project=cleaned.get("project", instance.project if instance.project_id else None),
        )
        try:
            services.record_validate(candidate)
        except ValidationError as exc:
            self._add_service_errors(exc)
        except _BAD_INPUT_ERRORS:
            logger.exception("record_validate failed on admin input")
            self.add_error(
                "fields" if "fields" in self.fields else None,
                gettext("These values cannot be processed; please check them."),
            )
        return cleaned

    def _add_service_errors(self, exc: ValidationError) -> None:
        """Put each error on its form field; engine field names (``hours``) go under
        ``fields``, prefixed with their name."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            texts = [m for e in errors for m in e.messages]
            if key in self.fields:
                self.add_error(key, texts)
            elif key != NON_FIELD_ERRORS and "fields" in self.fields:
                self.add_error("fields", [f"{key}: {t}" for t in texts])
            else:
                prefix = "" if key == NON_FIELD_ERRORS else f"{key}: "
                self.add_error(None, [prefix + t for t in texts])


class KindRecordForm(RecordAdminForm):
    """:class:`RecordAdminForm` with the kind's own fields instead of the JSON box: each
    field in Chinese, with its choices and bounds; ``clean`` assembles ``fields``."""

    spec: KindSpec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"] = forms.ChoiceField(
                label=_("kind"), choices=kind_choices(), initial=self.spec.kind, disabled=True
            )
        if self.instance.pk is not None:
            for spec in self.spec.fields:
                value = (self.instance.fields or {}).get(spec.name)
                if value is not None:
                    self.initial[KIND_PREFIX + spec.name] = value

    def assembled_fields(self) -> dict[str, Any]:
        """The engine's ``fields`` from the kind's form fields (empty ones left out, so a
        project's values apply)."""
        fields: dict[str, Any] = {}
        for spec in self.spec.fields:
            value = self.cleaned_data.get(KIND_PREFIX + spec.name)
            if value is None or value == "" or value is False:
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            fields[spec.name] = value
        return fields

    def clean(self) -> dict[str, Any]:
        self.cleaned_data["fields"] = self.assembled_fields()
        return super().clean()

    def _add_service_errors(self, exc: ValidationError) -> None:
        """An engine error about ``hours`` goes on the 学时 field."""
        if hasattr(exc, "error_dict"):
            for key, errors in list(exc.error_dict.items()):
                if KIND_PREFIX + str(key) in self.fields:
                    self.add_error(KIND_PREFIX + key, [m for e in errors for m in e.messages])
                    del exc.error_dict[key]
            if not exc.error_dict:
                return
        super()._add_service_errors(exc)


def kind_form(spec: KindSpec) -> type[KindRecordForm]:
    """The admin form of one kind."""
    attrs: dict[str, Any] = {"spec": spec}
    for field in spec.fields:
        required = field.required and not (spec.has_project and field.name in PROJECT_FIELDS)
        attrs[KIND_PREFIX + field.name] = _form_field(spec.kind, field, required=required)
    return type(f"{spec.kind.title().replace('_', '')}RecordForm", (KindRecordForm,), attrs)


def _spec_of(kind: str | None) -> KindSpec | None:
    try:
        return kind_spec(kind) if kind else None
    except KeyError:
        return None


class KindFilter(admin.SimpleListFilter):
    """Filter by kind, in Chinese."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return kind_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(kind=value) if value in dict(kind_choices()) else queryset


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

    form = RecordAdminForm
    list_display = ("__str__", "teacher", "school", "kind_name", "level", "status", "source")
    list_filter = ("status", KindFilter, "level", "source")
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

    @admin.display(description=_("kind"), ordering="kind")
    def kind_name(self, obj: Record) -> str:
        return kind_label(obj.kind)

    def _kind(self, request: HttpRequest, obj: Record | None) -> KindSpec | None:
        """The kind whose form to show: the record's, or the one picked for a new record."""
        if obj is not None:
            return _spec_of(obj.kind)
        return _spec_of(request.POST.get("kind") or request.GET.get("kind"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        spec = self._kind(request, obj)
        if spec is None:
            return super().get_fieldsets(request, obj)
        head = ["teacher", "kind", "date"]
        head += ["level"] if spec.has_level else []
        head += ["project"] if spec.has_project else []
        return [
            (None, {"fields": head}),
            (spec.label, {"fields": [KIND_PREFIX + f.name for f in spec.fields]}),
            (_("Workflow"), {"fields": ["source", "status"]}),
        ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        spec = self._kind(request, obj)
        if spec is not None:
            kwargs["form"] = kind_form(spec)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.pop("fields", None)
        return initial

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Adding starts with the kind (in Chinese); its form follows (``?kind=``)."""
        if request.method == "GET" and self._kind(request, None) is None:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Add record: choose its kind"),
                "kinds": kind_choices(),
            }
            return render(request, "admin/records/record/pick_kind.html", context)
        return super().add_view(request, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("teacher", "kind", "source", "status") if obj is not None else ()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The form checks the input with the engine first; should a service still fail on
        absurd input (the engine changes under us), the user gets a message, not a 500.
        The admin's transaction has been rolled back."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _BAD_INPUT_ERRORS:
            logger.exception("record admin: a service failed on the input")
            self.message_user(
                request,
                gettext("These values cannot be processed; please check them."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Record, form: Any, change: bool) -> None:
        if isinstance(form, KindRecordForm):
            obj.fields = form.cleaned_data["fields"]
        if change:
            changes = {
                f: form.cleaned_data[f]
                for f in form.changed_data
                if f in ("date", "level", "fields", "project")
            }
            if isinstance(form, KindRecordForm) and any(
                name.startswith(KIND_PREFIX) for name in form.changed_data
            ):
                changes["fields"] = form.cleaned_data["fields"]
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
