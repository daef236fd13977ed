"""The review workflow of a record, declared in one place.

::

    draft ──submit──▶ submitted ──approve──▶ approved ──certify──▶ certified ──revoke──▶ revoked
      ▲  ◀─withdraw──┘   │  │                 │  │
      │                  │  └────return───────┘  └──decline──▶ declined
    rejected (returned) ◀┘  (return: with a reason; the teacher corrects and submits again)

``return`` keeps the status value ``rejected`` (labelled 已退回) that records had before the
final refusal ``decline`` (不予认定) existed. Certification normally happens for a whole
school and period at once (:mod:`xuefen.credits`), through the same ``certify`` transition.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xuefen.audit.choices import Event
from xuefen.workflow.machine import Machine, Transition

from .choices import RecordStatus as S

# Statuses the owner (the teacher) may still edit, submit or delete.
OWNER_EDITABLE = frozenset({S.DRAFT, S.REJECTED})

RECORD_MACHINE = Machine(
    name="record",
    states=S,
    transitions=(
        Transition(
            "submit", OWNER_EDITABLE, S.SUBMITTED, "change", Event.RECORD_SUBMIT, _("submitted")
        ),
        Transition(
            "withdraw",
            frozenset({S.SUBMITTED}),
            S.DRAFT,
            "change",
            Event.RECORD_WITHDRAW,
            _("withdrawn"),
        ),
        Transition(
            "approve",
            frozenset({S.SUBMITTED}),
            S.APPROVED,
            "review",
            Event.RECORD_APPROVE,
            _("approved"),
        ),
        Transition(
            "reject",
            frozenset({S.SUBMITTED, S.APPROVED}),
            S.REJECTED,
            "review",
            Event.RECORD_REJECT,
            _("returned"),
            reason_required=True,
        ),
        Transition(
            "decline",
            frozenset({S.SUBMITTED, S.APPROVED}),
            S.DECLINED,
            "review",
            Event.RECORD_DECLINE,
            _("refused"),
            reason_required=True,
        ),
        Transition(
            "certify",
            frozenset({S.SUBMITTED, S.APPROVED}),
            S.CERTIFIED,
            "certify",
            Event.RECORD_CERTIFY,
            _("certified"),
        ),
        Transition(
            "revoke",
            frozenset({S.CERTIFIED}),
            S.REVOKED,
            "certify",
            Event.RECORD_REVOKE,
            _("revoked"),
            reason_required=True,
        ),
    ),
)
