"""Large imports as background jobs (:data:`xuefen.jobs.choices.JobKind.IMPORT_RECORDS`,
``IMPORT_TEACHERS``): started by the confirmation of a file of more than
``XUEFEN_IMPORT_INLINE_MAX`` rows (:func:`xuefen.imports.kept.inline_max`), run by the worker.

The job's params name the kept file (``file``, in the starter's folder, see
:mod:`xuefen.imports.kept`) and the name it was uploaded under (``name``). The runner acts
as the job's starter: it reads the file again, checks every row again (what changed since
the preview counts), and writes everything in one transaction or nothing; the kept file is
deleted afterwards, whatever happened. A refusal (the file expired, a row with a problem,
a record entered meanwhile) is a :class:`~xuefen.jobs.kinds.JobError` with the message in
Chinese; the problems' ID numbers are masked (the job's page is seen by others of the
unit).

Progress: the records job counts the rows checked (of the file's rows), then the records
written (of those to add); the writing is one transaction, so on the page the count of
written records arrives with the commit. The roster job reports the rows of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.validators import mask_id_number

from .kept import kept_file

if TYPE_CHECKING:
    from xuefen.jobs.models import Job

Progress = Callable[[int, int], None]
# Problems quoted in a refused job's message (the message holds 300 characters).
SHOWN_PROBLEMS = 3


def common_node(schools: Iterable[OrgNode]) -> OrgNode | None:
    """The deepest node over every one of ``schools`` (the job's node: who sees it)."""
    paths = {school.path for school in schools}
    if not paths:
        return None
    segments = [p.strip("/").split("/") for p in paths]
    shared: list[str] = []
    for parts in zip(*segments, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    if not shared:
        return None
    return OrgNode.objects.filter(path="/" + "/".join(shared) + "/").first()


def _expired() -> Exception:
    from xuefen.jobs.kinds import JobError

    return JobError(_("The file has expired or was imported already: upload it again."))


def _refused(problems: list[Any], *, masked: str) -> Exception:
    """A refusal naming the count of problems and the first few (ID numbers masked)."""
    from xuefen.jobs.kinds import JobError

    shown = []
    for problem in problems[:SHOWN_PROBLEMS]:
        if hasattr(problem, "line"):  # a roster's problem masks its own numbers
            shown.append(problem.line(full_ids=False))
            continue
        if masked and problem.column == masked and problem.value:
            problem = replace(problem, value=mask_id_number(problem.value))
        shown.append(str(problem))
    head = _("%(n)d problems; nothing was imported.") % {"n": len(problems)}
    return JobError(" ".join([head, *shown]))


def run_import_records(job: Job, progress: Progress) -> str:
    """Check and write the records file of ``job.params`` as the job's starter."""
    from .records import commit_problems, records_commit, records_plan

    actor = job.started_by
    path = kept_file(actor, job.params.get("file", "")) if actor is not None else None
    if path is None:
        raise _expired()
    name = str(job.params.get("name") or path.name)
    try:
        with path.open("rb") as stream:
            plan = records_plan(actor, name, stream, progress=progress)
            if plan.problems:
                raise _refused(plan.problems, masked=plan.headers.get("id_number", ""))
            total = plan.create_count
            progress(0, total)
            stream.seek(0)
            try:
                written = records_commit(
                    actor,
                    plan,
                    file_name=name,
                    stream=stream,
                    progress=lambda done: progress(done, total),
                )
            except ValidationError as exc:
                raise _refused(commit_problems(exc), masked="") from None
    finally:
        path.unlink(missing_ok=True)
    return _("%(create)d added, %(same)d unchanged.") % {
        "create": written,
        "same": plan.unchanged_count,
    }


def run_import_teachers(job: Job, progress: Progress) -> str:
    """Check and write the roster file of ``job.params`` into the job's school, as the
    job's starter."""
    from .teachers import ImportFailed, commit_teachers, plan_teachers

    actor = job.started_by
    path = kept_file(actor, job.params.get("file", "")) if actor is not None else None
    if path is None:
        raise _expired()
    name = str(job.params.get("name") or path.name)
    try:
        with path.open("rb") as stream:
            plan = plan_teachers(school=job.node, name=name, stream=stream)
        if not plan.ok:
            raise _refused(plan.problems, masked="")
        progress(0, plan.rows)
        try:
            commit_teachers(actor=actor, school=job.node, plan=plan)
        except ImportFailed:
            raise _refused(plan.problems, masked="") from None
    finally:
        path.unlink(missing_ok=True)
    progress(plan.rows, plan.rows)
    return _("%(create)d added, %(update)d updated, %(same)d unchanged.") % {
        "create": len(plan.create),
        "update": len(plan.update),
        "same": len(plan.unchanged),
    }


def link_records(job: Job) -> tuple[str, str] | None:
    """A finished records import offers its unit's page (roster or region table)."""
    if job.node.kind == NodeKind.SCHOOL:
        return reverse("portal:roster", args=[job.node.pk]), _("The school's roster")
    return reverse("portal:region", args=[job.node.pk]), _("The unit's teachers")


def link_teachers(job: Job) -> tuple[str, str] | None:
    """A finished roster import offers the school's roster."""
    return reverse("portal:roster", args=[job.node.pk]), _("The school's roster")
