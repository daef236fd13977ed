"""The teacher's calendar (activities:calendar, selectors.teacher_calendar): coming
activities of their own school with their role, leave and sign-in link; past attendance
by month with the records generated; nothing of another school; a fixed query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .test_board_support import activity, generated, plan


def _url_exists(name: str, *args: Any) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


@pytest.fixture
def world(people: Any) -> dict[str, Any]:
    """School A's activities for teacher_a: one tomorrow (a role, a pending leave), one
    under way (sign-in open), one cancelled next week, two past closed ones (present with
    records; absent), and one tomorrow teacher_a is not in; school B's activity tomorrow
    (teacher_b, and — wrongly — teacher_a)."""
    from xuefen.activities.models import ActivityRole, LeaveRequest

    p = people
    a, a2, b = p.teacher_a, p.teacher_a2, p.teacher_b
    now = timezone.now()
    today = timezone.localdate()
    the_plan = plan(p.school_a, today - dt.timedelta(days=80), today + dt.timedelta(days=80))
    tomorrow = activity(
        p.school_a,
        now + dt.timedelta(days=1),
        theme="明日的集体备课",
        plan=the_plan,
        presenter=a2,
        attendance={a: "expected", a2: "expected"},
    )
    ActivityRole.objects.create(activity=tomorrow, teacher=a, role="review")
    LeaveRequest.objects.create(activity=tomorrow, teacher=a, reason="外出培训")
    running = activity(
        p.school_a,
        now - dt.timedelta(minutes=20),
        theme="正在进行的听课评课",
        attendance={a: "expected"},
    )
    soon = activity(
        p.school_a,
        now + dt.timedelta(days=3),
        theme="三天后的课题研究",
        plan=the_plan,
        attendance={a: "expected"},
    )
    cancelled = activity(
        p.school_a,
        now + dt.timedelta(days=7),
        theme="取消的读书交流",
        status="cancelled",
        attendance={a: "expected"},
    )
    past = activity(
        p.school_a,
        now - dt.timedelta(days=40),
        theme="上月的专题研讨",
        status="closed",
        plan=the_plan,
        hours="2.5",
        attendance={a: "present", a2: "absent"},
    )
    generated(a, past)
    generated(a, past, kind="training", fields={"name": "x", "mode": "school_based"})
    generated(a2, past, fields={"name": "x", "status": "absent"})
    missed = activity(
        p.school_a,
        now - dt.timedelta(days=3),
        theme="缺席的磨课",
        status="closed",
        attendance={a: "absent"},
    )
    not_mine = activity(
        p.school_a, now + dt.timedelta(days=1), theme="别人的活动", attendance={a2: "expected"}
    )
    other_school = activity(
        p.school_b,
        now + dt.timedelta(days=1),
        theme="二小的活动",
        attendance={b: "expected", a: "expected"},
    )
    return {
        "tomorrow": tomorrow,
        "running": running,
        "soon": soon,
        "cancelled": cancelled,
        "past": past,
        "missed": missed,
        "not_mine": not_mine,
        "other_school": other_school,
    }


def test_calendar_selector(people: Any, world: dict[str, Any]) -> None:
    from xuefen.activities.selectors import teacher_calendar

    cal = teacher_calendar(fetched_by=people.teacher_a.user)
    assert cal is not None and cal.teacher_pk == people.teacher_a.pk
    w = world
    assert [e.pk for e in cal.upcoming] == [
        w[k].pk for k in ("running", "tomorrow", "soon", "cancelled")
    ]
    running, tomorrow, soon, cancelled = cal.upcoming
    assert soon.may_request_leave and soon.roles == [] and soon.state == "expected"
    assert running.sign_open and not tomorrow.sign_open and not cancelled.sign_open
    assert tomorrow.roles == ["评课议课"] or tomorrow.roles[0].startswith("Reviewing")
    assert tomorrow.presenter == "李强" and tomorrow.earns and not running.earns
    assert tomorrow.leave_status == "pending" and not tomorrow.may_request_leave
    # Leave is asked for before the start: not for the activity under way.
    assert not running.may_request_leave and not cancelled.may_request_leave
    assert cancelled.cancelled
    past = [e for m in cal.months for e in m.entries]
    assert [e.pk for e in past] == [w["missed"].pk, w["past"].pk]
    missed, last_month = past
    assert missed.state == "absent" and missed.records == []
    assert last_month.state == "present"
    assert sorted(r.kind for r in last_month.records) == ["activity_attendance", "training"]
    assert {r.status for r in last_month.records} == {"submitted"}
    # Hours attended by month: the present activity's 2.5 h only.
    assert sum(m.hours for m in cal.months) == 2.5


def test_calendar_other_school(people: Any, world: dict[str, Any]) -> None:
    from xuefen.activities.selectors import teacher_calendar

    cal = teacher_calendar(fetched_by=people.teacher_b.user)
    assert [e.pk for e in cal.upcoming] == [world["other_school"].pk]
    assert cal.months == []
    cal = teacher_calendar(fetched_by=people.teacher_c.user)
    assert cal.upcoming == [] and cal.months == []
    assert teacher_calendar(fetched_by=people.school_admin_a) is None


def test_calendar_page(client: Any, people: Any, world: dict[str, Any]) -> None:
    client.force_login(people.teacher_a.user)
    response = client.get(reverse("activities:calendar"))
    assert response.status_code == 200
    html = response.content.decode()
    for theme in (
        "明日的集体备课",
        "正在进行的听课评课",
        "取消的读书交流",
        "上月的专题研讨",
        "缺席的磨课",
    ):
        assert theme in html
    for theme in ("别人的活动", "二小的活动"):
        assert theme not in html
    running, tomorrow = world["running"], world["tomorrow"]
    if _url_exists("activities:my_code", running.pk):
        assert reverse("activities:my_code", args=[running.pk]) in html
        assert reverse("activities:my_code", args=[tomorrow.pk]) not in html
    if _url_exists("activities:leave_new", running.pk):
        # A leave already asked for: no second link; none once the activity has begun.
        assert reverse("activities:leave_new", args=[tomorrow.pk]) not in html
        assert reverse("activities:leave_new", args=[running.pk]) not in html
        assert reverse("activities:leave_new", args=[world["soon"].pk]) in html
    if _url_exists("activities:detail", tomorrow.pk):
        assert reverse("activities:detail", args=[tomorrow.pk]) in html
        assert reverse("activities:detail", args=[world["not_mine"].pk]) not in html


def test_calendar_refusals(client: Any, people: Any, world: dict[str, Any]) -> None:
    url = reverse("activities:calendar")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(people.nobody)
    assert client.get(url).status_code == 403
    # Staff without a teacher profile have no calendar.
    client.force_login(people.school_admin_a)
    assert client.get(url).status_code == 404
    # teacher_b sees school B's activity only.
    client.force_login(people.teacher_b.user)
    html = client.get(url).content.decode()
    assert "二小的活动" in html and "明日的集体备课" not in html and "上月的专题研讨" not in html


def _grow(people: Any, n: int) -> None:
    from xuefen.activities.models import ActivityRole, LeaveRequest

    now = timezone.now()
    a = people.teacher_a
    for i in range(n):
        coming = activity(
            people.school_a,
            now + dt.timedelta(days=2 + i),
            attendance={a: "expected"},
            presenter=people.teacher_a2,
        )
        ActivityRole.objects.create(activity=coming, teacher=a, role="keynote")
        LeaveRequest.objects.create(activity=coming, teacher=a, reason="病假")
        done = activity(
            people.school_a,
            now - dt.timedelta(days=5 + 9 * i),
            status="closed",
            attendance={a: "present"},
        )
        generated(a, done)


def test_calendar_queries_do_not_grow(client: Any, people: Any, world: dict[str, Any]) -> None:
    client.force_login(people.teacher_a.user)
    url = reverse("activities:calendar")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _grow(people, 15)
    large = count()
    assert large == small, (small, large)
    assert small <= 15, small


def test_calendar_selector_queries(
    people: Any, world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from xuefen.activities.selectors import teacher_calendar

    _grow(people, 10)
    with django_assert_max_num_queries(7):  # six, and the user's roles
        cal = teacher_calendar(fetched_by=people.teacher_a.user)
    assert len(cal.upcoming) == 14
