"""Job kinds and states, with their labels and colours (style.md habit 12)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    """What a job does. Each kind has its runner in :data:`xuefen.jobs.kinds.KINDS`."""

    RECOMPUTE = "recompute", _("Recompute a region's results")
    CERTIFY = "certify", _("Certify a school's period")
    CLOSE_ACTIVITY = "close_activity", _("Close an activity and generate its records")
    IMPORT_TEACHERS = "import_teachers", _("Import a teacher roster")
    IMPORT_RECORDS = "import_records", _("Import records")
    EXPORT = "export", _("Export a form")


class JobStatus(models.TextChoices):
    """Where a job is: waiting for the worker, running, finished or failed."""

    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


STATUS_COLORS = {
    JobStatus.QUEUED: "gray",
    JobStatus.RUNNING: "blue",
    JobStatus.DONE: "green",
    JobStatus.FAILED: "red",
}

# A job in one of these states has not ended: its page keeps polling.
OPEN_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
