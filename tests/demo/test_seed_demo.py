"""seed_demo: the demo world's size, valid ID numbers, a user for every role, audit rows
written by the services, idempotence and determinism."""

from __future__ import annotations

import datetime as dt
import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from xuefen.audit.models import AuditEntry
from xuefen.demo.world import DEMO_PASSWORD, seed
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode, RoleAssignment, Teacher
from xuefen.org.validators import validate_id_number
from xuefen.records.models import Record
from xuefen.results.models import TeacherState
from xuefen.results.selectors import teacher_standing

pytestmark = pytest.mark.db_backend

DEMO_ROLES = {
    Role.TEACHER,
    Role.SCHOOL_ADMIN,
    Role.PRINCIPAL,
    Role.COUNTY_ADMIN,
    Role.CITY_ADMIN,
    Role.PEER_ASSESSOR,
    Role.INSTITUTION,
}


def run(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def check_world(schools: int, teachers: int) -> None:
    assert OrgNode.objects.filter(kind=NodeKind.SCHOOL).count() == schools
    assert OrgNode.objects.filter(kind=NodeKind.COUNTY).count() == 2
    assert OrgNode.objects.filter(kind=NodeKind.GROUP).count() >= 2
    assert set(
        OrgNode.objects.filter(kind=NodeKind.SCHOOL).values_list("school_kind", flat=True)
    ) >= {"primary", "secondary"}
    assert Teacher.objects.count() == teachers
    numbers = list(Teacher.objects.values_list("id_number", flat=True))
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        validate_id_number(number)
    assert set(RoleAssignment.objects.values_list("role", flat=True)) >= DEMO_ROLES
    # Every teacher can log in with the documented password.
    assert all(t.user.check_password(DEMO_PASSWORD) for t in Teacher.objects.all()[:3])
    # The services wrote the audit rows of people and roles; records have theirs too.
    assert AuditEntry.objects.filter(event="role.grant").count() == RoleAssignment.objects.count()
    assert AuditEntry.objects.filter(event="teacher.create").count() == teachers
    assert AuditEntry.objects.filter(event="record.create").count() == Record.objects.count()
    assert Record.objects.count() >= 10 * teachers
    statuses = set(Record.objects.values_list("status", flat=True))
    assert {"certified", "submitted"} <= statuses


def test_small_world_and_idempotence(db: Any) -> None:
    first = run(schools=4, teachers=40)
    assert "40" in first and "t0001" in first and DEMO_PASSWORD in first
    check_world(4, 40)
    records = Record.objects.count()
    again = run(schools=4, teachers=40)
    assert "已经存在" in again and "t0001" in again
    assert Teacher.objects.count() == 40 and Record.objects.count() == records


def test_demo_has_compliant_and_short_teachers_and_an_unapproved_institution(db: Any) -> None:
    run(schools=4, teachers=40)
    # seed_demo leaves every teacher's results fresh: the pages read them at once.
    assert not TeacherState.objects.filter(stale=True).exists()
    assert TeacherState.objects.count() == 40
    standings = {t.pk: teacher_standing(t) for t in Teacher.objects.select_related("school")}
    verdicts = {
        t.user.username: standings[t.pk].period()["compliant"]
        for t in Teacher.objects.select_related("user")
    }
    assert verdicts["t0001"] is True and verdicts["t0002"] is False
    assert 0 < sum(verdicts.values()) < len(verdicts)
    explanations = [r["explanation"] for s in standings.values() for r in s.records.values()]
    assert any("未经" in e and "审批" in e for e in explanations)
    assert any("良" in e or "优" in e for e in explanations)


def test_same_seed_same_world(db: Any) -> None:
    today = dt.date(2026, 6, 30)

    def build() -> list[tuple[str, ...]]:
        with transaction.atomic():
            seed(schools=3, teachers=20, today=today)
            world = list(
                Teacher.objects.order_by("user__username").values_list(
                    "user__username", "name", "id_number"
                )
            )
            # Sorted here: records of one teacher, day and kind tie in any database order.
            # An attendance record names its activity by id, which a database sequence
            # gives: compare the activity by what it is instead.
            world += sorted(
                (
                    r.teacher.user.username,
                    str(r.date),
                    r.kind,
                    str(sorted((k, v) for k, v in r.fields.items() if k != "activity")),
                    r.activity.theme if r.activity_id else "",
                )
                for r in Record.objects.select_related("teacher__user", "activity")
            )
            transaction.set_rollback(True)
        return world

    assert build() == build()


def test_full_demo_under_a_minute(db: Any) -> None:
    started = time.monotonic()
    output = run()
    elapsed = time.monotonic() - started
    check_world(24, 800)
    assert elapsed < 60, elapsed
    assert "county_admin" in output and "school01_admin" in output


def test_a_large_county_shows_the_progress_of_its_results(db: Any, monkeypatch: Any) -> None:
    """Recomputing thousands of teachers takes a while: seed_demo shows it move (from
    PROGRESS_FROM teachers on; any size with -v2)."""
    from xuefen.demo.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "PROGRESS_FROM", 10)
    output = run(schools=2, teachers=12)
    assert output.index("正在生成演示县：2 所学校，12 名教师") < output.index(
        "结果：已计算 12 / 12"
    )
    assert not TeacherState.objects.filter(stale=True).exists()


def test_a_small_county_is_quiet_unless_asked(db: Any) -> None:
    output = run(schools=2, teachers=6)
    assert "结果：已计算" not in output and "正在生成" not in output


def test_verbose_shows_the_progress_of_any_county(db: Any) -> None:
    assert "结果：已计算 6 / 6 名教师" in run(schools=2, teachers=6, verbosity=2)
