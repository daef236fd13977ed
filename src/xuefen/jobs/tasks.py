"""The task that runs every job, in the worker (``python manage.py db_worker``).

It takes the job (queued → running), runs its kind's runner with a progress callback, and
marks it done or failed. The user sees one line; a failure's traceback goes to the server
log (and, for the administrator, to the task's row in the admin).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from .kinds import KINDS, JobError
from .services import job_begin, job_fail, job_finish, job_progress

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """Raised after a job was marked failed, so the task's own row says failed too."""


@task()
def run_job_task(job_id: str) -> str:
    """Run the job ``job_id``; returns its status (``done``, ``failed`` or ``skipped``)."""
    job = job_begin(job_id=job_id)
    if job is None:
        return "skipped"

    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, done=done, total=total)

    # Messages are stored in the site's language: the worker has no user to ask.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            message = KINDS[job.kind].run(job, progress)
        except JobError as exc:
            job_fail(job_id=job_id, error=exc.message)
            return "failed"
        except Exception:
            logger.exception("Job %s (%s, node %s) failed", job_id, job.kind, job.node_id)
            job_fail(
                job_id=job_id,
                error=_(
                    "The job stopped because of an error. The administrator finds the "
                    "details in the server log under job %(id)s."
                )
                % {"id": str(job_id)[:8]},
            )
            raise JobFailed(f"job {job_id} failed; see the log above") from None
        job_finish(job_id=job_id, message=message)
    return "done"
