"""seed_demo's school-based training: school01's approved plan and activities (closed
ones with attendance and generated records, one today, one tomorrow), the other schools'
submitted or draft plans; the board and the calendar read them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from xuefen.activities.models import Activity, LeaveRequest, Participation, Plan
from xuefen.activities.selectors import plan_period, semester_board, teacher_calendar
from xuefen.audit.models import AuditEntry
from xuefen.demo.world import DEMO_ACTIVITIES, seed
from xuefen.org.models import OrgNode
from xuefen.records.models import Record

pytestmark = pytest.mark.db_backend


@pytest.fixture
def demo(db: Any) -> Any:
    return seed(schools=4, teachers=40)


def test_plans_of_the_demo(demo: Any) -> None:
    assert demo.plans == 4
    today = timezone.localdate()
    statuses = dict(Plan.objects.values_list("school__code", "status"))
    school01 = OrgNode.objects.get(code__endswith="0001", kind="school")
    assert statuses[school01.code] == "approved"
    assert sorted(statuses.values()) == ["approved", "draft", "submitted", "submitted"]
    plan = Plan.objects.get(school=school01)
    period = plan_period(school01, today)
    assert (plan.start, plan.end) == (period.start, period.end)
    assert AuditEntry.objects.filter(event="plan.approve").count() == 1
    assert AuditEntry.objects.filter(event="plan.submit").count() == 3


def test_activities_of_school01(demo: Any) -> None:
    today = timezone.localdate()
    assert demo.activities == len(DEMO_ACTIVITIES) == Activity.objects.count()
    closed = Activity.objects.filter(status="closed")
    assert closed.count() == sum(1 for a in DEMO_ACTIVITIES if a.get("close"))
    # Everyone of a closed activity has a state; attendance and its records were written.
    assert not Participation.objects.filter(activity__in=closed, state="expected").exists()
    assert Participation.objects.filter(activity__in=closed, state="present").exists()
    assert AuditEntry.objects.filter(event="participant.attendance").exists()
    generated = Record.objects.filter(activity__in=closed)
    assert generated.exists() and set(generated.values_list("status", flat=True)) == {"submitted"}
    # One activity today (the sign-in can be tried), one tomorrow with a leave request.
    days = {timezone.localtime(a.starts_at).date() for a in Activity.objects.all()}
    assert today in days and today + dt.timedelta(days=1) in days
    assert LeaveRequest.objects.filter(status="pending").count() == 1


def test_board_and_calendar_read_the_demo(demo: Any) -> None:
    User = get_user_model()
    admin = User.objects.get(username="school01_admin")
    school01 = OrgNode.objects.get(code__endswith="0001", kind="school")
    period = plan_period(school01, timezone.localdate())
    board = semester_board(fetched_by=admin, school=school01, period=period)
    assert board.plan is not None and board.plan.approved
    assert board.totals.held == 4 and board.totals.attendance.rate is not None
    assert board.totals.materials.confirmed == 1 and board.totals.materials.complete == 1
    calendar = teacher_calendar(fetched_by=User.objects.get(username="t0001"))
    assert calendar.upcoming and calendar.months
    assert any(e.records for m in calendar.months for e in m.entries)
