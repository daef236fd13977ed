"""The school's semester board (activities:board, selectors.semester_board): figures of a
small world worked out by hand, who may open it, and a query count that does not grow
with the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .test_board_support import activity, at, plan

# The plan semester of 普洱 (anchors 09-01 and 03-01) that holds 2026-04-15.
SPRING = dt.date(2026, 3, 1)
KEY = "plan_semester:2026-03-01"


@pytest.fixture
def world(people: Any) -> dict[str, Any]:
    """School A with two subject groups (语文 with a lesson group beneath it, 数学),
    teacher_a in 语文 and teacher_a2 in 数学, and the spring semester's activities:

    ==  =============  =========  ================================  ========================
        groups         status     materials                         attendance (a, a2)
    ==  =============  =========  ================================  ========================
    A1  语文            closed     plan, process, summary; confirmed  present, absent
    A2  七年级备课组     closed     plan, summary                     leave, makeup
    A3  数学            closed     plan, process, summary            present, present
    A4  数学            planned    —                                 expected, expected
    A5  语文 + 数学      closed     —                                 present, expected
    A6  (none)         closed     —                                 present
    A7  语文            cancelled  —                                 —
    A8  语文 (补课 A1)   closed     —                                 a2 present
    ==  =============  =========  ================================  ========================

    and, not counted: a closed 语文 activity in February (the semester before) and a
    closed activity of school B."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import Teacher
    from xuefen.org.services import node_create

    p = people
    chinese = p.subject_group_a
    maths = node_create(
        actor=p.root, parent=p.school_a, kind=NodeKind.SUBJECT_GROUP, name="数学教研组"
    )
    grade7 = node_create(
        actor=p.root, parent=chinese, kind=NodeKind.LESSON_GROUP, name="七年级语文备课组"
    )
    Teacher.objects.filter(pk=p.teacher_a.pk).update(group=chinese)
    Teacher.objects.filter(pk=p.teacher_a2.pk).update(group=maths)
    a, a2 = p.teacher_a, p.teacher_a2
    the_plan = plan(p.school_a, SPRING, dt.date(2026, 8, 31))
    files = ("plan", "process", "summary")
    day = dt.date(2026, 3, 10)

    def on(n: int) -> dt.datetime:
        return at(day + dt.timedelta(days=7 * n))

    acts = {
        "A1": activity(
            p.school_a,
            on(0),
            groups=(chinese,),
            status="closed",
            plan=the_plan,
            materials=files,
            confirmed=True,
            attendance={a: "present", a2: "absent"},
        ),
        "A2": activity(
            p.school_a,
            on(1),
            groups=(grade7,),
            status="closed",
            plan=the_plan,
            materials=("plan", "summary", "photo"),
            attendance={a: "leave", a2: "makeup"},
        ),
        "A3": activity(
            p.school_a,
            on(2),
            groups=(maths,),
            status="closed",
            plan=the_plan,
            materials=files,
            attendance={a: "present", a2: "present"},
        ),
        "A4": activity(
            p.school_a,
            on(3),
            groups=(maths,),
            plan=the_plan,
            attendance={a: "expected", a2: "expected"},
        ),
        "A5": activity(
            p.school_a,
            on(4),
            groups=(chinese, maths),
            status="closed",
            plan=the_plan,
            attendance={a: "present", a2: "expected"},
        ),
        "A6": activity(
            p.school_a, on(5), status="closed", plan=the_plan, attendance={a: "present"}
        ),
        "A7": activity(p.school_a, on(6), groups=(chinese,), status="cancelled"),
    }
    acts["A8"] = activity(
        p.school_a,
        on(7),
        groups=(chinese,),
        status="closed",
        makeup_of=acts["A1"],
        attendance={a2: "present"},
    )
    activity(
        p.school_a,
        at(dt.date(2026, 2, 20)),
        groups=(chinese,),
        status="closed",
        materials=files,
        attendance={a: "absent"},
    )
    activity(p.school_b, on(1), status="closed", attendance={p.teacher_b: "absent"})
    return {"chinese": chinese, "maths": maths, "acts": acts, "plan": the_plan}


