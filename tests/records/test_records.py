"""Records: validation through the engine's vocabulary, the engine dict, the workflow,
permissions by state, evidence, and the audit rows of every change."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import training
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.catalog.services import project_create
from xuefen.records.models import Evidence, Record, record_to_engine_dict
from xuefen.records.services import (
    evidence_add,
    evidence_delete,
    record_approve,
    record_certify,
    record_create,
    record_delete,
    record_reject,
    record_revoke,
    record_submit,
    record_update,
)


def _audit(event, target):
    return AuditEntry.objects.filter(event=event, target_id=str(target.pk))


def test_teacher_declares_own_record_and_it_is_audited(people):
    record = record_create(
        actor=people.teacher_a.user,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 3, 10),
        level="province",
        fields=training(),
    )
    assert record.status == "draft" and record.source == "declared"
    assert record.entered_by == people.teacher_a.user
    entry = _audit("record.create", record).get()
    assert entry.actor == people.teacher_a.user
    assert entry.node == people.school_a
    assert entry.new_values["fields"]["hours"] == 30


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("training", training(hours=-3), "hours"),
        ("training", training(mode="by_post"), "mode"),
        ("training", training(colour="red"), "colour"),
        ("training", {"module": "knowledge", "hours": 3}, "mode"),
        ("award", {"category": "paper", "rank": "fourth"}, "rank"),
        ("no_such_kind", {}, "kind"),
    ],
)
def test_bad_fields_name_the_field(people, kind, fields, field):
    with pytest.raises(ValidationError) as info:
        record_create(
            actor=people.school_admin_a,
            teacher=people.teacher_a,
            kind=kind,
            date=dt.date(2023, 3, 10),
            fields=fields,
        )
    assert field in info.value.message_dict, info.value.message_dict
    assert not Record.objects.exists()
    assert not AuditEntry.objects.filter(event="record.create").exists()


def test_reserved_keys_and_future_dates_are_refused(people):
    for fields in (training(status="certified"), training(approved=True), training(id="x")):
        with pytest.raises(ValidationError) as info:
            record_create(
                actor=people.school_admin_a,
                teacher=people.teacher_a,
                kind="training",
                date=dt.date(2023, 3, 10),
                fields=fields,
            )
        assert "fields" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        record_create(
            actor=people.school_admin_a,
            teacher=people.teacher_a,
            kind="training",
            date=dt.date.today() + dt.timedelta(days=30),
            fields=training(),
        )
    assert "date" in info.value.message_dict


def test_engine_dict_of_each_kind_shape(people, make_record):
    record = make_record(status="draft")
    data = record_to_engine_dict(record)
    assert data == {
        "id": str(record.pk),
        "kind": "training",
        "date": "2023-03-10",
        "level": "province",
        "status": "draft",
        **training(),
    }
    attendance = make_record(
        kind="activity_attendance",
        fields={"status": "leave", "activity": "act-1", "hours": 2},
        level="",
    )
    data = record_to_engine_dict(attendance)
    assert data["status"] == "leave" and data["review_status"] == "draft"


def test_project_defaults_and_unapproved_project(people, make_record):
    project = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="班主任能力提升",
        level="county",
        mode="centralized",
        module="class_management",
        days=2,
        credit_per_hour=1.5,
        selection="mandatory",
    )
    record = make_record(kind="training", fields={"score": 92}, level="", project=project)
    data = record_to_engine_dict(record)
    assert data["days"] == 2.0 and data["credit_per_hour"] == 1.5
    assert data["level"] == "county" and data["self_selected"] is False
    assert data["approved"] is False  # the project is still pending
    assert data["name"] == "班主任能力提升" and str(record) == "2023-03-10 班主任能力提升"


def test_project_must_be_offered_to_the_school(people, make_record):
    project = project_create(
        actor=people.county_y_admin,
        publisher=people.county_y,
        name="宁洱县项目",
        level="county",
        mode="online",
        module="ability",
        hours=10,
    )
    with pytest.raises(ValidationError) as info:
        make_record(kind="training", fields={}, level="", project=project)
    assert "project" in info.value.message_dict


def test_who_may_write_for_whom(people):
    def create(actor, teacher, status="draft"):
        return record_create(
            actor=actor,
            teacher=teacher,
            kind="training",
            date=dt.date(2023, 3, 10),
            fields=training(),
            status=status,
        )

    with pytest.raises(PermissionDenied):
        create(people.teacher_a.user, people.teacher_a2)
    with pytest.raises(PermissionDenied):
        create(people.school_admin_a, people.teacher_b)
    with pytest.raises(PermissionDenied):
        create(people.peer_assessor, people.teacher_a)
    with pytest.raises(PermissionDenied):
        create(people.county_y_admin, people.teacher_a)
    with pytest.raises(PermissionDenied):  # teachers cannot certify their own
        create(people.teacher_a.user, people.teacher_a, status="certified")
    with pytest.raises(PermissionDenied):  # schools approve, regions certify
        create(people.school_admin_a, people.teacher_a, status="certified")
    assert create(people.school_admin_a, people.teacher_a, status="approved").status == "approved"
    assert create(people.county_admin, people.teacher_b, status="certified").status == "certified"


def test_workflow_with_audit_rows(people, make_record):
    record = make_record(actor=people.teacher_a.user)
    teacher = people.teacher_a.user
    with pytest.raises(PermissionDenied):
        record_approve(actor=teacher, record=record)
    with pytest.raises(ValidationError):  # a draft is submitted first
        record_approve(actor=people.school_admin_a, record=record)
    record_submit(actor=teacher, record=record)
    with pytest.raises(ValidationError):  # submitted: no longer the teacher's to change
        record_update(actor=teacher, record=record, fields=training(hours=40))
    with pytest.raises(ValidationError) as info:
        record_reject(actor=people.school_admin_a, record=record, reason="")
    assert "reason" in info.value.message_dict
    record_reject(actor=people.school_admin_a, record=record, reason="缺少证书")
    record_update(actor=teacher, record=record, fields=training(hours=40), reason="补充")
    record_submit(actor=teacher, record=record)
    record_approve(actor=people.principal_a, record=record)
    with pytest.raises(PermissionDenied):
        record_certify(actor=people.school_admin_a, record=record)
    with pytest.raises(PermissionDenied):
        record_certify(actor=people.county_y_admin, record=record)
    record_certify(actor=people.county_admin, record=record)
    record.refresh_from_db()
    assert record.status == "certified"
    with pytest.raises(ValidationError):  # certified records are locked
        record_update(actor=people.county_admin, record=record, fields=training(hours=50))
    with pytest.raises(ValidationError):
        record_delete(actor=people.county_admin, record=record)
    record_revoke(actor=people.county_admin, record=record, reason="证书伪造")

    events = list(
        AuditEntry.objects.filter(target_id=str(record.pk), event__startswith="record.")
        .order_by("pk")
        .values_list("event", "old_values", "new_values")
    )
    assert [e[0] for e in events] == [
        "record.create",
        "record.submit",
        "record.reject",
        "record.update",
        "record.submit",
        "record.approve",
        "record.certify",
        "record.revoke",
    ]
    assert events[3][1] == {"fields": training()} and events[3][2] == {"fields": training(hours=40)}
    assert events[6][1:] == ({"status": "approved"}, {"status": "certified"})
    revoke = AuditEntry.objects.get(event="record.revoke", target_id=str(record.pk))
    assert revoke.reason == "证书伪造" and revoke.actor == people.county_admin


def test_delete_is_audited_and_owner_only_deletes_drafts(people, make_record):
    record = make_record(actor=people.teacher_a.user)
    record_submit(actor=people.teacher_a.user, record=record)
    with pytest.raises(ValidationError):
        record_delete(actor=people.teacher_a.user, record=record)
    with pytest.raises(PermissionDenied):
        record_delete(actor=people.school_admin_b, record=record)
    pk = record.pk
    record_delete(actor=people.school_admin_a, record=record, reason="重复")
    assert not Record.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(event="record.delete", target_id=str(pk))
    assert entry.old_values["status"] == "submitted" and entry.reason == "重复"


def test_evidence_add_and_delete(people, make_record, settings, django_capture_on_commit_callbacks):
    record = make_record(actor=people.teacher_a.user)
    with pytest.raises(PermissionDenied):
        evidence_add(
            actor=people.teacher_b.user, record=record, file=SimpleUploadedFile("a.pdf", b"x")
        )
    evidence = evidence_add(
        actor=people.teacher_a.user,
        record=record,
        file=SimpleUploadedFile("结业证书.pdf", b"%PDF-1.4 test"),
    )
    assert evidence.size == 13 and evidence.name == "结业证书.pdf"
    assert evidence.file.name.startswith(f"evidence/{people.teacher_a.pk}/")
    assert _audit("evidence.add", evidence).get().new_values["record"] == record.pk
    settings.XUEFEN_EVIDENCE_MAX_BYTES = 4
    with pytest.raises(ValidationError) as info:
        evidence_add(
            actor=people.teacher_a.user, record=record, file=SimpleUploadedFile("b", b"12345")
        )
    assert "file" in info.value.message_dict
    storage, name, pk = evidence.file.storage, evidence.file.name, evidence.pk
    with django_capture_on_commit_callbacks(execute=True):
        evidence_delete(actor=people.teacher_a.user, evidence=evidence)
    assert not Evidence.objects.filter(pk=pk).exists()
    assert not storage.exists(name)
    assert AuditEntry.objects.filter(event="evidence.delete", target_id=str(pk)).exists()


def test_institution_registers_records_of_its_projects_only(people):
    from xuefen.catalog.services import project_approve

    own = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="进修学校网络研修",
        level="county",
        mode="online",
        module="ability",
        hours=20,
        institution=people.institution,
    )
    other = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="其他项目",
        level="county",
        mode="online",
        module="ability",
        hours=20,
    )
    project_approve(actor=people.county_admin, project=own)
    record = record_create(
        actor=people.institution_user,
        teacher=people.teacher_b,
        kind="training",
        date=dt.date(2023, 5, 1),
        fields={"score": 95},
        project=own,
        source="institution",
        status="submitted",
    )
    assert record.source == "institution"
    with pytest.raises(PermissionDenied):
        record_create(
            actor=people.institution_user,
            teacher=people.teacher_b,
            kind="training",
            date=dt.date(2023, 5, 1),
            fields={},
            project=other,
        )


def test_a_stale_copy_cannot_move_a_record_twice(people, make_record):
    """The state is checked on the locked row, not on the caller's (possibly stale) copy."""
    record = make_record(status="submitted")
    stale = Record.objects.get(pk=record.pk)
    record_approve(actor=people.school_admin_a, record=record)
    with pytest.raises(ValidationError) as err:
        record_approve(actor=people.school_admin_a, record=stale)
    assert "status" in err.value.message_dict
    assert stale.status == "approved"  # the copy now shows the real state
    events = AuditEntry.objects.filter(target_id=str(record.pk), event=Event.RECORD_APPROVE)
    assert events.count() == 1
