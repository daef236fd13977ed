"""Reads of the review queue: the records a user may review, filtered, sorted and paged in
the database, and what each row shows.

Everything starts from ``restrict(Record, user, "review")``: a school administrator or
principal reaches the records of their school, a county administrator those of every
school of the county; nobody else reaches any. A page of the queue is one counting query
and one query for its rows (teacher, group and project joined), plus one for their
evidence, whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Replace
from django.urls import NoReverseMatch, reverse

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode
from xuefen.org.scoping import nodes_with_action, restrict
from xuefen.records.choices import STATUS_COLORS, RecordStatus
from xuefen.records.models import Evidence, Record

# How the queue can be sorted: the URL's ``sort`` → the database ordering.
SORT_DATE = "date"
SORTS: dict[str, tuple[str, ...]] = {
    SORT_DATE: ("date", "pk"),  # the oldest first: the longest waiting
    "-date": ("-date", "-pk"),
    "teacher": ("teacher__name_pinyin", "teacher__name", "date", "pk"),
}
# What "all statuses" is called in the URL (the default is submitted records).
ALL_STATUSES = "all"

_PINYIN = re.compile(r"^[a-z ]+$")


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is asked for; empty values filter nothing."""

    q: str = ""
    school: OrgNode | None = None
    group: OrgNode | None = None
    kind: str = ""
    status: str = RecordStatus.SUBMITTED
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = SORT_DATE


def may_review(user: Any) -> bool:
    """Whether the user holds a role that reviews records anywhere."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or nodes_with_action(user, "review"))
    )


def review_schools(*, fetched_by: Any) -> QuerySet[OrgNode]:
    """The schools whose records the user may review, in tree order."""
    return restrict(OrgNode, fetched_by, "review").filter(kind=NodeKind.SCHOOL).order_by("path")


def review_groups(*, fetched_by: Any, school: OrgNode) -> QuerySet[OrgNode]:
    """The subject and lesson-prep groups of one school the user may review."""
    return (
        restrict(OrgNode, fetched_by, "review")
        .filter(
            path__startswith=school.path,
            kind__in=[NodeKind.SUBJECT_GROUP, NodeKind.LESSON_GROUP],
        )
        .order_by("path")
    )


def teacher_search(q: str) -> Q:
    """Records whose teacher's name contains ``q``, or whose name in pinyin does (张丽:
    "张", "丽", "zhang", "zhangli", "zhang li"). Never the ID number: a search box must
    not let anyone probe numbers by prefix."""
    q = q.strip()
    condition = Q(teacher__name__contains=q)
    lowered = q.lower()
    if _PINYIN.match(lowered):
        condition |= Q(_pinyin_compact__contains=lowered.replace(" ", ""))
    return condition


def review_queue(*, fetched_by: Any, filters: QueueFilters) -> QuerySet[Record]:
    """The records ``fetched_by`` may review that match ``filters``, in the order asked,
    with what a row shows joined (page it with a Paginator)."""
    records = restrict(Record, fetched_by, "review")
    if filters.status and filters.status != ALL_STATUSES:
        records = records.filter(status=filters.status)
    if filters.school is not None:
        records = records.filter(teacher__school__path__startswith=filters.school.path)
    if filters.group is not None:
        records = records.filter(teacher__group__path__startswith=filters.group.path)
    if filters.kind:
        records = records.filter(kind=filters.kind)
    if filters.date_from is not None:
        records = records.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        records = records.filter(date__lte=filters.date_to)
    if filters.q.strip():
        records = records.annotate(
            _pinyin_compact=Replace(F("teacher__name_pinyin"), Value(" "), Value(""))
        ).filter(teacher_search(filters.q))
    return records.select_related("teacher__school", "teacher__group", "project").order_by(
        *SORTS.get(filters.sort, SORTS[SORT_DATE])
    )


def with_evidence(records: Iterable[Record]) -> list[Record]:
    """The records with their evidence read in one query (``record.files``)."""
    records = list(records)
    if records:
        prefetch_related_objects(
            records,
            Prefetch(
                "evidence",
                queryset=Evidence.objects.only("pk", "name", "record_id", "uploaded_at"),
                to_attr="files",
            ),
        )
    return records


def declared_hours(record: Record) -> tuple[Any, str]:
    """What the record declares (or inherits from its project): ``(number, unit)`` with
    unit ``"hours"`` or ``"days"``, or ``(None, "")`` where it declares neither (kinds
    whose hours the policy fixes, such as a competition)."""
    fields = record.fields if isinstance(record.fields, dict) else {}
    if fields.get("hours") is not None:
        return fields["hours"], "hours"
    if fields.get("days") is not None:
        return fields["days"], "days"
    project = record.project if record.project_id is not None else None
    if project is not None and record.kind == "training":
        if project.hours is not None:
            return project.hours, "hours"
        if project.days is not None:
            return project.days, "days"
    return None, ""


def record_title(record: Record) -> str:
    """The record's name: its own ``name``, its project's, or the kind's label."""
    fields = record.fields if isinstance(record.fields, dict) else {}
    name = fields.get("name") or fields.get("title")
    if not name and record.project_id is not None:
        name = record.project.name
    return str(name or record.kind_label)


def evidence_url(evidence: Evidence) -> str:
    """Where a file is opened: the records app's scoped download when it is installed,
    else the record's page, which lists the files."""
    try:
        return reverse("records:evidence", args=[evidence.pk])
    except NoReverseMatch:
        return reverse("portal:record", args=[evidence.record_id])


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    record: Record
    title: str
    hours: Any
    hours_unit: str
    files: list[tuple[str, str]]  # (name, url)
    status_color: str
    can_decide: bool


def queue_rows(records: Iterable[Record]) -> list[QueueRow]:
    """The rows of one page (evidence read in one query)."""
    rows = []
    for record in with_evidence(records):
        hours, unit = declared_hours(record)
        rows.append(
            QueueRow(
                record=record,
                title=record_title(record),
                hours=hours,
                hours_unit=unit,
                files=[(e.name, evidence_url(e)) for e in record.files],
                status_color=STATUS_COLORS.get(record.status, "gray"),
                can_decide=record.status in DECIDABLE,
            )
        )
    return rows


# Statuses the reviewer can still act on from the queue (approve needs submitted; return
# and refuse also leave approved, before certification).
DECIDABLE = frozenset({RecordStatus.SUBMITTED, RecordStatus.APPROVED})
