"""Reading assessments for the pages (through the user's scope or a peer grant)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from xuefen.credits.submissions import SCHOOL_STAFF
from xuefen.org.scoping import restrict, user_grants

from .access import peer_sheets
from .choices import RoundStatus
from .models import PeerAssignment, Round, SchoolAssessment, Sheet, SheetColumn


def staff_school_paths(user: Any) -> list[str]:
    """The paths of the schools where ``user`` is school staff."""
    return [g.path for g in user_grants(user) if g.role in SCHOOL_STAFF]


def my_sheets(user: Any, day: dt.date) -> dict[str, list[Sheet]]:
    """The sheets a user has to do with in open rounds: their school's own (or their own,
    for a teacher) and those their school evaluates as a peer today."""
    paths = staff_school_paths(user)
    own_q = Q(teacher__user=user)
    if paths:
        school_q = Q()
        for path in paths:
            school_q |= Q(school__path=path)
        own_q |= school_q & Q(teacher__isnull=True)
    own = list(
        restrict(Sheet.objects.select_related("round", "school", "teacher"), user, "view")
        .filter(own_q, round__status__in=[RoundStatus.OPEN, RoundStatus.CLOSED])
        .order_by("-round__start", "school__path")[:100]
    )
    return {"own": own, "peer": peer_sheets(user, day)}


def columns_of(sheet: Sheet) -> dict[str, SheetColumn]:
    return {c.column: c for c in SheetColumn.objects.filter(sheet=sheet)}


def result_of(sheet: Sheet) -> SchoolAssessment | None:
    if sheet.teacher_id is not None:
        return None
    rnd = sheet.round
    return SchoolAssessment.objects.filter(
        school=sheet.school, period_type=rnd.period_type, start=rnd.start
    ).first()


# -- the county's pages ----------------------------------------------------------------


def managed_regions(user: Any) -> list[Any]:
    """The regions (not schools) whose rounds ``user`` manages, shallowest first."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode

    return list(
        restrict(OrgNode, user, "manage").exclude(kind=NodeKind.SCHOOL).order_by("path")[:50]
    )


def region_rounds(user: Any, node: Any) -> list[Round]:
    """The rounds of ``node`` the user manages, newest first."""
    return list(
        restrict(Round.objects.select_related("node"), user, "manage")
        .filter(node=node)
        .order_by("-start", "-pk")[:200]
    )


@dataclass
class BoardRow:
    """One school of a round's board: its sheet, columns, result and peer assessor."""

    school: Any
    sheet: Sheet
    columns: dict[str, SheetColumn] = field(default_factory=dict)
    result: SchoolAssessment | None = None
    assessor: Any = None
    columns_list: list[SheetColumn | None] = field(default_factory=list)

    def column_cells(self, ids: list[str]) -> list[SheetColumn | None]:
        return [self.columns.get(c) for c in ids]


def round_board(rnd: Round, *, offset: int = 0, limit: int = 100) -> tuple[list[BoardRow], int]:
    """The round's school sheets (a page of them, by the school's place in the tree) with
    their columns, results and peer assessors: four queries, whatever the number of
    schools; and how many sheets the round has. A teacher round: its teachers' sheets."""
    teachers = rnd.subject == "teacher"
    base = Sheet.objects.filter(round=rnd, teacher__isnull=not teachers)
    count = base.count()
    sheets = list(
        base.select_related("school", "teacher").order_by("school__path", "teacher__name", "pk")[
            offset : offset + limit
        ]
    )
    rows = {s.pk: BoardRow(school=s.school, sheet=s) for s in sheets}
    for col in SheetColumn.objects.filter(sheet_id__in=list(rows)).only(
        "pk", "sheet_id", "column", "status", "total"
    ):
        rows[col.sheet_id].columns[col.column] = col
    if teachers:  # a teacher's sheet has no school result nor peer
        return list(rows.values()), count
    by_school = {r.school.pk: r for r in rows.values()}
    for result in SchoolAssessment.objects.filter(
        school_id__in=list(by_school), period_type=rnd.period_type, start=rnd.start
    ):
        by_school[result.school_id].result = result
    for assignment in PeerAssignment.objects.filter(
        round=rnd, school_id__in=list(by_school)
    ).select_related("assessor"):
        by_school[assignment.school_id].assessor = assignment.assessor
    return list(rows.values()), count


def round_schools(rnd: Round) -> Any:
    """The schools of a round's region (for the peer assignment's choices)."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode

    return OrgNode.objects.filter(kind=NodeKind.SCHOOL, path__startswith=rnd.node.path).order_by(
        "path"
    )


# -- a school's result, for the teacher's page ------------------------------------------


def school_result_for(school_id: Any, period_type: str, start: dt.date) -> SchoolAssessment | None:
    """The school's stored assessment result of the period (one query), if any."""
    if school_id is None or not period_type or start is None:
        return None
    return (
        SchoolAssessment.objects.filter(school_id=school_id, period_type=period_type, start=start)
        .only("pk", "school_id", "score", "rectification_score", "passed", "explanation", "label")
        .first()
    )


# -- what a peer may read of the assessed school ----------------------------------------


def school_materials(sheet: Sheet) -> list[Any]:
    """The assessed school's activities held in the round's period with their materials
    (two queries): what the peer reads beside the sheet."""
    from django.db.models import Prefetch

    from xuefen.activities.choices import ActivityStatus
    from xuefen.activities.models import Activity, Material

    rnd = sheet.round
    return list(
        Activity.objects.filter(
            school_id=sheet.school_id,
            starts_at__date__gte=rnd.start,
            starts_at__date__lte=rnd.end,
        )
        .exclude(status=ActivityStatus.CANCELLED)
        .only("pk", "theme", "starts_at", "hours", "type", "status", "school_id")
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=Material.objects.only(
                    "pk", "activity_id", "kind", "name", "size"
                ).order_by("kind", "pk"),
            )
        )
        .order_by("starts_at", "pk")[:500]
    )


def sheet_material(sheet: Sheet, pk: Any) -> Any:
    """A material of an activity of ``sheet``'s school held in the round's period, or None."""
    from xuefen.activities.models import Material

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    rnd = sheet.round
    return (
        Material.objects.filter(
            pk=pk,
            activity__school_id=sheet.school_id,
            activity__starts_at__date__gte=rnd.start,
            activity__starts_at__date__lte=rnd.end,
        )
        .select_related("activity")
        .first()
    )
