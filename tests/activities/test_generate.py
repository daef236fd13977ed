"""Closing an activity generates the records: attendance, school-based hours (counting
only under an approved plan, and only where the policy does not count the attendance
itself), roles; closing twice generates nothing twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xuefen.activities.choices import ActivityStatus, Attendance
from xuefen.activities.generate import attendance_counts_hours
from xuefen.activities.models import Participation
from xuefen.activities.services import activity_close, attendance_set, role_assign
from xuefen.audit.choices import Event
from xuefen.records.choices import RecordSource, RecordStatus
from xuefen.records.models import Record

from .test_activities_support import audit_rows, make_activity, make_plan


def _records(activity, teacher=None):
    rows = Record.objects.filter(activity=activity)
    if teacher is not None:
        rows = rows.filter(teacher=teacher)
    return {r.origin_key: r for r in rows}


def _present(people, activity, teacher):
    row = Participation.objects.get(activity=activity, teacher=teacher)
    return attendance_set(
        actor=people.school_admin_a, participation=row, state="present", reason="纸质签到表"
    )


def test_close_generates_attendance_training_and_roles(people):
    plan = make_plan(people, status="approved")
    activity = make_activity(people, plan=plan, hours="2.5")
    _present(people, activity, people.teacher_a)
    role_assign(
        actor=people.school_admin_a, activity=activity, teacher=people.teacher_a, role="teacher"
    )
    role_assign(
        actor=people.school_admin_a, activity=activity, teacher=people.teacher_a2, role="review"
    )

    closed = activity_close(actor=people.school_admin_a, activity=activity)

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED and activity.closed_at is not None
    assert closed.absent == 1  # teacher_a2 never signed in
    a2 = Participation.objects.get(activity=activity, teacher=people.teacher_a2)
    assert a2.state == Attendance.ABSENT
    mine = _records(activity, people.teacher_a)
    key = f"activity:{activity.pk}"
    assert set(mine) == {f"{key}:attendance", f"{key}:training", f"{key}:role:teacher"}
    attendance = mine[f"{key}:attendance"]
    assert attendance.kind == "activity_attendance"
    assert attendance.fields == {
        "status": "present",
        "activity": str(activity.pk),
        "hours": 2.5,
        "name": activity.theme,
    }
    training = mine[f"{key}:training"]
    assert training.kind == "training"
    assert training.fields == {
        "mode": "school_based",
        "module": "school_based",
        "hours": 2.5,
        "name": activity.theme,
        "school_based_category": "activity",
    }
    assert mine[f"{key}:role:teacher"].kind == "open_class"
    for record in Record.objects.filter(activity=activity):
        assert record.source == RecordSource.ATTENDANCE
        assert record.status == RecordStatus.SUBMITTED
        assert record.date == activity.starts_at.astimezone().date() or record.date
    theirs = _records(activity, people.teacher_a2)
    # Absent: the attendance record says so, no hours; the review role still counts.
    assert set(theirs) == {f"{key}:attendance", f"{key}:role:review"}
    assert theirs[f"{key}:attendance"].fields["status"] == "absent"
    assert theirs[f"{key}:role:review"].fields["role"] == "review"
    close_rows = audit_rows(Event.ACTIVITY_CLOSE, activity)
    assert len(close_rows) == 1
    assert close_rows[0].new_values["absent"] == 1
    assert close_rows[0].new_values["records"] == 5
    # The generated records are created through the records' service: audited each.
    assert len(audit_rows(Event.RECORD_CREATE)) == 5


def test_closing_twice_generates_nothing_twice(people):
    activity = make_activity(people, plan=make_plan(people))
    _present(people, activity, people.teacher_a)
    activity_close(actor=people.school_admin_a, activity=activity)
    count = Record.objects.filter(activity=activity).count()

    with pytest.raises(ValidationError) as refused:
        activity_close(actor=people.school_admin_a, activity=activity)
    assert "status" in refused.value.message_dict
    # A second generation (the service called again directly) finds every record.
    from xuefen.activities.generate import generate_records

    again = generate_records(actor=people.school_admin_a, activity=activity)
    assert again.created == []
    assert Record.objects.filter(activity=activity).count() == count
    assert len(audit_rows(Event.ACTIVITY_CLOSE, activity)) == 1


def test_unapproved_plan_earns_nothing_until_approved(people, django_capture_on_commit_callbacks):
    from xuefen.activities.plans import plan_approve
    from xuefen.results.selectors import teacher_standing

    plan = make_plan(people, status="submitted")
    activity = make_activity(people, plan=plan, hours="3")
    _present(people, activity, people.teacher_a)
    with django_capture_on_commit_callbacks(execute=True):
        activity_close(actor=people.school_admin_a, activity=activity)
    training = _records(activity, people.teacher_a)[f"activity:{activity.pk}:training"]

    verdict = teacher_standing(people.teacher_a).pending_records[str(training.pk)]
    assert not verdict["counted"]
    assert "计划" in verdict["explanation"] and "审批" in verdict["explanation"]

    with django_capture_on_commit_callbacks(execute=True):
        plan_approve(actor=people.county_admin, plan=plan)
    verdict = teacher_standing(people.teacher_a).pending_records[str(training.pk)]
    assert verdict["counted"]
    assert verdict["hours"] == 3


def test_no_plan_earns_nothing(people):
    from xuefen.records.models import record_to_engine_dict

    activity = make_activity(people, plan=None)
    _present(people, activity, people.teacher_a)
    activity_close(actor=people.school_admin_a, activity=activity)
    training = _records(activity, people.teacher_a)[f"activity:{activity.pk}:training"]
    assert record_to_engine_dict(training)["approved"] is False


def test_policy_counting_attendance_gets_no_training_record(people):
    """兰州 counts the attendance record's hours as school-based: a training record too
    would count the session twice."""
    import datetime as dt

    from xuefen.org.services import policy_bind

    policy_bind(
        actor=people.root,
        node=people.county_x,
        policy_id="lanzhou-14-2015",
        valid_from=dt.date(2022, 1, 1),
    )
    activity = make_activity(people, plan=make_plan(people, status="approved"))
    assert attendance_counts_hours(activity)
    _present(people, activity, people.teacher_a)
    closed = activity_close(actor=people.school_admin_a, activity=activity)
    keys = set(_records(activity, people.teacher_a))
    assert keys == {f"activity:{activity.pk}:attendance"}
    assert audit_rows(Event.ACTIVITY_CLOSE, closed.activity)[0].new_values["training"] is False


def test_puer_does_not_count_attendance(people):
    activity = make_activity(people)
    assert not attendance_counts_hours(activity)


def test_close_refusals(people):
    activity = make_activity(people, begun=False)
    with pytest.raises(ValidationError) as early:
        activity_close(actor=people.school_admin_a, activity=activity)
    assert "status" in early.value.message_dict
    begun = make_activity(people, theme="另一活动")
    with pytest.raises(PermissionDenied):
        activity_close(actor=people.teacher_a.user, activity=begun)
    with pytest.raises(PermissionDenied):
        activity_close(actor=people.school_admin_b, activity=begun)
    with pytest.raises(PermissionDenied):  # the principal reviews, the administrator closes
        activity_close(actor=people.principal_a, activity=begun)
    assert audit_rows(Event.ACTIVITY_CLOSE) == []
    assert not Record.objects.filter(activity__in=[activity, begun]).exists()
