"""The forms of the assessment pages: a new round, a peer assignment, a column's entries,
a return with its reason.

Forms check the shape of the input (a date is a date, a file is a UTF-8 YAML file of a
reasonable size); the services judge the rest (the sheet loads, the windows are in order,
the values are inside the sheet's bounds) and their refusals are put on the form's fields
by :func:`add_errors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import Combine, Subject

MAX_SHEET_BYTES = 256 * 1024

# The services name some fields differently from the form: where their errors go.
SERVICE_FIELDS = {"start": "period", "sheet_text": "sheet_file", "node": NON_FIELD_ERRORS}


# The engine's words about a sheet file that does not load (pydantic's and the loader's),
# in Chinese; anything else of the reason is kept as it is (names of fields and values).
_SHEET_PHRASES = (
    ("Field required", "缺少此项"),
    ("Input should be a valid number", "应为数字"),
    ("Input should be a valid integer", "应为整数"),
    ("Input should be a valid string", "应为文字"),
    ("Input should be a valid list", "应为列表"),
    ("Input should be a valid dictionary", "应为映射（键: 值）"),
    ("Input should be a valid boolean", "应为 true 或 false"),
    ("Input should be greater than or equal to", "应不小于"),
    ("Input should be greater than", "应大于"),
    ("Input should be less than or equal to", "应不大于"),
    ("Extra inputs are not permitted", "不认识的字段"),
    ("not valid YAML", "不是有效的 YAML"),
    ("the file must be a YAML mapping", "文件应为 YAML 映射（键: 值）"),
    ("is not a column", "不是表中的栏目"),
    ("does not match any of the expected tags", "不是允许的类型"),
)


def sheet_error_zh(message: str) -> str:
    """The engine's refusal of an uploaded sheet, in Chinese where the words are known:
    ``uploaded: sections.0.items.1.max: Input should be a valid number`` →
    ``第1部分第2项 max：应为数字``."""
    import re

    text = re.sub(r"^(评分表无法使用：)?uploaded: ", r"\1", str(message))
    text = re.sub(r"\bsections\.(\d+)", lambda m: f"第{int(m.group(1)) + 1}部分", text)
    text = re.sub(r"\.?items\.(\d+)", lambda m: f"第{int(m.group(1)) + 1}项", text)
    text = re.sub(r"(部分|项)\.", r"\1 ", text)
    text = re.sub(r"\bline (\d+)", r"第\1行", text)
    for english, chinese in _SHEET_PHRASES:
        text = text.replace(english, chinese)
    return text.replace(": ", "：")


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form: on the fields it names, the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        key = SERVICE_FIELDS.get(key, key)
        if key == "sheet_id" and form.data.get("sheet_source") == "upload":
            key = "sheet_file"
        if key in ("sheet_id", "sheet_file"):
            errors = [sheet_error_zh(m) for e in errors for m in e.messages]
        form.add_error(key if key in form.fields else None, errors)


def messages_of(exc: ValidationError) -> list[str]:
    """Every message of a service's refusal, as a flat list."""
    return [str(m) for m in exc.messages]


