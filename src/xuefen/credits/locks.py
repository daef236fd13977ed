"""Which records a school's period holds: while the period is signed off, submitted or
certified, its records are not reviewed again (the county returns the period first)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import HOLDING_SUBMISSION, SubmissionStatus
from .models import Submission


def holding_submission(record: object) -> Submission | None:
    """The signed, submitted or certified submission of the record's school whose period
    contains the record's date, if any."""
    teacher = record.teacher  # type: ignore[attr-defined]
    return (
        Submission.objects.filter(
            school_id=teacher.school_id,
            status__in=sorted(HOLDING_SUBMISSION),
            start__lte=record.date,  # type: ignore[attr-defined]
            end__gte=record.date,  # type: ignore[attr-defined]
        )
        .order_by("-signed_at")
        .first()
    )


def check_period_open(record: object, transition: str) -> None:
    """Refuse to review a record of a period that is signed off or submitted. A certified
    period's records may still be certified one by one by the county (late registrations
    it accepts), but the school no longer approves or returns them."""
    submission = holding_submission(record)
    if submission is None:
        return
    if transition == "certify" and submission.status == SubmissionStatus.CERTIFIED:
        return
    raise ValidationError(
        {
            "status": _(
                "%(period)s of this school is %(status)s: its records cannot be changed "
                "until the county returns it."
            )
            % {"period": submission.label, "status": submission.get_status_display()}
        }
    )
