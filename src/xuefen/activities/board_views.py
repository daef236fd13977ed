"""Pages for people: the teacher's calendar of school-based activities (coming ones, past
attendance by month) and the school's semester board (the plan; per subject group the
activities held against the requirement, material completeness, attendance rate).

Both read one selector each (:func:`~xuefen.activities.selectors.teacher_calendar`,
:func:`~xuefen.activities.selectors.semester_board`) through the user's scope; a school
out of reach is a 404. Links to the other parts' pages (an activity, a leave request, the
personal sign-in code, a plan) appear only where those pages exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.generic import View

from xuefen.org.scoping import can, get_scoped_or_404
from xuefen.portal.access import PortalAccessMixin
from xuefen.records.choices import STATUS_COLORS

from .choices import ATTENDANCE_COLORS, LeaveStatus, PlanStatus
from .selectors import (
    board_schools,
    parse_plan_period,
    plan_periods,
    semester_board,
    teacher_calendar,
)

# Primary keys are 64-bit: a larger number is no id.
_PK_MAX = 2**63 - 1
# Schools listed for a county's staff to pick from.
SCHOOL_LIST_MAX = 500

PLAN_COLORS = {
    PlanStatus.DRAFT: "gray",
    PlanStatus.SUBMITTED: "orange",
    PlanStatus.APPROVED: "green",
    PlanStatus.RETURNED: "red",
}
LEAVE_COLORS = {
    LeaveStatus.PENDING: "orange",
    LeaveStatus.APPROVED: "blue",
    LeaveStatus.REFUSED: "red",
}
MATERIAL_COLORS = {"confirmed": "green", "complete": "teal", "missing": "orange"}


class _Links:
    """URLs of other parts' pages by name, or None where the page does not exist (the
    parts are built side by side; a missing one drops its link, never a 500)."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}

    def __call__(self, name: str, *args: Any) -> str | None:
        if self._known.get(name) is False:
            return None
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            self._known[name] = False
            return None
        self._known[name] = True
        return url


# -- the teacher's calendar --------------------------------------------------------------


class CalendarView(PortalAccessMixin, View):
    """``/activities/calendar/``: the teacher's coming activities (when, where, theme,
    type, presenter, their role; a leave link; their sign-in code while the sign-in is
    open) and past attendance by month (hours, records generated and their review)."""

    def get(self, request: Any) -> HttpResponse:
        calendar = teacher_calendar(fetched_by=request.user, now=timezone.now())
        if calendar is None:
            raise Http404("no teacher profile")
        link = _Links()
        for entry in [*calendar.upcoming, *(e for m in calendar.months for e in m.entries)]:
            entry.state_color = ATTENDANCE_COLORS.get(entry.state, "gray")  # type: ignore[attr-defined]
            entry.leave_color = LEAVE_COLORS.get(entry.leave_status, "gray")  # type: ignore[attr-defined]
            entry.detail_url = link("activities:detail", entry.pk)  # type: ignore[attr-defined]
            entry.leave_url = (  # type: ignore[attr-defined]
                link("activities:leave_new", entry.pk) if entry.may_request_leave else None
            )
            entry.code_url = (  # type: ignore[attr-defined]
                link("activities:my_code", entry.pk) if entry.sign_open else None
            )
            entry.record_rows = [  # type: ignore[attr-defined]
                (record, STATUS_COLORS.get(record.status, "gray")) for record in entry.records
            ]
        return render(
            request,
            "activities/calendar.html",
            {"calendar": calendar, "today": timezone.localdate()},
        )


# -- the school's semester board ---------------------------------------------------------


class BoardView(PortalAccessMixin, View):
    """``/activities/board/`` (``?school=``, ``?period=plan_semester:2026-09-01``;
    default: the user's school, the current semester): the school's semester of
    school-based training. School administrators and principals see their school; a
    county's staff pick a school of the county."""

    def get(self, request: Any) -> HttpResponse:
        user = request.user
        schools = board_schools(fetched_by=user)
        school_id = request.GET.get("school", "")
        if school_id:
            if not school_id.isdigit() or int(school_id) > _PK_MAX:
                raise Http404("no such school")
            school = get_scoped_or_404(schools, user, "review", pk=int(school_id))
        else:
            picked = list(schools[:2])
            if not picked:
                raise Http404("no school whose board you keep")
            if len(picked) > 1:
                return render(
                    request,
                    "activities/board_schools.html",
                    {"schools": list(schools[:SCHOOL_LIST_MAX])},
                )
            school = picked[0]
        today = timezone.localdate()
        periods = plan_periods(school, today=today)
        if not periods:
            raise Http404("no policy at this school")
        key = request.GET.get("period")
        period = (parse_plan_period(school, key) if key else None) or periods[0]
        if all(p.key != period.key for p in periods):
            periods.append(period)
        board = semester_board(fetched_by=user, school=school, period=period)
        link = _Links()
        for activity in board.activities:
            activity.detail_url = link("activities:detail", activity.pk)  # type: ignore[attr-defined]
            activity.materials_color = MATERIAL_COLORS[activity.materials_state]  # type: ignore[attr-defined]
        plan_url = None
        if board.plan is not None:
            plan_url = link("activities:plan_detail", board.plan.pk) or link(
                "activities:plan", board.plan.pk
            )
        return render(
            request,
            "activities/board.html",
            {
                "school": school,
                "board": board,
                "period": period,
                "periods": periods,
                "today": today,
                "plan_color": PLAN_COLORS.get(board.plan.status, "gray") if board.plan else "",
                "plan_url": plan_url,
                "activity_new_url": link("activities:new") if can(user, "change", school) else None,
                "show_school_param": bool(school_id),
            },
        )


urlpatterns: list = [
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("board/", BoardView.as_view(), name="board"),
]
