"""Forms of the catalog pages: a project as an institution writes it, the region's
decision on it, and the results table (one row per participant).

The forms check what a person can type wrong, in Chinese, naming the field and the value;
the services check everything again (rights, state, the policy in force).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuefen.org.models import OrgNode

from .models import Project

PROJECT_FIELDS = [
    "name",
    "mode",
    "module",
    "level",
    "hours",
    "days",
    "credit_per_hour",
    "selection",
    "enrol_from",
    "enrol_to",
    "description",
]

# At most this many rows in one results table (a class, a cohort).
MAX_ROWS = 200
DEFAULT_ROWS = 10


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    """A training project's description and numbers (publisher and approval are not
    typed: the institution publishes at its region, and approval has its own steps)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Project,
                fields=PROJECT_FIELDS,
                widgets={
                    "enrol_from": _date_input(),
                    "enrol_to": _date_input(),
                    "selection": forms.RadioSelect,
                    "description": forms.Textarea(attrs={"rows": 4}),
                },
            )
        )
        self.fields["hours"].help_text = _("Give the hours or the days (one day counts 6 hours).")
        self.fields["credit_per_hour"].help_text = _(
            "Empty: the policy's default (普洱: online 1; centralized by level)."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hours, days = data.get("hours"), data.get("days")
        if "hours" in data and "days" in data and (hours is None) == (days is None):
            self.add_error("hours", _("Give the hours or the days, exactly one of them."))
        for name in ("hours", "days", "credit_per_hour"):
            value = data.get(name)
            if value is not None and value <= 0:
                self.add_error(
                    name, _("Must be greater than zero (got %(value)s).") % {"value": value}
                )
        start, end = data.get("enrol_from"), data.get("enrol_to")
        if start and end and end < start:
            self.add_error("enrol_to", _("Enrolment cannot close before it opens."))
        return data

    @classmethod
    def initial_from(cls, project: Project) -> dict[str, Any]:
        return {name: getattr(project, name) for name in PROJECT_FIELDS}


class DecisionForm(forms.Form):
    """The region's decision on a project sent for approval."""

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
    )
    reason = forms.CharField(label=_("reason"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for the rejection."))
        return data


class ResultsHeaderForm(forms.Form):
    """What the whole table shares: the day the training was completed."""

    date = forms.DateField(label=_("completion date"), widget=_date_input())

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("The date %(date)s is in the future.") % {"date": day.isoformat()}
            )
        return day


class ResultRowForm(forms.Form):
    """One participant: the teacher by name (and school, where two share a name), the
    hours attended (empty: the project's) and the score (empty: none)."""

    name = forms.CharField(label=_("teacher's name"), required=False, max_length=50)
    school = forms.ModelChoiceField(
        label=_("school"), queryset=OrgNode.objects.none(), required=False
    )
    hours = forms.DecimalField(
        label=_("hours"),
        required=False,
        max_digits=6,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"class": "cf-num", "step": "0.5"}),
    )
    score = forms.DecimalField(
        label=_("score"),
        required=False,
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"class": "cf-num", "step": "0.5"}),
    )

    def __init__(self, *args: Any, schools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school"].queryset = schools
        self.teacher: Any = None

    def clean_hours(self) -> Decimal | None:
        value = self.cleaned_data.get("hours")
        if value is not None and value <= 0:
            raise forms.ValidationError(
                _("Hours must be greater than zero (got %(value)s).") % {"value": value}
            )
        return value

    def clean_score(self) -> Decimal | None:
        value = self.cleaned_data.get("score")
        if value is not None and not (0 <= value <= 100):
            raise forms.ValidationError(
                _("A score is between 0 and 100 (got %(value)s).") % {"value": value}
            )
        return value

    @property
    def is_blank(self) -> bool:
        """Nothing typed in the row: skipped."""
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(n) not in (None, "") for n in ("name", "school", "hours", "score"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        typed = any(data.get(n) not in (None, "") for n in ("school", "hours", "score"))
        if typed and not (data.get("name") or "").strip():
            self.add_error("name", _("Enter the teacher's name."))
        return data


class BaseResultRowFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if all(form.is_blank for form in self.forms):
            raise forms.ValidationError(_("Enter at least one participant."))


ResultRowFormSet = forms.formset_factory(
    ResultRowForm,
    formset=BaseResultRowFormSet,
    extra=0,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)
