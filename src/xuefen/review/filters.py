"""The queue's filter form: teacher (name or pinyin), school (for a region), subject group,
kind, status, a date range and the order. A value that is no choice makes the field fall
back to its default, never an error page; a date range the wrong way round is said so."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xuefen.org.models import OrgNode
from xuefen.records.choices import RecordStatus

from .selectors import ALL_STATUSES, SORT_DATE, QueueFilters

SORT_CHOICES = [
    (SORT_DATE, _("Date (oldest first)")),
    ("-date", _("Date (newest first)")),
    ("teacher", _("Teacher (pinyin)")),
]


def kind_choices() -> list[tuple[str, str]]:
    """Every record kind with its Chinese label, as the engine names it."""
    from xuefen.policy import KIND_LABELS

    return [("", str(_("All"))), *KIND_LABELS.items()]


def status_choices() -> list[tuple[str, Any]]:
    return [*RecordStatus.choices, (ALL_STATUSES, _("All"))]


class QueueFilterForm(forms.Form):
    """Filters of the review queue (GET). Without a status the queue shows the submitted
    records; ``group`` is offered once the queue is down to one school."""

    q = forms.CharField(label=_("Teacher"), required=False, max_length=50)
    school = forms.ModelChoiceField(
        label=_("School"), queryset=OrgNode.objects.none(), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Subject group"), queryset=OrgNode.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=(), required=False)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(
        self,
        *args: Any,
        schools: QuerySet[OrgNode],
        groups: QuerySet[OrgNode] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = str(_("All"))
        if groups is None:
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups
            self.fields["group"].empty_label = str(_("All"))
        self.fields["kind"].choices = kind_choices()
        self.fields["status"].choices = status_choices()
        self.fields["q"].widget.attrs.update(
            {
                "placeholder": _("Name or pinyin"),
                "autocomplete": "off",
                "type": "search",
            }
        )
        for name in ("date_from", "date_to"):
            self.fields[name].widget.input_type = "date"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> QueueFilters:
        """The filters asked for; a field with a bad value is left out (its error shows)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        date_ok = "date_to" not in self.errors and "date_from" not in self.errors
        return QueueFilters(
            q=data.get("q") or "",
            school=data.get("school"),
            group=data.get("group"),
            kind=data.get("kind") or "",
            status=data.get("status") or RecordStatus.SUBMITTED,
            date_from=data.get("date_from") if date_ok else None,
            date_to=data.get("date_to") if date_ok else None,
            sort=data.get("sort") or SORT_DATE,
        )
