"""Leave (请假) and make-up (补课): each transition with its audit row, each refusal, and
how both change the records an activity generates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xuefen.activities.choices import Attendance, LeaveStatus
from xuefen.activities.models import LeaveRequest, Participation
from xuefen.activities.services import (
    activity_close,
    attendance_set,
    leave_approve,
    leave_refuse,
    leave_request,
    leave_withdraw,
    makeup_record,
)
from xuefen.audit.choices import Event
from xuefen.inbox.models import Notification
from xuefen.records.models import Record

from .test_activities_support import audit_rows, make_activity, make_plan


def _row(activity, teacher):
    return Participation.objects.get(activity=activity, teacher=teacher)


def _later(activity, **delta):
    """Pretend the clock is past the activity's start."""
    return timezone.now() + dt.timedelta(days=2, **delta)


def test_leave_request_and_approval(people, django_capture_on_commit_callbacks):
    activity = make_activity(people, begun=False)
    with django_capture_on_commit_callbacks(execute=True):
        leave = leave_request(actor=people.teacher_a.user, activity=activity, reason="外出培训")
    assert leave.status == LeaveStatus.PENDING
    [row] = audit_rows(Event.LEAVE_REQUEST, leave)
    assert row.reason == "外出培训" and row.actor == people.teacher_a.user
    assert Notification.objects.filter(
        user=people.school_admin_a, event=Event.LEAVE_REQUEST
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        leave_approve(actor=people.school_admin_a, leave=leave)
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED and leave.decided_by == people.school_admin_a
    assert _row(activity, people.teacher_a).state == Attendance.LEAVE
    [row] = audit_rows(Event.LEAVE_APPROVE, leave)
    assert row.old_values == {"status": "pending"} and row.new_values == {"status": "approved"}
    assert Notification.objects.filter(
        user=people.teacher_a.user, event=Event.LEAVE_APPROVE
    ).exists()


def test_leave_refusals(people):
    activity = make_activity(people, begun=False)
    with pytest.raises(ValidationError) as no_reason:
        leave_request(actor=people.teacher_a.user, activity=activity, reason=" ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):  # staff do not ask for leave
        leave_request(actor=people.school_admin_a, activity=activity, reason="x")
    with pytest.raises(PermissionDenied):  # another school's activity is out of sight
        leave_request(actor=people.teacher_b.user, activity=activity, reason="x")
    leave = leave_request(actor=people.teacher_a.user, activity=activity, reason="病假")
    with pytest.raises(ValidationError):  # asked twice
        leave_request(actor=people.teacher_a.user, activity=activity, reason="病假")
    with pytest.raises(PermissionDenied):  # a teacher does not decide
        leave_approve(actor=people.teacher_a2.user, leave=leave)
    with pytest.raises(PermissionDenied):
        leave_approve(actor=people.school_admin_b, leave=leave)
    with pytest.raises(ValidationError) as no_reason:
        leave_refuse(actor=people.school_admin_a, leave=leave, reason="")
    assert "reason" in no_reason.value.message_dict
    leave_refuse(actor=people.school_admin_a, leave=leave, reason="公开课当天不能请假")
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.REFUSED and leave.answer == "公开课当天不能请假"
    assert audit_rows(Event.LEAVE_REFUSE, leave)[0].reason == "公开课当天不能请假"
    assert _row(activity, people.teacher_a).state == Attendance.EXPECTED
    with pytest.raises(ValidationError) as state:
        leave_approve(actor=people.school_admin_a, leave=leave)
    assert "status" in state.value.message_dict
    assert audit_rows(Event.LEAVE_APPROVE) == []

    begun = make_activity(people, theme="已开始")
    with pytest.raises(ValidationError) as late:
        leave_request(actor=people.teacher_a.user, activity=begun, reason="迟到")
    assert "activity" in late.value.message_dict


def test_leave_withdraw(people):
    activity = make_activity(people, begun=False)
    leave = leave_request(actor=people.teacher_a.user, activity=activity, reason="外出")
    leave_approve(actor=people.school_admin_a, leave=leave)
    with pytest.raises(PermissionDenied):
        leave_withdraw(actor=people.teacher_a2.user, leave=leave)
    leave_withdraw(actor=people.teacher_a.user, leave=leave)
    assert not LeaveRequest.objects.filter(pk=leave.pk).exists()
    assert _row(activity, people.teacher_a).state == Attendance.EXPECTED
    [row] = audit_rows(Event.LEAVE_WITHDRAW)
    assert row.old_values["status"] == "approved"
    # And a new request may follow.
    leave_request(actor=people.teacher_a.user, activity=activity, reason="外出")


def test_approved_leave_changes_the_generated_records(people, monkeypatch):
    activity = make_activity(people, plan=make_plan(people, status="approved"), begun=False)
    leave = leave_request(actor=people.teacher_a.user, activity=activity, reason="外出培训")
    leave_approve(actor=people.school_admin_a, leave=leave)
    later = _later(activity)
    monkeypatch.setattr(timezone, "now", lambda: later)
    activity_close(actor=people.school_admin_a, activity=activity)
    records = {r.origin_key: r for r in Record.objects.filter(teacher=people.teacher_a)}
    key = f"activity:{activity.pk}"
    assert set(records) == {f"{key}:attendance"}  # no hours on leave
    assert records[f"{key}:attendance"].fields["status"] == "leave"


def test_leave_approved_after_closing_updates_the_attendance_record(people):
    activity = make_activity(people, begun=False)
    leave = leave_request(actor=people.teacher_a.user, activity=activity, reason="外出培训")
    # The administrator decides only after the activity is over.
    activity.starts_at = timezone.now() - dt.timedelta(hours=2)
    activity.ends_at = timezone.now() - dt.timedelta(hours=1)
    activity.save(update_fields=["starts_at", "ends_at"])
    activity_close(actor=people.school_admin_a, activity=activity)
    record = Record.objects.get(
        teacher=people.teacher_a, origin_key=f"activity:{activity.pk}:attendance"
    )
    assert record.fields["status"] == "absent"
    with pytest.raises(PermissionDenied):  # the principal may not change the records
        leave_approve(actor=people.principal_a, leave=leave)
    leave_approve(actor=people.school_admin_a, leave=leave)
    record.refresh_from_db()
    assert record.fields["status"] == "leave"
    [update] = audit_rows(Event.RECORD_UPDATE, record)
    assert update.new_values["fields"]["status"] == "leave"


def test_makeup_after_closing_generates_the_hours(people):
    plan = make_plan(people, status="approved")
    activity = make_activity(people, plan=plan, hours="2")
    activity_close(actor=people.school_admin_a, activity=activity)
    key = f"activity:{activity.pk}"
    before = {r.origin_key for r in Record.objects.filter(teacher=people.teacher_a)}
    assert before == {f"{key}:attendance"}
    row = _row(activity, people.teacher_a)

    with pytest.raises(ValidationError) as nothing:
        makeup_record(actor=people.school_admin_a, participation=row)
    assert "makeup_activity" in nothing.value.message_dict
    with pytest.raises(PermissionDenied):
        makeup_record(actor=people.teacher_a.user, participation=row, note="自学视频")

    done = makeup_record(actor=people.school_admin_a, participation=row, note="观看录像并提交心得")
    assert done.state == Attendance.MAKEUP
    assert len(done.synced.updated) == 1 and len(done.synced.created) == 1
    records = {r.origin_key: r for r in Record.objects.filter(teacher=people.teacher_a)}
    assert records[f"{key}:attendance"].fields["status"] == "makeup"
    assert records[f"{key}:training"].fields["hours"] == 2
    [audit] = audit_rows(Event.MAKEUP, row)
    assert audit.old_values["state"] == "absent" and audit.new_values["state"] == "makeup"
    assert audit.new_values["records_created"] == [records[f"{key}:training"].pk]
    with pytest.raises(ValidationError):  # made up already
        makeup_record(actor=people.school_admin_a, participation=row, note="again")


def test_makeup_leaves_a_certified_record_alone(people):
    from xuefen.records.services import record_certify

    activity = make_activity(people, plan=make_plan(people, status="approved"))
    activity_close(actor=people.school_admin_a, activity=activity)
    record = Record.objects.get(
        teacher=people.teacher_a, origin_key=f"activity:{activity.pk}:attendance"
    )
    record_certify(actor=people.county_admin, record=record)
    done = makeup_record(
        actor=people.school_admin_a, participation=_row(activity, people.teacher_a), note="补课"
    )
    record.refresh_from_db()
    assert record.fields["status"] == "absent"  # certified: untouched
    assert [r.pk for r in done.synced.untouched] == [record.pk]
    assert audit_rows(Event.MAKEUP)[0].new_values["records_certified_untouched"] == [record.pk]


def test_makeup_session_counts_on_the_missed_activity(people, monkeypatch):
    plan = make_plan(people, status="approved")
    missed = make_activity(people, plan=plan)
    attendance_set(
        actor=people.school_admin_a,
        participation=_row(missed, people.teacher_a2),
        state="present",
        reason="纸质签到",
    )
    activity_close(actor=people.school_admin_a, activity=missed)
    session = make_activity(people, plan=plan, begun=False, makeup_of=missed, theme="补课")
    # Only who missed it is expected at the make-up session.
    assert list(session.participants.values_list("teacher_id", flat=True)) == [people.teacher_a.pk]
    later = _later(session)
    monkeypatch.setattr(timezone, "now", lambda: later)
    attendance_set(
        actor=people.school_admin_a,
        participation=_row(session, people.teacher_a),
        state="present",
        reason="补课签到",
    )
    closed = activity_close(actor=people.school_admin_a, activity=session)
    assert closed.made_up == 1
    row = _row(missed, people.teacher_a)
    assert row.state == Attendance.MAKEUP and row.made_up_in_id == session.pk
    keys = {r.origin_key for r in Record.objects.filter(teacher=people.teacher_a)}
    assert keys == {f"activity:{missed.pk}:attendance", f"activity:{missed.pk}:training"}
    record = Record.objects.get(
        teacher=people.teacher_a, origin_key=f"activity:{missed.pk}:attendance"
    )
    assert record.fields["status"] == "makeup"


def test_attendance_sheet(people):
    activity = make_activity(people, begun=False)
    row = _row(activity, people.teacher_a)
    with pytest.raises(ValidationError) as early:
        attendance_set(
            actor=people.school_admin_a, participation=row, state="present", reason="手签"
        )
    assert "state" in early.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        attendance_set(actor=people.school_admin_a, participation=row, state="leave")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError):
        attendance_set(actor=people.school_admin_a, participation=row, state="makeup", reason="x")
    with pytest.raises(PermissionDenied):
        attendance_set(actor=people.teacher_a.user, participation=row, state="absent")
    with pytest.raises(PermissionDenied):
        attendance_set(actor=people.school_admin_b, participation=row, state="absent")
    attendance_set(actor=people.school_admin_a, participation=row, state="leave", reason="电话请假")
    row.refresh_from_db()
    assert row.state == Attendance.LEAVE and row.note == "电话请假"
    [audit] = audit_rows(Event.ATTENDANCE_SET, row)
    assert audit.reason == "电话请假" and audit.new_values["state"] == "leave"

    begun = make_activity(people, theme="已开始")
    row = _row(begun, people.teacher_a)
    attendance_set(actor=people.school_admin_a, participation=row, state="present", reason="手签")
    row.refresh_from_db()
    assert row.method == "manual" and row.signed_by == people.school_admin_a
    [manual] = audit_rows(Event.SIGN_IN_MANUAL, row)
    assert manual.reason == "手签"
    activity_close(actor=people.school_admin_a, activity=begun)
    with pytest.raises(ValidationError):  # closed: the sheet is final
        attendance_set(actor=people.school_admin_a, participation=row, state="absent")
