"""The transition tables of a plan, an activity and a leave request (one place each).

::

    plan:      draft/returned ──submit──▶ submitted ──approve──▶ approved
                                           └──────return──▶ returned (with reasons)
    activity:  planned ──close──▶ closed (records generated; closing again generates nothing)
               planned ──cancel──▶ cancelled (with a reason)
    leave:     pending ──approve──▶ approved ;  pending ──refuse──▶ refused (with a reason)
               pending/approved ──withdraw──▶ (deleted by the teacher before the activity)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xuefen.audit.choices import Event
from xuefen.workflow.machine import Machine, Transition

from .choices import ActivityStatus as A
from .choices import LeaveStatus as L
from .choices import PlanStatus as P

PLAN_MACHINE = Machine(
    name="plan",
    states=P,
    transitions=(
        Transition(
            "submit",
            frozenset({P.DRAFT, P.RETURNED}),
            P.SUBMITTED,
            "review",
            Event.PLAN_SUBMIT,
            _("submitted"),
            window="plan",
        ),
        Transition(
            "approve",
            frozenset({P.SUBMITTED}),
            P.APPROVED,
            "certify",
            Event.PLAN_APPROVE,
            _("approved"),
        ),
        Transition(
            "return",
            frozenset({P.SUBMITTED, P.APPROVED}),
            P.RETURNED,
            "certify",
            Event.PLAN_RETURN,
            _("returned"),
            reason_required=True,
        ),
    ),
)

ACTIVITY_MACHINE = Machine(
    name="activity",
    states=A,
    transitions=(
        Transition(
            "close", frozenset({A.PLANNED}), A.CLOSED, "review", Event.ACTIVITY_CLOSE, _("closed")
        ),
        Transition(
            "cancel",
            frozenset({A.PLANNED}),
            A.CANCELLED,
            "review",
            Event.ACTIVITY_CANCEL,
            _("cancelled"),
            reason_required=True,
        ),
    ),
)

LEAVE_MACHINE = Machine(
    name="leave",
    states=L,
    transitions=(
        Transition(
            "approve",
            frozenset({L.PENDING}),
            L.APPROVED,
            "review",
            Event.LEAVE_APPROVE,
            _("approved"),
        ),
        Transition(
            "refuse",
            frozenset({L.PENDING}),
            L.REFUSED,
            "review",
            Event.LEAVE_REFUSE,
            _("refused"),
            reason_required=True,
        ),
    ),
)
