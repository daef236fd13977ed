"""What each kind of job does: a name → runner map (style.md habit 6's shape).

A runner gets the job (its ``node`` and ``params``) and a ``progress(done, total)``
callback, does the work and returns the one-line message the user sees when it is done.
To refuse with a message for the user ("the file has no 姓名 column"), raise
:class:`JobError`; any other exception fails the job with a generic message and its
traceback goes to the server log.

Adding a kind: a member of :class:`xuefen.jobs.choices.JobKind`, a runner here and its
:class:`JobKindSpec` in :data:`KINDS` (the action its starter needs on the node), a button
that posts to ``jobs:start`` (see ``jobs/partials/start_recompute.html``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import JobKind

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from .models import Job

Progress = Callable[[int, int], None]


class JobError(Exception):
    """A job cannot go on, for a reason its user can act on: ``message`` is shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobKindSpec:
    """How to run one kind of job.

    ``action`` is what the starter must be allowed to do on the job's node (a scoping
    action); ``run`` the runner; ``progress`` how the page says how far it is (with
    ``%(done)s`` and ``%(total)s``).
    """

    action: str
    run: Callable[[Job, Progress], str]
    progress: str | Promise
    # What a finished job offers on its page (the file an export made, the import's
    # result): ``link(job)`` → (url, label), or None where there is nothing to offer.
    link: Callable[[Job], tuple[str, str] | None] | None = None


def run_recompute(job: Job, progress: Progress) -> str:
    """Recompute the stored results of every teacher under the job's node, school by
    school (a batch then touches few schools' summaries)."""
    from xuefen.org.models import Teacher
    from xuefen.results.compute import recompute

    ids = list(
        Teacher.objects.filter(school__path__startswith=job.node.path)
        .order_by("school_id", "pk")
        .values_list("pk", flat=True)
    )
    progress(0, len(ids))
    done = recompute(ids, progress=progress)
    return _("%(n)d teachers recomputed.") % {"n": done}


def run_certify(job: Job, progress: Progress) -> str:
    """Certify a submitted period of the job's school (``params["submission"]``) as its
    starter, through the one service: a large school's certification (tens of thousands of
    records) runs here instead of in the request. A refusal (state, window) is the job's
    message."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from xuefen.credits.models import Submission
    from xuefen.credits.submissions import submission_certify

    submission = Submission.objects.filter(pk=job.params.get("submission"), school=job.node).first()
    if submission is None or job.started_by is None:
        raise JobError(_("The submission no longer exists."))
    progress(0, submission.records or 0)
    try:
        done = submission_certify(
            actor=job.started_by, submission=submission, reason=job.params.get("reason", "")
        )
    except ValidationError as exc:
        raise JobError("；".join(exc.messages)) from None
    except PermissionDenied:
        raise JobError(_("You may not certify this school's period.")) from None
    progress(done.records, done.records)
    return _("%(period)s of %(school)s certified: %(n)d records.") % {
        "period": done.label,
        "school": done.school.name,
        "n": done.records,
    }


def run_close_activity(job: Job, progress: Progress) -> str:
    """Close an activity of the job's school (``params["activity"]``) as its starter: a
    whole-school activity generates thousands of records, which the worker writes instead
    of the request. A refusal (state, not begun) is the job's message."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from xuefen.activities.models import Activity
    from xuefen.activities.services import activity_close

    activity = Activity.objects.filter(pk=job.params.get("activity"), school=job.node).first()
    if activity is None or job.started_by is None:
        raise JobError(_("The activity no longer exists."))
    try:
        closed = activity_close(actor=job.started_by, activity=activity)
    except ValidationError as exc:
        raise JobError("；".join(exc.messages)) from None
    except PermissionDenied:
        raise JobError(_("You may not close this activity.")) from None
    return _("%(activity)s closed: %(n)d records generated, waiting for review.") % {
        "activity": activity.theme,
        "n": len(closed.created),
    }


def run_export(job: Job, progress: Progress) -> str:
    """Make a large export (a county's table, a big school's PDF) as its starter."""
    from xuefen.exports.services import run_export as export

    return export(job, progress)


def export_link(job: Job) -> tuple[str, str] | None:
    from xuefen.exports.services import job_link

    return job_link(job)


def run_import_records(job: Job, progress: Progress) -> str:
    """Import a large records file (``params``: the kept ``file`` and its ``name``) as its
    starter, all rows or none: :func:`xuefen.imports.jobs.run_import_records`."""
    from xuefen.imports.jobs import run_import_records as run

    return run(job, progress)


def run_import_teachers(job: Job, progress: Progress) -> str:
    """Import a large roster file into the job's school as its starter, all rows or none:
    :func:`xuefen.imports.jobs.run_import_teachers`."""
    from xuefen.imports.jobs import run_import_teachers as run

    return run(job, progress)


def _link_import_records(job: Job) -> tuple[str, str] | None:
    from xuefen.imports.jobs import link_records

    return link_records(job)


def _link_import_teachers(job: Job) -> tuple[str, str] | None:
    from xuefen.imports.jobs import link_teachers

    return link_teachers(job)


KINDS: dict[str, JobKindSpec] = {
    JobKind.IMPORT_RECORDS: JobKindSpec(
        action="change",
        run=run_import_records,
        progress=gettext_lazy("%(done)s of %(total)s rows"),
        link=_link_import_records,
    ),
    JobKind.IMPORT_TEACHERS: JobKindSpec(
        action="change",
        run=run_import_teachers,
        progress=gettext_lazy("%(done)s of %(total)s rows"),
        link=_link_import_teachers,
    ),
    JobKind.EXPORT: JobKindSpec(
        action="view",
        run=run_export,
        progress=gettext_lazy("%(done)s of %(total)s rows"),
        link=export_link,
    ),
    JobKind.CLOSE_ACTIVITY: JobKindSpec(
        action="change",
        run=run_close_activity,
        progress=gettext_lazy("%(done)s of %(total)s records"),
    ),
    JobKind.CERTIFY: JobKindSpec(
        action="certify", run=run_certify, progress=gettext_lazy("%(done)s of %(total)s records")
    ),
    JobKind.RECOMPUTE: JobKindSpec(
        action="manage", run=run_recompute, progress=gettext_lazy("%(done)s of %(total)s teachers")
    ),
}
