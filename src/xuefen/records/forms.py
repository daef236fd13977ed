"""Forms of the declaring pages: one form per record kind, built from :mod:`.kinds`.

The form checks what a form can (types, required values, the engine's bounds); the
service checks the rest with the engine (``record_validate``), and its errors are put back
on the field they name, in Chinese (:meth:`RecordForm.add_service_errors`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import PROJECT_FIELDS, FieldSpec, KindSpec, engine_message, value_labels

# Keys of service errors that belong to the whole record rather than to one input.
_RECORD_KEYS = frozenset({"fields", "status", "kind", NON_FIELD_ERRORS})


class DateInput(forms.DateInput):
    """A native date picker (phones show their own)."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _form_field(kind: str, spec: FieldSpec, *, required: bool) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec.label,
        "required": required,
        "help_text": spec.help_text,
    }
    if spec.widget == "choice":
        choices = list(spec.choices)
        if not required or spec.default is None:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, initial=spec.default, **common)
    if spec.widget == "boolean":
        common["required"] = False
        return forms.BooleanField(initial=bool(spec.default), **common)
    if spec.widget == "integer":
        return forms.IntegerField(
            min_value=spec.minimum, max_value=spec.maximum, initial=spec.default, **common
        )
    if spec.widget == "number":
        field = forms.FloatField(
            min_value=None if spec.minimum_open else spec.minimum,
            max_value=spec.maximum,
            initial=spec.default,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            **common,
        )
        if spec.minimum_open and spec.minimum is not None:
            low = spec.minimum

            def more_than(value: float | None) -> None:
                if value is not None and value <= low:
                    raise ValidationError(_("Must be more than %(n)s.") % {"n": low})

            field.validators.append(more_than)
        return field
    return forms.CharField(max_length=spec.max_length or 200, **common)


class _Form(forms.Form):
    """Labels without Django's ASCII colon (the Chinese layout puts labels above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RecordForm(_Form):
    """The form of one kind: date, level and project where the kind has them, then the
    kind's own fields. ``to_service()`` gives the arguments of ``record_create`` /
    ``record_update``."""

    date = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(
        self,
        *args: Any,
        spec: KindSpec,
        projects: QuerySet | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["date"].help_text = _("When it took place or ended.")
        if spec.has_level:
            labels = value_labels(spec.kind, "level")
            choices = [(v, labels.get(v, v)) for v in spec.level_choices]
            if not spec.level_required:
                choices = [("", "—"), *choices]
            from .kinds import field_label

            self.fields["level"] = forms.ChoiceField(
                label=field_label(spec.kind, "level"),
                choices=choices,
                required=spec.level_required,
            )
        if spec.has_project:
            self.fields["project"] = forms.ModelChoiceField(
                label=_("Training project"),
                queryset=projects if projects is not None else _no_projects(),
                required=False,
                empty_label=_("— not a published project —"),
                help_text=_(
                    "With a project, its mode, module, level, hours and credit per hour are "
                    "taken from it unless you give your own."
                ),
            )
        for field in spec.fields:
            # With a project to inherit from, a training's project fields may stay empty;
            # the engine says what is still missing.
            required = field.required and not (spec.has_project and field.name in PROJECT_FIELDS)
            self.fields[field.name] = _form_field(spec.kind, field, required=required)

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(_("The date is in the future."))
        return day

    def to_service(self) -> dict[str, Any]:
        """``date``, ``level``, ``project`` and ``fields`` (engine names, empty values
        left out so a project's values apply) from the cleaned data."""
        data = self.cleaned_data
        fields: dict[str, Any] = {}
        for spec in self.spec.fields:
            value = data.get(spec.name)
            if value is None or value == "" or value is False:
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            fields[spec.name] = value
        return {
            "date": data["date"],
            "level": data.get("level") or "",
            "project": data.get("project"),
            "fields": fields,
        }

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        """The form's initial values from a stored record."""
        initial = dict(record.fields or {})
        initial.update({"date": record.date, "level": record.level, "project": record.project})
        return initial

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ``ValidationError`` on the fields it names, in Chinese."""
        mapping = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        for key, messages in mapping.items():
            name = key.split(".")[0] if isinstance(key, str) else key
            target = name if name in self.fields and name not in _RECORD_KEYS else None
            for message in messages:
                self.add_error(target, engine_message(str(message)))


def _no_projects() -> QuerySet:
    from xuefen.catalog.models import Project

    return Project.objects.none()


class KindForm(_Form):
    """The kind chosen on the first step of declaring."""

    kind = forms.ChoiceField(label=_("Kind"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .kinds import kind_choices

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [single(None, initial)]  # "this field is required"
            return [single(d, initial) for d in data]
        return [single(data, initial)]


# What the file picker offers; the service decides by content, not by these names.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx,.ppt,.pptx"


class EvidenceUploadForm(_Form):
    """One or more files to attach (each checked by its content in the service)."""

    files = MultipleFileField(
        label=_("Files"),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, JPEG, PNG or Office documents; several at once."),
    )
