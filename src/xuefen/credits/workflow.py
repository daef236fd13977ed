"""The transition tables of a notice, an objection and a submission (one place each).

::

    notice:      open ──close──▶ closed   (not before its last day, nor with an open objection)
                 open ──supersede──▶ superseded  (a corrected notice replaces it; new N days)
                 open/closed ──withdraw──▶ withdrawn   (before any sign-off)
    objection:   open ──answer──▶ answered ;  open ──withdraw──▶ withdrawn
    submission:  (sign) ──▶ signed ──submit──▶ submitted ──certify──▶ certified
                 signed ──withdraw──▶ withdrawn ;  submitted ──return──▶ returned

A returned or withdrawn submission ends; the school corrects, publishes again if records
changed, and the principal signs a new one (one holding submission per school and period).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xuefen.audit.choices import Event
from xuefen.workflow.machine import Machine, Transition

from .choices import NoticeStatus as N
from .choices import ObjectionStatus as O
from .choices import SubmissionStatus as S

NOTICE_MACHINE = Machine(
    name="notice",
    states=N,
    transitions=(
        Transition(
            "close", frozenset({N.OPEN}), N.CLOSED, "review", Event.NOTICE_CLOSE, _("closed")
        ),
        Transition(
            "supersede",
            frozenset({N.OPEN, N.CLOSED}),
            N.SUPERSEDED,
            "review",
            Event.NOTICE_PUBLISH,
            _("replaced"),
            window="recognition",
        ),
        Transition(
            "withdraw",
            frozenset({N.OPEN, N.CLOSED}),
            N.WITHDRAWN,
            "review",
            Event.NOTICE_WITHDRAW,
            _("withdrawn"),
            reason_required=True,
        ),
    ),
)

OBJECTION_MACHINE = Machine(
    name="objection",
    states=O,
    transitions=(
        Transition(
            "answer",
            frozenset({O.OPEN}),
            O.ANSWERED,
            "review",
            Event.OBJECTION_ANSWER,
            _("answered"),
            reason_required=True,
        ),
        Transition(
            "withdraw",
            frozenset({O.OPEN}),
            O.WITHDRAWN,
            "change",
            Event.OBJECTION_WITHDRAW,
            _("withdrawn"),
        ),
    ),
)

SUBMISSION_MACHINE = Machine(
    name="submission",
    states=S,
    transitions=(
        Transition(
            "submit",
            frozenset({S.SIGNED}),
            S.SUBMITTED,
            "review",
            Event.SUBMISSION_SUBMIT,
            _("submitted"),
            window="recognition",
        ),
        Transition(
            "withdraw",
            frozenset({S.SIGNED}),
            S.WITHDRAWN,
            "review",
            Event.SUBMISSION_WITHDRAW,
            _("withdrawn"),
            reason_required=True,
        ),
        Transition(
            "certify",
            frozenset({S.SUBMITTED}),
            S.CERTIFIED,
            "certify",
            Event.SUBMISSION_CERTIFY,
            _("certified"),
            window="certification",
        ),
        Transition(
            "return",
            frozenset({S.SUBMITTED}),
            S.RETURNED,
            "certify",
            Event.SUBMISSION_RETURN,
            _("returned"),
            reason_required=True,
        ),
    ),
)
