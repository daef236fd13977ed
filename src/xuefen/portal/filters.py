"""Filter forms of the list pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xuefen.org.models import OrgNode, Teacher

COMPLIANCE_CHOICES = [
    ("", _("All")),
    ("met", _("Meets this year's requirements")),
    ("short", _("Short this year")),
]
YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class RosterFilterForm(forms.Form):
    """Roster filters: name, subject group, this year's compliance, head teacher."""

    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    group = forms.ModelChoiceField(
        label=_("Subject group"), queryset=OrgNode.objects.none(), required=False
    )
    compliance = forms.ChoiceField(
        label=pgettext_lazy("standing", "This year"), choices=COMPLIANCE_CHOICES, required=False
    )
    head_teacher = forms.ChoiceField(label=_("Head teacher"), choices=YES_NO, required=False)

    def __init__(self, *args: Any, groups: QuerySet[OrgNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].empty_label = str(_("All"))
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Search by name"), "autocomplete": "off", "type": "search"}
        )

    def filter_teachers(self, teachers: QuerySet[Teacher]) -> QuerySet[Teacher]:
        """Apply the filters the database can answer (compliance needs the engine)."""
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

    def wants(self, compliant: bool | None) -> bool:
        """Whether a row with this year's verdict passes the compliance filter."""
        choice = self.cleaned_data.get("compliance", "") if self.is_valid() else ""
        if choice == "met":
            return compliant is True
        if choice == "short":
            return compliant is not True
        return True
