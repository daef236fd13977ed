"""Activities, participants, roles and materials: each service with its audit row, and
each refusal (wrong state, wrong role, out of scope, bad input)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xuefen.activities.choices import ActivityStatus
from xuefen.activities.models import ActivityRole, Material, Participation
from xuefen.activities.services import (
    activity_cancel,
    activity_update,
    material_add,
    material_delete,
    materials_confirm,
    participant_add,
    participant_remove,
    role_assign,
    role_remove,
)
from xuefen.audit.choices import Event
from xuefen.org.choices import NodeKind
from xuefen.org.services import node_create, teacher_update

from .test_activities_support import audit_rows, make_activity, make_plan

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "方案.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_create_adds_the_school_or_the_groups(people):
    activity = make_activity(people)
    assert set(activity.participants.values_list("teacher_id", flat=True)) == {
        people.teacher_a.pk,
        people.teacher_a2.pk,
    }
    [row] = audit_rows(Event.ACTIVITY_CREATE, activity)
    assert row.new_values["participants"] == 2 and row.new_values["theme"] == activity.theme

    lesson = node_create(
        actor=people.root,
        parent=people.subject_group_a,
        kind=NodeKind.LESSON_GROUP,
        name="高一语文备课组",
    )
    teacher_update(actor=people.root, teacher=people.teacher_a, group=lesson)
    grouped = make_activity(people, groups=[people.subject_group_a], theme="语文组活动")
    # The teacher of the lesson group beneath the subject group takes part.
    assert list(grouped.participants.values_list("teacher_id", flat=True)) == [people.teacher_a.pk]


def test_create_refusals(people):
    with pytest.raises(PermissionDenied):
        make_activity(people, actor=people.school_admin_b)
    with pytest.raises(PermissionDenied):
        make_activity(people, actor=people.teacher_a.user)
    with pytest.raises(ValidationError) as hours:
        make_activity(people, hours="30")
    assert "30" in hours.value.message_dict["hours"][0]
    with pytest.raises(ValidationError) as hours:
        make_activity(people, hours="abc")
    assert "abc" in hours.value.message_dict["hours"][0]
    with pytest.raises(ValidationError) as kind:
        make_activity(people, type="party")
    assert "party" in kind.value.message_dict["type"][0]
    now = timezone.now()
    with pytest.raises(ValidationError) as times:
        make_activity(people, ends_at=now - dt.timedelta(hours=2))
    assert "ends_at" in times.value.message_dict
    with pytest.raises(ValidationError) as presenter:
        make_activity(people, presenter=people.teacher_b)
    assert people.teacher_b.name in presenter.value.message_dict["presenter"][0]
    with pytest.raises(ValidationError) as group:
        other = node_create(
            actor=people.root, parent=people.school_b, kind=NodeKind.SUBJECT_GROUP, name="数学组"
        )
        make_activity(people, groups=[other])
    assert "groups" in group.value.message_dict
    plan_b = make_plan(people, school=people.school_b)
    with pytest.raises(ValidationError) as plan:
        make_activity(people, plan=plan_b)
    assert "plan" in plan.value.message_dict
    plan_a = make_plan(people)
    with pytest.raises(ValidationError) as outside:
        later = now + dt.timedelta(days=200)
        make_activity(people, plan=plan_a, starts_at=later, ends_at=later + dt.timedelta(hours=2))
    assert "plan" in outside.value.message_dict
    assert audit_rows(Event.ACTIVITY_CREATE) == []


def test_update_and_cancel(people):
    activity = make_activity(people, begun=False)
    activity_update(actor=people.school_admin_a, activity=activity, place="图书馆", hours="2")
    activity.refresh_from_db()
    assert activity.place == "图书馆" and str(activity.hours) == "2.0"
    [row] = audit_rows(Event.ACTIVITY_UPDATE, activity)
    assert row.old_values == {"place": "三楼会议室", "hours": "3"}
    assert row.new_values == {"place": "图书馆", "hours": "2"}
    with pytest.raises(ValidationError):
        activity_update(actor=people.school_admin_a, activity=activity, status="closed")
    with pytest.raises(PermissionDenied):
        activity_update(actor=people.principal_a, activity=activity, place="x")
    with pytest.raises(ValidationError) as no_reason:
        activity_cancel(actor=people.school_admin_a, activity=activity, reason="")
    assert "reason" in no_reason.value.message_dict
    activity_cancel(actor=people.school_admin_a, activity=activity, reason="停电")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED and activity.cancel_reason == "停电"
    assert audit_rows(Event.ACTIVITY_CANCEL, activity)[0].reason == "停电"
    with pytest.raises(ValidationError) as state:
        activity_cancel(actor=people.school_admin_a, activity=activity, reason="again")
    assert "status" in state.value.message_dict
    with pytest.raises(ValidationError):
        activity_update(actor=people.school_admin_a, activity=activity, place="x")


def test_participants(people):
    from xuefen.activities.services import leave_request

    activity = make_activity(people, begun=False, groups=[people.subject_group_a])
    assert not activity.participants.exists()
    row = participant_add(actor=people.school_admin_a, activity=activity, teacher=people.teacher_a)
    assert audit_rows(Event.PARTICIPANT_ADD, row)[0].new_values["teacher"] == people.teacher_a.pk
    with pytest.raises(ValidationError):
        participant_add(actor=people.school_admin_a, activity=activity, teacher=people.teacher_a)
    with pytest.raises(ValidationError) as other:
        participant_add(actor=people.school_admin_a, activity=activity, teacher=people.teacher_b)
    assert "teacher" in other.value.message_dict
    with pytest.raises(PermissionDenied):
        participant_add(actor=people.teacher_a.user, activity=activity, teacher=people.teacher_a2)
    leave_request(actor=people.teacher_a.user, activity=activity, reason="外出")
    participant_remove(actor=people.school_admin_a, participation=row)
    assert not Participation.objects.filter(pk=row.pk).exists()
    assert not activity.leaves.exists()
    assert audit_rows(Event.PARTICIPANT_REMOVE)[0].old_values["teacher"] == people.teacher_a.pk


def test_roles(people):
    activity = make_activity(people, begun=False)
    taken = role_assign(
        actor=people.school_admin_a, activity=activity, teacher=people.teacher_a, role="mentor"
    )
    assert audit_rows(Event.ROLE_ASSIGN, taken)[0].new_values["role"] == "mentor"
    with pytest.raises(ValidationError):
        role_assign(
            actor=people.school_admin_a, activity=activity, teacher=people.teacher_a, role="mentor"
        )
    with pytest.raises(ValidationError) as unknown:
        role_assign(
            actor=people.school_admin_a, activity=activity, teacher=people.teacher_a, role="boss"
        )
    assert "boss" in unknown.value.message_dict["role"][0]
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=people.school_admin_b, activity=activity, teacher=people.teacher_a, role="review"
        )
    role_remove(actor=people.school_admin_a, role=taken)
    assert not ActivityRole.objects.exists()
    assert audit_rows(Event.ROLE_REMOVE)[0].old_values["role"] == "mentor"


def _docx_with_macros() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("word/vbaProject.bin", "macro")
    return buffer.getvalue()


def test_materials_checked_by_content(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(people)
    material = material_add(actor=people.school_admin_a, activity=activity, kind="plan", file=pdf())
    assert material.name == "方案.pdf" and material.content_type == "application/pdf"
    assert material.file.name.startswith(f"activities/{activity.pk}/")
    assert "方案" not in material.file.name and material.file.name.endswith(".pdf")
    assert audit_rows(Event.MATERIAL_ADD, material)[0].new_values["type"] == "pdf"

    program = SimpleUploadedFile("总结.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    with pytest.raises(ValidationError) as refused:
        material_add(actor=people.school_admin_a, activity=activity, kind="summary", file=program)
    assert "总结.pdf" in refused.value.message_dict["file"][0]
    macros = SimpleUploadedFile("记录.docx", _docx_with_macros())
    with pytest.raises(ValidationError) as refused:
        material_add(actor=people.school_admin_a, activity=activity, kind="process", file=macros)
    assert "记录.docx" in refused.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        material_add(
            actor=people.school_admin_a,
            activity=activity,
            kind="plan",
            file=pdf(),
            name="../../etc/x.pdf",
        )
    with pytest.raises(ValidationError):
        material_add(actor=people.school_admin_a, activity=activity, kind="video", file=pdf())
    with pytest.raises(PermissionDenied):
        material_add(actor=people.teacher_a.user, activity=activity, kind="plan", file=pdf())
    assert Material.objects.count() == 1


def test_materials_confirm(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(people)
    material_add(actor=people.school_admin_a, activity=activity, kind="plan", file=pdf())
    with pytest.raises(ValidationError) as missing:
        materials_confirm(actor=people.school_admin_a, activity=activity)
    message = missing.value.message_dict["materials"][0]
    assert "过程记录" in message or "Process" in message
    material_add(actor=people.school_admin_a, activity=activity, kind="process", file=pdf())
    summary = material_add(
        actor=people.school_admin_a, activity=activity, kind="summary", file=pdf()
    )
    with pytest.raises(PermissionDenied):
        materials_confirm(actor=people.teacher_a.user, activity=activity)
    materials_confirm(actor=people.principal_a, activity=activity)
    activity.refresh_from_db()
    assert activity.materials_confirmed_by == people.principal_a
    assert len(audit_rows(Event.MATERIALS_CONFIRM, activity)) == 1
    with pytest.raises(ValidationError):
        materials_confirm(actor=people.school_admin_a, activity=activity)
    # Deleting a required material withdraws the confirmation.
    material_delete(actor=people.school_admin_a, material=summary)
    activity.refresh_from_db()
    assert activity.materials_confirmed_at is None
    assert audit_rows(Event.MATERIAL_DELETE)[0].old_values["materials_confirmed"] is True
