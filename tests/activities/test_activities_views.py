"""The activity pages: who reaches which (out of scope is a 404), every button calling its
service, refusals shown on the page (400, never a 500), and query guards on the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xuefen.activities.choices import ActivityStatus, Attendance, LeaveStatus
from xuefen.activities.models import Activity, LeaveRequest, Material, Participation
from xuefen.activities.services import leave_request
from xuefen.audit.choices import Event
from xuefen.records.models import Record

from .test_activities_support import audit_rows, make_activity, make_plan

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(client, user):
    client.force_login(user)
    return client


def test_list_filters_and_query_guard(client, people, django_assert_max_num_queries):
    plan = make_plan(people)
    for i in range(3):
        make_activity(people, plan=plan, begun=False, theme=f"活动{i}", groups=[])
    ago = timezone.now() - dt.timedelta(hours=5)
    make_activity(
        people,
        theme="上月讲座",
        type="lecture",
        starts_at=ago,
        ends_at=ago + dt.timedelta(hours=2),
    )
    _login(client, people.school_admin_a)
    url = reverse("activities:list")
    with django_assert_max_num_queries(16) as few:
        response = client.get(url, {"school": people.school_a.pk})
    assert response.status_code == 200
    text = response.content.decode()
    assert "活动0" in text and "上月讲座" not in text
    for i in range(3, 25):
        make_activity(people, plan=plan, begun=False, theme=f"活动{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"school": people.school_a.pk})
    assert response.status_code == 200
    assert "活动24" not in response.content.decode()  # 20 a page
    past = client.get(url, {"school": people.school_a.pk, "when": "past", "type": "lecture"})
    assert "上月讲座" in past.content.decode()
    none = client.get(url, {"school": people.school_a.pk, "when": "past", "type": "seminar"})
    assert "上月讲座" not in none.content.decode()
    partial = client.get(url, {"school": people.school_a.pk}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and "活动0" in partial.content.decode()
    assert client.get(url, {"school": people.school_a.pk, "group": "999"}).status_code == 404


def test_out_of_scope_is_404(client, people):
    activity = make_activity(people)
    _login(client, people.school_admin_b)
    for name in ("detail", "edit", "attendance", "leave_new"):
        assert client.get(reverse(f"activities:{name}", args=[activity.pk])).status_code == 404
    assert client.get(reverse("activities:list"), {"school": people.school_a.pk}).status_code == 404
    assert client.post(reverse("activities:close", args=[activity.pk])).status_code == 404
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.PLANNED
    client.logout()
    response = client.get(reverse("activities:detail", args=[activity.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_teacher_sees_the_activity_but_cannot_close(client, people):
    activity = make_activity(people)
    _login(client, people.teacher_a.user)
    response = client.get(reverse("activities:detail", args=[activity.pk]))
    assert response.status_code == 200
    assert "李强" not in response.content.decode()  # not the other participants
    assert client.post(reverse("activities:close", args=[activity.pk])).status_code == 404
    assert client.get(reverse("activities:attendance", args=[activity.pk])).status_code == 404
    assert client.get(reverse("activities:edit", args=[activity.pk])).status_code == 404
    assert audit_rows(Event.ACTIVITY_CLOSE) == []


def test_create_edit_close_through_the_pages(client, people):
    _login(client, people.school_admin_a)
    start = timezone.localtime() - dt.timedelta(hours=1)
    plan = make_plan(people, status="approved")
    data = {
        "theme": "群文阅读研讨",
        "type": "seminar",
        "place": "录播教室",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "hours": "2",
        "plan": plan.pk,
    }
    url = reverse("activities:new") + f"?school={people.school_a.pk}"
    bad = client.post(url, {**data, "hours": "99"})
    assert bad.status_code == 400
    response = client.post(url, data)
    assert response.status_code == 302
    activity = Activity.objects.get(theme="群文阅读研讨")
    assert activity.participants.count() == 2
    edit = client.post(reverse("activities:edit", args=[activity.pk]), {**data, "place": "报告厅"})
    assert edit.status_code == 302
    activity.refresh_from_db()
    assert activity.place == "报告厅"
    assert client.get(reverse("activities:detail", args=[activity.pk])).status_code == 200

    row = Participation.objects.get(activity=activity, teacher=people.teacher_a)
    sheet = reverse("activities:attendance", args=[activity.pk])
    assert client.get(sheet).status_code == 200
    refused = client.post(sheet, {"participation": row.pk, "state": "present", "reason": ""})
    assert refused.status_code == 400
    done = client.post(sheet, {"participation": row.pk, "state": "present", "reason": "手机没电"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.state == Attendance.PRESENT and row.method == "manual"
    assert client.post(sheet, {"participation": "x", "state": "present"}).status_code == 404

    closed = client.post(reverse("activities:close", args=[activity.pk]))
    assert closed.status_code == 302
    assert Record.objects.filter(activity=activity, teacher=people.teacher_a).count() == 2
    again = client.post(reverse("activities:close", args=[activity.pk]))
    assert again.status_code == 400
    assert len(audit_rows(Event.ACTIVITY_CLOSE, activity)) == 1


def test_cancel_needs_a_reason(client, people):
    activity = make_activity(people, begun=False)
    _login(client, people.school_admin_a)
    url = reverse("activities:cancel", args=[activity.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "考试周"}).status_code == 302
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.CANCELLED


def test_materials_pages(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(people)
    _login(client, people.school_admin_a)
    add = reverse("activities:material_add", args=[activity.pk])
    bad = client.post(add, {"kind": "plan", "file": SimpleUploadedFile("a.pdf", b"MZ" + b"0" * 40)})
    assert bad.status_code == 400 and "a.pdf" in bad.content.decode()
    for kind in ("plan", "process", "summary"):
        ok = client.post(add, {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)})
        assert ok.status_code == 302
    material = Material.objects.filter(activity=activity).first()
    # Every teacher of the school may read it; another school may not.
    client.force_login(people.teacher_a2.user)
    response = client.get(reverse("activities:material", args=[material.pk]))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(people.teacher_b.user)
    assert client.get(reverse("activities:material", args=[material.pk])).status_code == 404
    client.force_login(people.principal_a)
    confirm = client.post(reverse("activities:materials_confirm", args=[activity.pk]))
    assert confirm.status_code == 302
    activity.refresh_from_db()
    assert activity.materials_confirmed_at is not None


def test_leave_pages(client, people):
    activity = make_activity(people, begun=False)
    _login(client, people.teacher_a.user)
    url = reverse("activities:leave_new", args=[activity.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "参加县里培训"}).status_code == 302
    leave = LeaveRequest.objects.get(activity=activity)
    assert client.get(reverse("activities:leave_decide", args=[leave.pk])).status_code == 404

    client.force_login(people.school_admin_a)
    listing = client.get(reverse("activities:leaves"), {"school": people.school_a.pk})
    assert "参加县里培训" in listing.content.decode()
    decide = reverse("activities:leave_decide", args=[leave.pk])
    assert client.post(decide, {"decision": "refuse", "answer": ""}).status_code == 400
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED
    client.force_login(people.school_admin_b)
    assert client.get(decide).status_code == 404


def test_leave_withdraw_page(client, people):
    activity = make_activity(people, begun=False)
    leave = leave_request(actor=people.teacher_a.user, activity=activity, reason="外出")
    client.force_login(people.teacher_a2.user)
    url = reverse("activities:leave_withdraw", args=[leave.pk])
    assert client.post(url).status_code == 404
    client.force_login(people.teacher_a.user)
    assert client.post(url).status_code == 302
    assert not LeaveRequest.objects.exists()


@pytest.mark.parametrize("name", ["roles", "participant_add"])
def test_pick_forms_refuse_another_school(client, people, name):
    activity = make_activity(people, begun=False)
    _login(client, people.school_admin_a)
    response = client.post(
        reverse(f"activities:{name}", args=[activity.pk]),
        {"teacher": people.teacher_b.pk, "role": "review"},
    )
    assert response.status_code == 400


def test_leave_list_query_guard(client, people, django_assert_max_num_queries):
    from tests.conftest import id_number
    from xuefen.org.services import teacher_create

    activity = make_activity(people, begun=False)
    leave_request(actor=people.teacher_a.user, activity=activity, reason="外出")
    client.force_login(people.school_admin_a)
    url = reverse("activities:leaves")
    with django_assert_max_num_queries(12) as few:
        assert client.get(url, {"school": people.school_a.pk}).status_code == 200
    for i in range(6):
        teacher = teacher_create(
            actor=people.root,
            school=people.school_a,
            name=f"教师{i}",
            id_number=id_number(200 + i),
            user=None,
            stage="primary",
            subject="语文",
        )
        other = make_activity(people, begun=False, theme=f"活动{i}")
        assert other.participants.filter(teacher=teacher).exists()
        LeaveRequest.objects.create(activity=other, teacher=teacher, reason="病假")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"school": people.school_a.pk})
    assert response.content.decode().count("病假") == 6


def test_a_large_activity_is_closed_by_the_worker(
    client, people, settings, django_capture_on_commit_callbacks
):
    """Above XUEFEN_CLOSE_INLINE_MAX participants the close button starts a job: the
    worker generates the records, the job's page tells how many."""
    from xuefen.jobs.choices import JobKind, JobStatus
    from xuefen.jobs.models import Job

    settings.XUEFEN_CLOSE_INLINE_MAX = 1
    activity = make_activity(people, plan=make_plan(people, status="approved"))
    assert activity.participants.count() == 2
    _login(client, people.school_admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activities:close", args=[activity.pk]))
    job = Job.objects.get(kind=JobKind.CLOSE_ACTIVITY)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED
    assert Record.objects.filter(activity=activity).exists()
    assert client.get(response["Location"]).status_code == 200
    # A teacher cannot start one: the job needs the change right on the school.
    _login(client, people.teacher_a.user)
    other = make_activity(people, theme="另一次")
    assert client.post(reverse("activities:close", args=[other.pk])).status_code == 404
    assert Job.objects.filter(kind=JobKind.CLOSE_ACTIVITY).count() == 1