def _board(people: Any, user: Any = None) -> Any:
    from xuefen.activities.selectors import parse_plan_period, semester_board

    period = parse_plan_period(people.school_a, KEY)
    assert period is not None and period.start == SPRING and period.end == dt.date(2026, 8, 31)
    return semester_board(
        fetched_by=user or people.school_admin_a, school=people.school_a, period=period
    )


def test_board_figures(people: Any, world: dict[str, Any]) -> None:
    board = _board(people)
    assert board.required_per_group == 3
    assert board.plan is not None and board.plan.approved and board.plan.pk == world["plan"].pk
    chinese, maths = board.groups
    assert (chinese.name, maths.name) == ("语文教研组", "数学教研组")

    # 语文: A1, A2 (its lesson group), A5 held; A7 cancelled; A8 a make-up session.
    assert (chinese.held, chinese.planned, chinese.cancelled) == (3, 0, 1)
    assert chinese.met and chinese.shortfall == 0
    m = chinese.materials
    assert (m.confirmed, m.complete, m.missing) == (1, 0, 2)  # A1 | A2 (process), A5 (all)
    # present 2 (A1, A5) + makeup 1 (A2) of 6 participations.
    t = chinese.attendance
    assert (t.present, t.makeup, t.leave, t.absent, t.pending) == (2, 1, 1, 1, 1)
    assert t.rate == Decimal("50.0")

    # 数学: A3, A5 held, A4 planned: one short.
    assert (maths.held, maths.planned, maths.shortfall, maths.met) == (2, 1, 1, False)
    m = maths.materials
    assert (m.confirmed, m.complete, m.missing) == (0, 1, 1)  # A3 complete, A5 missing
    assert (maths.attendance.attended, maths.attendance.expected) == (3, 4)
    assert maths.attendance.rate == Decimal("75.0")

    # The whole school's A6.
    assert board.ungrouped.held == 1 and board.ungrouped.attendance.rate == Decimal("100.0")

    # Totals count each activity once: A1 A2 A3 A5 A6 held.
    totals = board.totals
    assert (totals.held, totals.planned, totals.cancelled, totals.required) == (5, 1, 1, 6)
    assert board.makeups == 1
    m = totals.materials
    assert (m.confirmed, m.complete, m.missing) == (1, 1, 3)
    # 1/2 + 1/2 + 2/2 + 1/2 + 1/1 = 6/9 = 66.66…%, cut to 66.6.
    assert (totals.attendance.attended, totals.attendance.expected) == (6, 9)
    assert totals.attendance.rate == Decimal("66.6")
    assert board.shortfall == 1
    assert board.sheet_inputs() == {
        "subject_groups": 2,
        "missing_activities": 1,
        "incomplete_activities": 3,
    }
    a2 = next(x for x in board.activities if x.pk == world["acts"]["A2"].pk)
    assert a2.materials_state == "missing" and a2.missing_materials == ["process"]
    assert [x.pk for x in board.activities] == [
        world["acts"][k].pk for k in ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8")
    ]


def test_board_without_plan_or_activities(people: Any) -> None:
    board = _board(people)
    assert board.plan is None
    assert [g.name for g in board.groups] == ["语文教研组"]
    assert board.groups[0].held == 0 and board.groups[0].shortfall == 3
    assert board.totals.attendance.rate is None
    assert board.activities == []


def test_board_page(client: Any, people: Any, world: dict[str, Any]) -> None:
    client.force_login(people.school_admin_a)
    response = client.get(reverse("activities:board"), {"period": KEY})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="total-held">5<' in html
    assert 'id="total-rate">66.6%<' in html
    assert "语文教研组" in html and "数学教研组" in html
    assert "七年级语文备课组" in html  # A2's group, in the list of activities
    assert reverse("activities:new") in html  # the administrator plans activities
    assert response.context["board"].totals.held == 5
    # The picker offers the semesters; an unknown key shows the current semester.
    response = client.get(reverse("activities:board"), {"period": "plan_semester:2026-03-02"})
    assert response.status_code == 200
    assert response.context["period"].key == response.context["periods"][0].key
    response = client.get(reverse("activities:board"), {"period": "year:2026-01-01"})
    assert response.status_code == 200


