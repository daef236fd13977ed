"""Filter forms of the list pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xuefen.org.models import OrgNode, Teacher

from .standings import SORT_NAME

COMPLIANCE_CHOICES = [
    ("", _("All")),
    ("met", _("Met the requirements")),
    ("short", _("Short of the requirements")),
    ("pending", _("Would meet them once pending records are approved")),
]
SORT_CHOICES = [
    (SORT_NAME, _("Name (pinyin)")),
    ("standing", _("Standing (short first)")),
    ("-credits", _("Credits (most first)")),
    ("credits", _("Credits (fewest first)")),
]
YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class RosterFilterForm(forms.Form):
    """Roster filters: name, subject group, standing in the period shown, head teacher;
    and the order. The period itself is the page's picker (:mod:`xuefen.portal.periods`).
    A value that is no choice makes the form invalid, and an invalid form filters nothing
    and sorts by name: never an error page."""

    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    group = forms.ModelChoiceField(
        label=_("Subject group"), queryset=OrgNode.objects.none(), required=False
    )
    compliance = forms.ChoiceField(label=_("Standing"), choices=COMPLIANCE_CHOICES, required=False)
    head_teacher = forms.ChoiceField(label=_("Head teacher"), choices=YES_NO, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args: Any, groups: QuerySet[OrgNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].empty_label = str(_("All"))
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Search by name"), "autocomplete": "off", "type": "search"}
        )

    def _value(self, name: str) -> str:
        return (self.cleaned_data.get(name) or "") if self.is_valid() else ""

    @property
    def wanted_compliance(self) -> str:
        """The standing asked for ("", "met", "short", "pending")."""
        return self._value("compliance")

    @property
    def wanted_sort(self) -> str:
        """The order asked for (default: names in pinyin order)."""
        return self._value("sort") or SORT_NAME

    def filter_teachers(self, teachers: QuerySet[Teacher]) -> QuerySet[Teacher]:
        """Apply the filters on the teachers' own columns (standing: see
        :func:`xuefen.portal.standings.roster_queryset`)."""
        if not self.is_valid():
            return teachers
        data = self.cleaned_data
        if data["q"]:
            teachers = teachers.filter(name__contains=data["q"].strip())
        if data["group"] is not None:
            teachers = teachers.filter(group__path__startswith=data["group"].path)
        if data["head_teacher"] == "yes":
            teachers = teachers.filter(head_teacher=True)
        elif data["head_teacher"] == "no":
            teachers = teachers.filter(head_teacher=False)
        return teachers
