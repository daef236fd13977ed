"""Every write to jobs: a person starts one (:func:`job_start`, audited); the worker
reports on it (:func:`job_begin`, :func:`job_progress`, :func:`job_finish`,
:func:`job_fail`).

The worker's reports are single-row ``UPDATE``s in their own short transactions: progress
is visible to the page while the work goes on, and a report never holds a lock the work
needs. Each is conditional on the state it moves from, so a job that already ended (or
was declared interrupted) is never brought back.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log
from xuefen.org.models import OrgNode
from xuefen.org.scoping import require

from .choices import JobKind, JobStatus
from .kinds import KINDS, JobKindSpec
from .models import Job

logger = logging.getLogger(__name__)

# A running job that reported nothing for this long was interrupted (its worker was
# killed or the machine restarted): starting the same job again replaces it. Recomputing
# reports after every 500 teachers, a few seconds apart.
STALLED_AFTER = dt.timedelta(minutes=15)


def job_kind(kind: str) -> JobKindSpec:
    """The runner of ``kind``; a :class:`ValidationError` on ``kind`` if there is none."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": [_("Unknown kind of job: %(kind)s") % {"kind": kind}]})
    return spec


def job_start(*, actor: Any, kind: str, node: OrgNode, **params: Any) -> Job:
    """Start a job of ``kind`` for ``node`` on behalf of ``actor``: check that the actor
    may do the kind's action on the node, create the job, audit it, and queue its task
    once the transaction commits. ``params`` (JSON-safe) are the runner's arguments.

    A recompute of a node that is already waiting or running returns that job instead of
    queueing a second one (unless it stalled: see :data:`STALLED_AFTER`).
    """
    spec = job_kind(kind)
    require(actor, spec.action, node)
    with transaction.atomic():
        # One start at a time per node: the check for an open job below is then reliable.
        list(OrgNode.objects.select_for_update().filter(pk=node.pk).values_list("pk"))
        if kind == JobKind.RECOMPUTE:
            current = (
                Job.objects.select_for_update()
                .filter(kind=kind, node=node, status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
                .first()
            )
            if current is not None:
                if not _stalled(current):
                    return current
                _fail(
                    current.pk,
                    _("The job was interrupted (the worker stopped) and has been started again."),
                    statuses=(JobStatus.RUNNING,),
                )
        job = Job.objects.create(kind=kind, node=node, started_by=actor, params=params)
        audit_log(
            actor=actor,
            event=Event.JOB_START,
            target=job,
            node=node,
            new={"kind": kind, "node": node.pk, **({"params": params} if params else {})},
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _stalled(job: Job) -> bool:
    return job.status == JobStatus.RUNNING and job.updated_at < timezone.now() - STALLED_AFTER


def _enqueue(job_id: UUID) -> None:
    """Queue the job's task and remember its id. A queue that cannot be reached fails the
    job with a message instead of the request."""
    from .tasks import run_job_task

    try:
        result = run_job_task.enqueue(str(job_id))
    except Exception:
        logger.exception("Job %s could not be queued", job_id)
        _fail(job_id, _("The job could not be queued. Please try again later."))
        return
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))


def job_begin(*, job_id: UUID | str) -> Job | None:
    """The worker takes the job: queued → running. None if the job is gone or was not
    waiting (it ended, or another worker took it)."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, updated_at=now
    )
    if not taken:
        return None
    return Job.objects.select_related("node").get(pk=job_id)


def job_progress(*, job_id: UUID | str, done: int, total: int) -> None:
    """Record progress: ``done`` of ``total`` (called after every batch)."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        done=max(0, done), total=max(0, total, done), updated_at=timezone.now()
    )


def job_finish(*, job_id: UUID | str, message: str) -> None:
    """The job did its work: running → done, with the message its user sees."""
    now = timezone.now()
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, message=message[:300], finished_at=now, updated_at=now
    )


def job_fail(*, job_id: UUID | str, error: str) -> None:
    """The job stopped: → failed, with one line for its user (never a traceback: the
    caller logs that)."""
    _fail(job_id, error)


def _fail(
    job_id: UUID | str,
    error: str,
    statuses: tuple[str, ...] = (JobStatus.QUEUED, JobStatus.RUNNING),
) -> None:
    now = timezone.now()
    line = " ".join(str(error).split())[:300]
    Job.objects.filter(pk=job_id, status__in=statuses).update(
        status=JobStatus.FAILED, error=line, finished_at=now, updated_at=now
    )
