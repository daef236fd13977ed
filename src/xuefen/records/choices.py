"""Choices of records: workflow status (with badge colours) and source."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordStatus(models.TextChoices):
    """Where a record is in its review. Only ``certified`` records count by default."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved by the school")
    CERTIFIED = "certified", _("Certified")
    # Returned to the teacher with a reason, to correct and submit again.
    REJECTED = "rejected", _("Returned")
    # Refused for good, with a reason (不予登记): the teacher cannot submit it again.
    DECLINED = "declined", _("Not recognised")
    REVOKED = "revoked", _("Revoked")


STATUS_COLORS = {
    RecordStatus.DRAFT: "gray",
    RecordStatus.SUBMITTED: "blue",
    RecordStatus.APPROVED: "teal",
    RecordStatus.CERTIFIED: "green",
    RecordStatus.REJECTED: "orange",
    RecordStatus.DECLINED: "red",
    RecordStatus.REVOKED: "red",
}

# Certified records are locked (认定后锁定); revoked ones are history.
LOCKED_STATUSES = frozenset({RecordStatus.CERTIFIED, RecordStatus.REVOKED})


class RecordSource(models.TextChoices):
    """How a record came into the system."""

    DECLARED = "declared", _("Declared by the teacher")
    INSTITUTION = "institution", _("Registered by the institution")
    SCHOOL = "school", _("Registered by the school")
    IMPORTED = "imported", _("Imported")
    ATTENDANCE = "attendance", _("Generated from attendance")
