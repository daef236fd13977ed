"""A 文成 county for the assessment tests.

County Y (宁洱县) is put under ``wencheng-2018`` from 2018-07-01 (school C with teacher_c and
陈静, and a second school D with 孙丽 to assess C as a peer); each teacher has a certified
school-based training of 12 h in the semester 2018-2019-1. The round uses the bundled
example sheet (three columns: 学校自评, 互比互学考核组考评, 县现场考评; judgement items worth
150 in all), with the notice's windows: self until 01-08, peer 01-09..01-14, on-site
01-09..01-14 (xuefen lets the county score while the peers do), rectification 01-15..01-20.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import id_number

SEMESTER = "2018-2019-1"
START, END = dt.date(2018, 7, 1), dt.date(2018, 12, 31)


class Clock:
    """Today, as the assessment services see it."""

    def __init__(self, monkeypatch: Any) -> None:
        self.day = dt.date(2019, 1, 5)
        import xuefen.assessments.services as services
        import xuefen.assessments.views as views

        monkeypatch.setattr(services, "_today", lambda: self.day)
        monkeypatch.setattr(views.timezone, "localdate", lambda *a, **k: self.day)

    def set(self, day: dt.date) -> None:
        self.day = day


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch)


def values_for(sheet_file: Any, total: float) -> dict[str, float]:
    """Judgement values adding up to ``total`` (filled item by item up to each maximum)."""
    left = total
    out = {}
    for name, item in sheet_file.judgements.items():
        v = min(float(item.max), left)
        out[name] = v
        left -= v
    assert left == 0, "total above the sheet's maximum"
    return out


@pytest.fixture
def wencheng(people: Any, make_record: Any, clock: Clock) -> Any:
    from xuefen.org.choices import Role
    from xuefen.org.services import node_create, policy_bind, role_grant, teacher_create
    from xuefen.results.compute import recompute

    policy_bind(
        actor=people.root, node=people.county_y, policy_id="wencheng-2018", valid_from=START
    )
    people.teacher_c2 = teacher_create(
        actor=people.root,
        school=people.school_c,
        name="陈静",
        id_number=id_number(5, female=True),
        sex="female",
        stage="primary",
        subject="数学",
    )
    people.school_d = node_create(
        actor=people.root,
        parent=people.county_y,
        kind="school",
        name="宁洱二小",
        school_kind="primary",
    )
    people.teacher_d = teacher_create(
        actor=people.root,
        school=people.school_d,
        name="孙丽",
        id_number=id_number(6, female=True),
        sex="female",
        stage="primary",
        subject="语文",
    )
    from django.contrib.auth import get_user_model

    User = get_user_model()
    people.school_admin_c = User.objects.create_user("school_admin_c", password="x")
    role_grant(
        actor=people.root, user=people.school_admin_c, node=people.school_c, role=Role.SCHOOL_ADMIN
    )
    people.school_admin_d = User.objects.create_user("school_admin_d", password="x")
    role_grant(
        actor=people.root, user=people.school_admin_d, node=people.school_d, role=Role.SCHOOL_ADMIN
    )
    for teacher in (people.teacher_c, people.teacher_c2, people.teacher_d):
        make_record(
            teacher,
            date=dt.date(2018, 9, 10),
            fields={"mode": "school_based", "hours": 12, "name": "新课标解读"},
            level="",
            status="certified",
        )
    recompute([people.teacher_c.pk, people.teacher_c2.pk, people.teacher_d.pk], as_of=clock.day)
    return people


@pytest.fixture
def round_(wencheng: Any, clock: Any) -> Any:
    from xuefen.assessments.services import peer_assign, round_create, round_open

    rnd = round_create(
        actor=wencheng.county_y_admin,
        node=wencheng.county_y,
        title="2018学年第一学期校本研修考核",
        sheet_id="wencheng-school-example",
        period_type="semester",
        start=START,
        end=END,
        label=SEMESTER,
        self_from=dt.date(2019, 1, 2),
        self_to=dt.date(2019, 1, 8),
        peer_from=dt.date(2019, 1, 9),
        peer_to=dt.date(2019, 1, 14),
        onsite_from=dt.date(2019, 1, 9),
        onsite_to=dt.date(2019, 1, 14),
        rectify_from=dt.date(2019, 1, 15),
        rectify_to=dt.date(2019, 1, 20),
    )
    peer_assign(
        actor=wencheng.county_y_admin, rnd=rnd, assessor=wencheng.school_d, school=wencheng.school_c
    )
    return round_open(actor=wencheng.county_y_admin, rnd=rnd)
