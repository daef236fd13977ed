"""Statuses of the credit workflow's objects, with their badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeStatus(models.TextChoices):
    """A public notice (公示) of a school's period."""

    OPEN = "open", _("On public notice")
    CLOSED = "closed", _("Notice ended")
    SUPERSEDED = "superseded", _("Replaced by a new notice")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ObjectionStatus(models.TextChoices):
    """A teacher's objection to their line of a notice."""

    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SubmissionStatus(models.TextChoices):
    """A school's period on its way to certification."""

    SIGNED = "signed", _("Signed off by the principal")
    SUBMITTED = "submitted", _("Submitted for certification")
    CERTIFIED = "certified", _("Certified")
    RETURNED = "returned", _("Returned to the school")
    WITHDRAWN = "withdrawn", _("Sign-off withdrawn")


class Window(models.TextChoices):
    """The recognition windows a region's policy may set (``procedure.windows``)."""

    RECOGNITION = "recognition", _("School recognition (review, notice, submission)")
    CERTIFICATION = "certification", _("Certification by the county or city")
    PLAN = "plan", _("Submission of the school-based training plan")


NOTICE_COLORS = {
    NoticeStatus.OPEN: "blue",
    NoticeStatus.CLOSED: "green",
    NoticeStatus.SUPERSEDED: "gray",
    NoticeStatus.WITHDRAWN: "gray",
}
OBJECTION_COLORS = {
    ObjectionStatus.OPEN: "orange",
    ObjectionStatus.ANSWERED: "green",
    ObjectionStatus.WITHDRAWN: "gray",
}
SUBMISSION_COLORS = {
    SubmissionStatus.SIGNED: "teal",
    SubmissionStatus.SUBMITTED: "blue",
    SubmissionStatus.CERTIFIED: "green",
    SubmissionStatus.RETURNED: "orange",
    SubmissionStatus.WITHDRAWN: "gray",
}
# Submissions that hold the period: its records are frozen while one of these exists.
HOLDING_SUBMISSION = frozenset(
    {SubmissionStatus.SIGNED, SubmissionStatus.SUBMITTED, SubmissionStatus.CERTIFIED}
)
