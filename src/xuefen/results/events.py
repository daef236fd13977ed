"""Results follow the business events: which teachers does a change make stale?

Connected in :class:`xuefen.results.apps.ResultsConfig`. The write services know nothing of
results: they write their audit entry, :data:`xuefen.audit.signals.business_change` reaches
:func:`on_business_change` inside the same transaction, the affected teachers are marked
stale (their ``version`` bumped), and once the transaction commits the worker is asked to
bring them up to date. A rolled-back change marks nobody.

| event | teachers made stale |
|---|---|
| record.* | the record's teacher |
| teacher.create / teacher.update | the teacher (profile fields such as 初任 change figures) |
| project.update / approve / reject | teachers with a not-yet-certified record of the project |
| institution.approve / revoke | teachers with a not-yet-certified record of its projects |
| policy.bind | every teacher under the node |
| plan.approve / plan.return | teachers with a not-yet-certified record of the plan's activities |
| assessment.finalize / .rectify | every teacher of the school (its school-based credits gate) |

Certified records are frozen (``Record.certified_input``), so a project or institution
change never touches their teachers' certified figures; their pending figures may change,
hence the rule above counts every record that is not certified or revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet

from xuefen.audit.choices import Event
from xuefen.org.models import Teacher
from xuefen.records.choices import LOCKED_STATUSES
from xuefen.records.models import Record

from .models import TeacherState

RECORD_EVENTS = frozenset(
    {
        Event.RECORD_CREATE,
        Event.RECORD_UPDATE,
        Event.RECORD_DELETE,
        Event.RECORD_SUBMIT,
        Event.RECORD_APPROVE,
        Event.RECORD_REJECT,
        Event.RECORD_CERTIFY,
        Event.RECORD_REVOKE,
    }
)
TEACHER_EVENTS = frozenset({Event.TEACHER_CREATE, Event.TEACHER_UPDATE})
PROJECT_EVENTS = frozenset({Event.PROJECT_UPDATE, Event.PROJECT_APPROVE, Event.PROJECT_REJECT})
INSTITUTION_EVENTS = frozenset({Event.INSTITUTION_APPROVE, Event.INSTITUTION_REVOKE})
PLAN_EVENTS = frozenset({Event.PLAN_APPROVE, Event.PLAN_RETURN})
ASSESSMENT_EVENTS = frozenset({Event.ASSESSMENT_FINALIZE, Event.ASSESSMENT_RECTIFY})


def _open_records() -> QuerySet:
    return Record.objects.exclude(status__in=sorted(LOCKED_STATUSES))


def on_business_change(
    sender: Any, entries: Sequence[Any], targets: Sequence[Any], **kwargs: Any
) -> None:
    """Mark stale every teacher the changes in ``entries`` touch (same transaction)."""
    teacher_ids: set[int] = set()
    record_ids: set[int] = set()
    for entry, target in zip(entries, targets, strict=True):
        event = entry.event
        if event in RECORD_EVENTS:
            if target is not None:
                teacher_ids.add(target.teacher_id)
            else:
                record_ids.add(int(entry.target_id))
        elif event in TEACHER_EVENTS:
            teacher_ids.add(int(entry.target_id))
        elif event in PROJECT_EVENTS:
            mark_stale(
                Teacher.objects.filter(
                    pk__in=_open_records()
                    .filter(project_id=int(entry.target_id))
                    .values("teacher_id")
                )
            )
        elif event in INSTITUTION_EVENTS:
            mark_stale(
                Teacher.objects.filter(
                    pk__in=_open_records()
                    .filter(project__institution_id=int(entry.target_id))
                    .values("teacher_id")
                )
            )
        elif event in PLAN_EVENTS:
            mark_stale(
                Teacher.objects.filter(
                    pk__in=_open_records()
                    .filter(activity__plan_id=int(entry.target_id))
                    .values("teacher_id")
                )
            )
        elif event in ASSESSMENT_EVENTS and entry.node is not None:
            mark_stale(Teacher.objects.filter(school=entry.node))
        elif event == Event.POLICY_BIND and entry.node is not None:
            mark_stale(Teacher.objects.filter(school__path__startswith=entry.node.path))
    if record_ids:
        teacher_ids.update(
            Record.objects.filter(pk__in=record_ids).values_list("teacher_id", flat=True)
        )
    if teacher_ids:
        mark_stale(teacher_ids)


def mark_stale(teachers: Iterable[int] | QuerySet) -> None:
    """Bump the version of these teachers (ids, or a Teacher queryset) and queue the worker
    for when the transaction commits."""
    if isinstance(teachers, QuerySet):
        TeacherState.objects.filter(teacher__in=teachers.values("pk")).update(
            version=F("version") + 1, stale=True
        )
        TeacherState.objects.bulk_create(
            [
                TeacherState(teacher_id=pk)
                for pk in teachers.filter(result_state__isnull=True).values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )
    else:
        ids = sorted(set(teachers))
        TeacherState.objects.filter(teacher_id__in=ids).update(version=F("version") + 1, stale=True)
        TeacherState.objects.bulk_create(
            [TeacherState(teacher_id=pk) for pk in ids], ignore_conflicts=True
        )
    queue_on_commit()


def queue_on_commit() -> None:
    """Ask the worker to recompute stale teachers once the transaction commits. Several
    changes in one transaction queue several requests; :func:`enqueue_recompute` turns
    them into one waiting task."""
    transaction.on_commit(queue_recompute)


def queue_recompute() -> None:
    """Enqueue the recomputation task unless one is already waiting to run."""
    from .tasks import enqueue_recompute

    enqueue_recompute()
