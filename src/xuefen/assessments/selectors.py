"""Reading assessments for the pages (through the user's scope or a peer grant)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from xuefen.credits.submissions import SCHOOL_STAFF
from xuefen.org.scoping import restrict, user_grants

from .access import peer_sheets
from .choices import RoundStatus
from .models import SchoolAssessment, Sheet, SheetColumn


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