class _Date(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.Form):
    """A new round of a region: title, subject, sheet (bundled or uploaded), period,
    windows, pass mark, combination rule and weights."""

    title = forms.CharField(label=_("Title"), max_length=200)
    subject = forms.ChoiceField(label=_("Assesses"), choices=Subject.choices)
    sheet_source = forms.ChoiceField(
        label=_("Sheet from"),
        choices=[("bundled", _("A bundled sheet")), ("upload", _("An uploaded file"))],
        initial="bundled",
        widget=forms.RadioSelect,
    )
    sheet_id = forms.ChoiceField(label=_("Bundled sheet"), required=False)
    sheet_file = forms.FileField(
        label=_("Sheet file (.yaml)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml"}),
    )
    period = forms.ChoiceField(label=_("Period"))
    self_from = _Date(label=_("Self-evaluation from"))
    self_to = _Date(label=_("Self-evaluation until"))
    peer_from = _Date(label=_("Peer evaluation from"), required=False)
    peer_to = _Date(label=_("Peer evaluation until"), required=False)
    onsite_from = _Date(label=_("On-site evaluation from"))
    onsite_to = _Date(label=_("On-site evaluation until"))
    rectify_from = _Date(label=_("Rectification from"), required=False)
    rectify_to = _Date(label=_("Rectification until"), required=False)
    pass_above = forms.FloatField(
        label=_("Passes above"),
        required=False,
        min_value=0,
        max_value=10000,
        help_text=_("Leave empty for the policy's pass mark (or the sheet's)."),
    )
    combine = forms.ChoiceField(label=_("Final score"), choices=Combine.choices)
    weights = forms.CharField(
        label=_("Weights"),
        required=False,
        max_length=200,
        help_text=_("For weighted columns, e.g. self=1, peer=1, county=2"),
    )

    def __init__(
        self, *args: Any, sheets: Iterable[tuple[str, str]], periods: Iterable[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sheet_id"].choices = [("", "—"), *sheets]
        self.periods = {p.key: p for p in periods}
        self.fields["period"].choices = [(k, p.name) for k, p in self.periods.items()]

    def clean_sheet_file(self) -> tuple[str, str] | None:
        upload = self.cleaned_data.get("sheet_file")
        if not upload:
            return None
        name = str(upload.name)
        if not name.lower().endswith((".yaml", ".yml")):
            raise ValidationError(_("Upload the sheet as a .yaml file."))
        if upload.size > MAX_SHEET_BYTES:
            raise ValidationError(_("The sheet file is larger than 256 KB."))
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("The sheet file is not UTF-8 text.")) from None
        if not text.strip():
            raise ValidationError(_("The sheet file is empty."))
        return name[:200], text

    def clean_weights(self) -> dict[str, float]:
        raw = (self.cleaned_data.get("weights") or "").strip()
        out: dict[str, float] = {}
        if not raw:
            return out
        for part in raw.replace("，", ",").replace("；", ",").replace(";", ",").split(","):
            if not part.strip():
                continue
            name, sep, value = part.replace("：", "=").replace(":", "=").partition("=")
            try:
                number = float(value.strip()) if sep else None
            except ValueError:
                number = None
            if number is None or number != number or not name.strip():
                raise ValidationError(
                    _("“%(part)s” is not column=weight.") % {"part": part.strip()[:30]}
                )
            out[name.strip()] = number
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        source = data.get("sheet_source")
        if source == "bundled" and not data.get("sheet_id"):
            self.add_error("sheet_id", _("Choose a bundled sheet."))
        if source == "upload" and not data.get("sheet_file") and "sheet_file" not in self.errors:
            self.add_error("sheet_file", _("Choose the sheet file to upload."))
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned form as ``round_create``'s keyword arguments."""
        data = self.cleaned_data
        period = self.periods[data["period"]]
        upload = data.get("sheet_file") if data.get("sheet_source") == "upload" else None
        fields: dict[str, Any] = {
            "title": data["title"].strip(),
            "subject": data["subject"],
            "sheet_id": "" if upload else data.get("sheet_id") or "",
            "sheet_text": upload[1] if upload else "",
            "period_type": period.type,
            "start": period.start,
            "end": period.end,
            "label": period.label,
            "pass_above": data.get("pass_above"),
            "combine": data["combine"],
            "weights": data.get("weights") or {},
        }
        for name in (
            "self_from",
            "self_to",
            "peer_from",
            "peer_to",
            "onsite_from",
            "onsite_to",
            "rectify_from",
            "rectify_to",
        ):
            fields[name] = data.get(name)
        return fields


class PeerAssignForm(forms.Form):
    """互比互学: which school evaluates which, both of the round's region."""

    assessor = forms.ModelChoiceField(label=_("Assessing school"), queryset=None)
    school = forms.ModelChoiceField(label=_("Assessed school"), queryset=None)

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = schools
        self.fields["school"].queryset = schools
        for name in ("assessor", "school"):
            self.fields[name].error_messages["invalid_choice"] = _("Choose a school of this round.")


class ReturnForm(forms.Form):
    """The reviewer returns a submitted column with a reason."""

    column = forms.CharField(max_length=30)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)


def column_form(entries: dict[str, Any], *, data: Any = None, initial: Any = None) -> forms.Form:
    """A form of the sheet's entry inputs (label, bounds, type), prefilled with saved values.
    Only the shape is checked here: the bounds are the service's, named by item."""
    form = forms.Form(data=data, initial=initial)
    for name, spec in entries.items():
        label = spec["label"]
        lo, hi = spec["min"], spec["max"]
        bounds = ""
        if lo is not None or hi is not None:
            bounds = f"{'' if lo is None else f'{lo:g}'}–{'' if hi is None else f'{hi:g}'}"
        help_text = " · ".join(x for x in (bounds, spec.get("note") or "") if x)
        if spec["type"] == "boolean":
            field: forms.Field = forms.TypedChoiceField(
                label=label,
                required=False,
                choices=[("", "—"), ("1", _("Yes")), ("0", _("No"))],
                help_text=help_text,
            )
        elif spec["type"] == "list":
            continue  # lists are not entered by hand on these pages
        else:
            attrs = {"inputmode": "decimal", "step": "1" if spec["type"] == "integer" else "any"}
            if lo is not None:
                attrs["min"] = f"{lo:g}"
            if hi is not None:
                attrs["max"] = f"{hi:g}"
            field = forms.CharField(
                label=label,
                required=False,
                max_length=30,
                help_text=help_text,
                widget=forms.NumberInput(attrs=attrs),
            )
        form.fields[name] = field
    form.fields["remarks"] = forms.CharField(
        label=_("Remarks"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
    )
    return form


class HonorForm(forms.Form):
    """A school's honour: the school (of the region), the honour, its level and date."""

    school = forms.TypedChoiceField(label=_("School"), coerce=int)
    title = forms.ChoiceField(label=_("Honour"))
    level = forms.ChoiceField(label=_("Level"))
    date = _Date(label=_("Awarded on"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, schools: Iterable[Any] = (), **kwargs: Any) -> None:
        from xuefen.catalog.choices import Level

        from .choices import HonorTitle

        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.pk, s.name) for s in schools]
        self.fields["title"].choices = HonorTitle.choices
        self.fields["level"].choices = [c for c in Level.choices if c[0] != Level.SCHOOL]
