"""Reading stored results: what pages, exports and the API get (style.md habit 15).

Nothing here evaluates a region: rosters read :class:`TeacherPeriod` rows, region tables
:class:`SchoolPeriod` rows. Only :func:`teacher_standing`, for the one teacher a page is
about, recomputes inline when that teacher is stale, so a teacher sees their own change at
once; every other stale teacher is shown with their last figures and marked as updating
while the worker catches up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from xuefen.org.models import OrgNode, PolicyBinding, Teacher
from xuefen.org.services import binding_in_force, bindings_over

from .compute import engine_fingerprint, recompute, segment_as_of
from .models import SchoolPeriod, TeacherPeriod, TeacherResult, TeacherState


@dataclass
class Segment:
    """The engine's result for one teacher under one binding (``pending``: counting
    submitted and approved records too)."""

    binding: PolicyBinding
    as_of: dt.date
    result: dict[str, Any] | None
    error: str = ""
    pending: dict[str, Any] | None = None


@dataclass
class Standing:
    """Everything the engine says about a teacher, for pages and exports.

    ``result`` is the engine's teacher object (``records``, ``periods``, ``cycle``) under the
    binding in force on ``as_of``, counting certified records; ``pending`` the same counting
    submitted and approved records too. ``segments`` has one entry per binding the teacher's
    records fall under; ``records`` maps a record id (``str(pk)``) to the engine's verdict
    on it (``counted``, ``hours``, ``credits``, ``explanation``) and ``pending_records`` to
    what it will earn once approved.
    """

    teacher_id: int
    as_of: dt.date
    binding: PolicyBinding | None
    result: dict[str, Any] | None
    pending: dict[str, Any] | None = None
    segments: list[Segment] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str = ""
    computed_at: dt.datetime | None = None

    @property
    def compliant(self) -> bool | None:
        """Whether the current cycle meets every requirement (None: nothing to judge)."""
        cycle = (self.result or {}).get("cycle")
        return None if not cycle else bool(cycle.get("compliant"))

    def period(
        self, day: dt.date | None = None, period_type: str | None = None, *, pending: bool = False
    ) -> dict[str, Any] | None:
        """The engine's period containing ``day`` (default: ``as_of``), of the given
        ``period_type`` (``year``, ``semester``…; default: any), if reported."""
        day = (day or self.as_of).isoformat()
        for period in ((self.pending if pending else self.result) or {}).get("periods", []):
            if period_type is not None and period.get("type") != period_type:
                continue
            if period["start"] <= day <= period["end"]:
                return period
        return None


def is_fresh(state: TeacherState | None, as_of: dt.date) -> bool:
    """Stored results are up to date: no change since, same engine, computed in the same
    year as ``as_of``.

    Not the same day: a page must not recompute every teacher on their first visit of each
    day (on a deadline day each would also rebuild their school's summaries, one after the
    other). The figures do not depend on the day; only which periods are reported without
    records does, so a new year (a new year's requirements) makes them outdated, and
    ``results_recompute --outdated`` prepares that in the background.
    """
    return (
        state is not None
        and not state.stale
        and state.engine == engine_fingerprint()
        and state.as_of is not None
        and state.as_of.year == as_of.year
    )


def teacher_standing(teacher: Teacher, *, as_of: dt.date | None = None) -> Standing:
    """One teacher's standing from the stored rows, recomputed first if they are stale
    (the one inline computation a page may do)."""
    as_of = as_of or timezone.localdate()
    state = TeacherState.objects.filter(teacher_id=teacher.pk).first()
    if not is_fresh(state, as_of):
        recompute([teacher.pk], as_of=as_of)
        state = TeacherState.objects.filter(teacher_id=teacher.pk).first()
    rows = list(
        TeacherResult.objects.filter(teacher_id=teacher.pk)
        .select_related("binding__node")
        .order_by("binding__valid_from")
    )
    current = binding_in_force(bindings_over(teacher.school), as_of)
    standing = Standing(
        teacher_id=teacher.pk,
        as_of=as_of,
        binding=current,
        result=None,
        error=state.error if state else "",
        computed_at=state.computed_at if state else None,
    )
    for row in rows:
        standing.segments.append(
            Segment(
                binding=row.binding,
                as_of=segment_as_of(row.binding, as_of),
                result=row.result or None,
                error=row.error,
                pending=row.pending or None,
            )
        )
        for rec in (row.result or {}).get("records", []):
            standing.records[rec["id"]] = rec
        for rec in (row.pending or {}).get("records", []):
            standing.pending_records[rec["id"]] = rec
        if current is not None and row.binding_id == current.pk:
            standing.result = row.result or None
            standing.pending = row.pending or None
    return standing


def period_rows(
    *, teachers: QuerySet | Iterable[Teacher], period_type: str, start: dt.date
) -> dict[int, TeacherPeriod]:
    """The stored figures of these teachers for one period (one query), by teacher id;
    teachers without figures in that period are missing (they earned nothing)."""
    ids = teachers.values("pk") if isinstance(teachers, QuerySet) else [t.pk for t in teachers]
    return {
        row.teacher_id: row
        for row in TeacherPeriod.objects.filter(
            teacher_id__in=ids, period_type=period_type, start=start
        )
    }


def stale_ids(teachers: QuerySet | Iterable[Teacher]) -> set[int]:
    """Which of these teachers are waiting for the worker (one query)."""
    ids = teachers.values("pk") if isinstance(teachers, QuerySet) else [t.pk for t in teachers]
    return set(
        TeacherState.objects.filter(teacher_id__in=ids, stale=True).values_list(
            "teacher_id", flat=True
        )
    )


def school_periods(
    *, schools: QuerySet | Iterable[OrgNode], period_type: str, start: dt.date
) -> dict[int, SchoolPeriod]:
    """The stored summaries of these schools for one period (one query), by school id."""
    ids = schools.values("pk") if isinstance(schools, QuerySet) else [s.pk for s in schools]
    return {
        row.school_id: row
        for row in SchoolPeriod.objects.filter(
            school_id__in=ids, period_type=period_type, start=start
        )
    }


def stale_count(*, under: OrgNode) -> int:
    """How many teachers under a node are waiting for the worker (the partial index)."""
    return TeacherState.objects.filter(
        stale=True, teacher__school__path__startswith=under.path
    ).count()


def with_period_figures(
    teachers: QuerySet[Teacher], *, period_type: str, start: dt.date
) -> QuerySet[Teacher]:
    """These teachers with their stored figures for one period joined in (one LEFT JOIN on
    the unique (teacher, period_type, start) row), so a roster filters, sorts and pages by
    standing or credits in the database. Annotations (NULL where the teacher has no row:
    nothing earned in the period): ``period_compliant``, ``period_pending_compliant``,
    ``period_hours``, ``period_credits``, ``period_pending_credits``."""
    return teachers.annotate(
        period_figures=FilteredRelation(
            "period_results",
            condition=Q(period_results__period_type=period_type, period_results__start=start),
        ),
    ).annotate(
        period_compliant=F("period_figures__compliant"),
        period_pending_compliant=F("period_figures__pending_compliant"),
        period_hours=F("period_figures__total_hours"),
        period_credits=F("period_figures__total_credits"),
        period_pending_credits=F("period_figures__pending_credits"),
    )