@pytest.mark.parametrize("user", ["school_admin_a", "principal_a"])
def test_board_school_staff(client: Any, people: Any, user: str) -> None:
    client.force_login(getattr(people, user))
    response = client.get(reverse("activities:board"))
    assert response.status_code == 200
    assert response.context["board"].school_pk == people.school_a.pk
    # The administrator plans activities; the principal signs, and plans none.
    assert (reverse("activities:new") in response.content.decode()) == (user == "school_admin_a")


def test_board_refusals(client: Any, people: Any, world: dict[str, Any]) -> None:
    url = reverse("activities:board")
    a = people.school_a.pk
    # Anonymous: to the login page.
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    # No role: 403.
    client.force_login(people.nobody)
    assert client.get(url).status_code == 403
    # A teacher keeps no board: 404, with or without a school.
    client.force_login(people.teacher_a.user)
    assert client.get(url).status_code == 404
    assert client.get(url, {"school": a}).status_code == 404
    # A peer assessor sees the school but reviews nothing there.
    client.force_login(people.peer_assessor)
    assert client.get(url, {"school": a}).status_code == 404
    # Another school's administrator: 404 for school A, their own board otherwise.
    client.force_login(people.school_admin_b)
    assert client.get(url, {"school": a}).status_code == 404
    response = client.get(url, {"period": KEY})
    assert response.status_code == 200
    assert response.context["board"].school_pk == people.school_b.pk
    assert response.context["board"].totals.held == 1
    # Another county's administrator: 404.
    client.force_login(people.county_y_admin)
    assert client.get(url, {"school": a}).status_code == 404
    # Bad ids are no ids.
    client.force_login(people.school_admin_a)
    for bad in ("x", "-1", "99999999999999999999999", "1.5"):
        assert client.get(url, {"school": bad}).status_code == 404


def test_board_county_admin(client: Any, people: Any, world: dict[str, Any]) -> None:
    url = reverse("activities:board")
    client.force_login(people.county_admin)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"?school={people.school_a.pk}" in html and f"?school={people.school_b.pk}" in html
    assert f"?school={people.school_c.pk}" not in html
    response = client.get(url, {"school": people.school_a.pk, "period": KEY})
    assert response.status_code == 200
    assert response.context["board"].totals.held == 5
    html = response.content.decode()
    assert f'name="school" value="{people.school_a.pk}"' in html  # the picker keeps it


def _grow(people: Any, world: dict[str, Any], n: int) -> None:
    """``n`` more closed activities of new groups, each with materials, participants and a
    leave, in the spring semester."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.services import node_create

    for i in range(n):
        group = node_create(
            actor=people.root, parent=people.school_a, kind=NodeKind.SUBJECT_GROUP, name=f"组{i}"
        )
        activity(
            people.school_a,
            at(dt.date(2026, 4, 1) + dt.timedelta(days=i)),
            groups=(group, world["chinese"]),
            status="closed",
            plan=world["plan"],
            materials=("plan", "summary"),
            attendance={people.teacher_a: "present", people.teacher_a2: "leave"},
        )


def test_board_queries_do_not_grow(client: Any, people: Any, world: dict[str, Any]) -> None:
    client.force_login(people.school_admin_a)
    url = reverse("activities:board")
    client.get(url, {"period": KEY})  # warm caches (policy file, session)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"period": KEY})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _grow(people, world, 12)
    large = count()
    assert large == small, (small, large)
    print("board queries", small)
    assert small <= 25, small


def test_board_selector_queries(
    people: Any, world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    _grow(people, world, 8)
    with django_assert_max_num_queries(10):
        board = _board(people)
    assert board.totals.held == 5 + 8 and len(board.groups) == 2 + 8
