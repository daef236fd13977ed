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


KINDS: dict[str, JobKindSpec] = {
    JobKind.RECOMPUTE: JobKindSpec(
        action="manage", run=run_recompute, progress=gettext_lazy("%(done)s of %(total)s teachers")
    ),
}
