"""Who fills which column of a sheet, and the peer's time-limited view of one school.

Roles of a column (see :mod:`.choices`):

- ``self`` — on a school sheet, the school's own staff (administrator, principal); on a
  teacher sheet, the teacher;
- ``peer`` — the staff of the school the round assigns to evaluate this one (互比互学),
  and only from the first to the last day of the round's peer window;
- the reviewer's column (the sheet file's ``default_column``) and the rectification — on
  a school sheet, the administrators of the round's region (who certify for the school);
  on a teacher sheet, the school's own staff.

A peer assessor reaches the assigned school's sheet and its school-based materials through
:func:`peer_assignment` only: the grant is not a role, gives nothing else of the school
(no roster, no records, no other school), and ends with the window (404 after it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404

from xuefen.credits.submissions import may_act_for_school, may_certify
from xuefen.org.scoping import restrict

from .choices import PEER_COLUMN, SELF_COLUMN
from .models import PeerAssignment, Round, Sheet

RECTIFICATION = "rectification"


def in_window(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    return start is not None and end is not None and start <= day <= end


def column_window(rnd: Any, column: str, reviewer: str) -> tuple[dt.date | None, dt.date | None]:
    """The days ``column`` is entered: self, peer, rectification, else the on-site window
    (the reviewer's column)."""
    if column == SELF_COLUMN:
        return rnd.self_from, rnd.self_to
    if column == PEER_COLUMN:
        return rnd.peer_from, rnd.peer_to
    if column == RECTIFICATION:
        return rnd.rectify_from, rnd.rectify_to
    return rnd.onsite_from, rnd.onsite_to


def reviewer_column(sheet_file: Any) -> str:
    """The reviewer's column of a sheet file (区评, 校评, 县现场考评)."""
    return str(sheet_file.spec.default_column)


def peer_assignment(user: Any, sheet: Sheet, day: dt.date) -> PeerAssignment | None:
    """The assignment that lets ``user`` evaluate ``sheet``'s school today, if any: the
    user is staff of the assessing school and today is inside the peer window."""
    if sheet.teacher_id is not None:
        return None
    rnd = sheet.round
    if not in_window(rnd.peer_from, rnd.peer_to, day):
        return None
    assignment = (
        PeerAssignment.objects.filter(round=rnd, school=sheet.school)
        .select_related("assessor")
        .first()
    )
    if assignment is None or not may_act_for_school(user, assignment.assessor):
        return None
    return assignment


def may_review(user: Any, sheet: Sheet) -> bool:
    """Whether ``user`` fills the reviewer's column (and returns, finalizes, rectifies)."""
    if sheet.teacher_id is not None:
        return may_act_for_school(user, sheet.school)
    return may_certify(user, sheet.school, region=sheet.round.node)


def may_fill(user: Any, sheet: Sheet, column: str, reviewer: str, day: dt.date) -> bool:
    """Whether ``user`` may enter and submit ``column`` of ``sheet`` (windows apart from the
    peer's, which is part of the grant)."""
    if column == SELF_COLUMN:
        if sheet.teacher_id is not None:
            return sheet.teacher.user_id is not None and sheet.teacher.user_id == user.pk
        return may_act_for_school(user, sheet.school)
    if column == PEER_COLUMN:
        return peer_assignment(user, sheet, day) is not None
    if column in (reviewer, RECTIFICATION):
        return may_review(user, sheet)
    return False


def visible_sheet(user: Any, pk: Any, day: dt.date) -> Sheet:
    """The sheet ``pk`` if ``user`` may see it — through their scope (the school's staff,
    the region's, the teacher their own) or a peer grant open today — else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("no such sheet") from None
    base = Sheet.objects.select_related("round", "round__node", "school", "teacher")
    sheet = restrict(base, user, "view").filter(pk=pk).first()
    if sheet is not None:
        return sheet
    sheet = base.filter(pk=pk).first()
    if sheet is not None and peer_assignment(user, sheet, day) is not None:
        return sheet
    raise Http404("no such sheet")


def peer_sheets(user: Any, day: dt.date) -> list[Sheet]:
    """The sheets ``user`` evaluates as a peer today (open windows only): one query,
    whatever the number of rounds and assignments."""
    from django.db.models import Exists, OuterRef, Q

    from xuefen.credits.submissions import SCHOOL_STAFF
    from xuefen.org.scoping import user_grants

    if user is None or not user.is_authenticated or not user.is_active:
        return []
    assignments = PeerAssignment.objects.filter(round__peer_from__lte=day, round__peer_to__gte=day)
    if not user.is_superuser:
        paths = [g.path for g in user_grants(user) if g.role in SCHOOL_STAFF]
        if not paths:
            return []
        mine = Q()
        for path in paths:
            mine |= Q(assessor__path__startswith=path)
        assignments = assignments.filter(mine)
    return list(
        Sheet.objects.filter(
            Exists(assignments.filter(round=OuterRef("round"), school=OuterRef("school"))),
            teacher__isnull=True,
        )
        .select_related("round", "school")
        .order_by("-round__start", "school__path")
    )


def round_for_region(user: Any, pk: Any, action: str = "view") -> Round:
    """A round the user may ``action`` (the region's administrators change it), else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("no such round") from None
    found = restrict(Round.objects.select_related("node"), user, action).filter(pk=pk).first()
    if found is None:
        raise Http404("no such round")
    return found
