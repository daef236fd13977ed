"""The transition table of a sheet's column (one place).

::

    self / peer column:   draft/returned ──submit──▶ submitted ──return──▶ returned (reason)
    reviewer column:      draft ──finalize──▶ final      (the school's result is stored)
    rectification column: draft ──rectify──▶ final       (the result after rectification)

Who may take each transition depends on the column's role (:mod:`.access`): the assessed
school's staff submit ``self``, the assigned peer school's staff ``peer`` (inside the peer
window only), the round's region (or, on a teacher sheet, the school) returns, finalizes
and rectifies. The windows are the round's dates, judged by the services.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xuefen.audit.choices import Event
from xuefen.workflow.machine import Machine, Transition

from .choices import ColumnStatus as C

COLUMN_MACHINE = Machine(
    name="sheet column",
    states=C,
    transitions=(
        Transition(
            "submit",
            frozenset({C.DRAFT, C.RETURNED}),
            C.SUBMITTED,
            "view",
            Event.SHEET_SUBMIT,
            _("submitted"),
        ),
        Transition(
            "return",
            frozenset({C.SUBMITTED}),
            C.RETURNED,
            "certify",
            Event.SHEET_RETURN,
            _("returned"),
            reason_required=True,
        ),
        Transition(
            "finalize",
            frozenset({C.DRAFT, C.SUBMITTED}),
            C.FINAL,
            "certify",
            Event.ASSESSMENT_FINALIZE,
            _("finalized"),
        ),
        Transition(
            "rectify",
            frozenset({C.DRAFT}),
            C.FINAL,
            "certify",
            Event.ASSESSMENT_RECTIFY,
            _("finalized after rectification"),
        ),
    ),
)
# Columns that may still be edited.
EDITABLE = frozenset({C.DRAFT, C.RETURNED})
