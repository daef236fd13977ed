"""Forms of the reviewer's decisions: one record (approve, return, refuse) and a batch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xuefen.records.choices import RecordStatus

from .services import APPROVE, DECLINE, RETURN

DECISIONS = [
    (APPROVE, pgettext_lazy("review decision", "Approve")),
    (RETURN, pgettext_lazy("review decision", "Return for correction")),
    (DECLINE, pgettext_lazy("review decision", "Refuse (not recognised)")),
]
# Most records one batch approves (a page holds fewer).
BATCH_MAX = 200


def safe_next(value: str | None, *, host: str) -> str:
    """The queue URL to go back to (with its filters): only this site's queue, else the
    queue itself."""
    queue = reverse("review:queue")
    if (
        value
        and value.startswith(queue)
        and url_has_allowed_host_and_scheme(value, allowed_hosts={host})
    ):
        return value
    return queue


class DecisionForm(forms.Form):
    """One decision on one record. ``seen`` is the status the page showed, so that a
    decision that comes too late can say the record was handled meanwhile."""

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    seen = forms.ChoiceField(choices=RecordStatus.choices, required=False)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason"] = (data.get("reason") or "").strip()
        if data.get("decision") in (RETURN, DECLINE) and not data["reason"]:
            self.add_error(
                "reason", _("Give the reason: the teacher reads it to correct the record.")
            )
        return data


class BatchIdsField(forms.Field):
    """A list of record ids from checkboxes (``records=1&records=2``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        ids: list[int] = []
        for raw in value:
            try:
                number = int(raw)
            except (TypeError, ValueError):
                raise ValidationError(
                    _("%(value)s is not a record number."), params={"value": raw}
                ) from None
            if number <= 0 or number >= 2**63:
                raise ValidationError(_("%(value)s is not a record number."), params={"value": raw})
            if number not in ids:
                ids.append(number)
        return ids

    def validate(self, value: list[int]) -> None:
        if not value:
            raise ValidationError(_("Tick the records to approve first."))
        if len(value) > BATCH_MAX:
            raise ValidationError(
                _("At most %(n)d records can be approved at once."), params={"n": BATCH_MAX}
            )


class BatchApproveForm(forms.Form):
    """Approve the ticked records."""

    records = BatchIdsField(label=_("Records"))
    next = forms.CharField(required=False, max_length=2000)
