"""Reading records for the declaring pages (style.md habit 15): always through the
user's scope."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Replace

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.catalog.models import Project
from xuefen.org.models import Teacher
from xuefen.org.scoping import restrict

from .choices import RecordStatus
from .models import Evidence, Record

# The order of the groups on "my records": what needs the teacher first.
STATUS_ORDER: tuple[str, ...] = (
    RecordStatus.REJECTED,
    RecordStatus.DRAFT,
    RecordStatus.SUBMITTED,
    RecordStatus.APPROVED,
    RecordStatus.CERTIFIED,
    RecordStatus.DECLINED,
    RecordStatus.REVOKED,
)

# Primary keys are 64-bit: a larger number is no id (and would overflow SQLite).
PK_MAX = 2**63 - 1

# The events whose reason the teacher is shown: a return, or a refusal.
REASON_EVENTS = (Event.RECORD_REJECT, Event.RECORD_DECLINE)


def with_decision_reason(records: QuerySet[Record]) -> QuerySet[Record]:
    """``records`` annotated with ``decision_reason``: the reason of the latest return or
    refusal of each (in the same query). The audit log is staff-only; this reads only the
    reason of records the caller already may see."""
    latest = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(Record),
            target_id=Cast(OuterRef("pk"), CharField()),
            event__in=REASON_EVENTS,
        )
        .order_by("-created_at", "-pk")
        .values("reason")[:1]
    )
    return records.annotate(decision_reason=Subquery(latest))


def record_list_mine(*, fetched_by: Any, teacher: Teacher) -> list[tuple[str, list[Record]]]:
    """``teacher``'s records that ``fetched_by`` may see, grouped by status in
    :data:`STATUS_ORDER` (newest first within a group), each with its decision reason and
    evidence count. One query (ContentType is cached)."""
    from django.db.models import Count

    records = with_decision_reason(
        restrict(Record, fetched_by, "view")
        .filter(teacher=teacher)
        .select_related("project")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-date", "-pk")
    )
    groups: dict[str, list[Record]] = {s: [] for s in STATUS_ORDER}
    for record in records:
        groups.setdefault(record.status, []).append(record)
    return [(status, rows) for status, rows in groups.items() if rows]


def record_get(*, fetched_by: Any, pk: Any, action: str = "view") -> Record:
    """One record ``fetched_by`` may act on (404 otherwise), with its decision reason."""
    from django.http import Http404

    from xuefen.org.scoping import get_scoped_or_404

    if not isinstance(pk, int) or not 0 < pk <= PK_MAX:
        raise Http404("no such record")
    return get_scoped_or_404(
        with_decision_reason(
            Record.objects.select_related("teacher__school", "project__institution")
        ),
        fetched_by,
        action,
        pk=pk,
    )


def evidence_of(*, fetched_by: Any, record: Record) -> list[Evidence]:
    """The evidence of ``record`` that ``fetched_by`` may see."""
    return list(restrict(Evidence, fetched_by, "view").filter(record=record).order_by("pk"))


def projects_for(*, fetched_by: Any, teacher: Teacher) -> QuerySet[Project]:
    """Projects a record of ``teacher`` may name (the rule of ``record_validate``: published
    above the teacher's school or by it), among those ``fetched_by`` may see."""
    from django.db.models import Q

    path = teacher.school.path
    segments = [s for s in path.split("/") if s]
    ancestors = ["/" + "/".join(segments[: i + 1]) + "/" for i in range(len(segments))]
    return (
        restrict(Project, fetched_by, "view")
        .filter(
            Q(publisher__isnull=True)
            | Q(publisher__path__in=ancestors)
            | Q(publisher__path__startswith=path)
        )
        .order_by("-created_at", "name")
    )


def teachers_matching(teachers: QuerySet[Teacher], query: str) -> QuerySet[Teacher]:
    """``teachers`` whose name contains ``query`` or whose pinyin starts with it (张丽:
    "zhang", "zhangli", "zhang li"), in pinyin order; never by ID number."""
    query = query.strip()
    if not query:
        return teachers.none()
    compact = query.lower().replace(" ", "")
    return (
        teachers.annotate(_compact=Replace(F("name_pinyin"), Value(" "), Value("")))
        .filter(Q(name__contains=query) | Q(_compact__startswith=compact))
        .order_by("name_pinyin", "pk")
    )


def teachers_for_declaring(*, fetched_by: Any) -> QuerySet[Teacher]:
    """Teachers ``fetched_by`` may declare records for as staff (the change right)."""
    return (
        restrict(Teacher, fetched_by, "change").select_related("school").order_by("school", "name")
    )
