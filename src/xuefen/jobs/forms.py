"""The start form: which kind of job, for which node (both checked again by the service)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import JobKind

# Primary keys are 64-bit: a larger number is no id (and would overflow SQLite).
_PK_MAX = 2**63 - 1


class JobStartForm(forms.Form):
    """``kind`` and ``node`` as the job buttons post them."""

    kind = forms.ChoiceField(label=_("kind"), choices=JobKind.choices)
    node = forms.IntegerField(label=_("organisation"), min_value=1, max_value=_PK_MAX)
