"""The approval workflow of a training project, declared in one place.

::

    draft ──submit──▶ pending ──approve──▶ approved
      ▲                 │  ▲                 │
      │                 │  └────approve──────┤
      └──(edit)── rejected ◀────reject───────┘
                   └──submit──▶ pending

An institution writes its project as a draft and sends it for approval (``submit``); the
publishing region's training office approves or rejects it (with a reason), and may
withdraw an approval later (``reject``). A rejected project is corrected and sent again.
Projects the training office publishes itself start ``pending`` (no draft).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xuefen.audit.choices import Event
from xuefen.workflow.machine import Machine, Transition

from .choices import ApprovalStatus as S

# What an institution may still edit: its drafts, and projects returned to it.
INSTITUTION_EDITABLE = frozenset({S.DRAFT, S.REJECTED})

PROJECT_MACHINE = Machine(
    name="project",
    states=S,
    field="approval_status",
    transitions=(
        Transition(
            "submit",
            INSTITUTION_EDITABLE,
            S.PENDING,
            "change",
            Event.PROJECT_SUBMIT,
            _("sent for approval"),
        ),
        Transition(
            "approve",
            frozenset({S.PENDING, S.REJECTED}),
            S.APPROVED,
            "certify",
            Event.PROJECT_APPROVE,
            _("approved"),
        ),
        Transition(
            "reject",
            frozenset({S.PENDING, S.APPROVED}),
            S.REJECTED,
            "certify",
            Event.PROJECT_REJECT,
            _("rejected"),
            reason_required=True,
        ),
    ),
)
