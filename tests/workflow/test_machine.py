"""The transition tables: declared once, checked on the locked row, used by every service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.workflow import NOTICE_MACHINE, OBJECTION_MACHINE, SUBMISSION_MACHINE
from xuefen.records.choices import RecordStatus
from xuefen.records.models import IntegrityEntry
from xuefen.records.services import (
    record_approve,
    record_certify,
    record_decline,
    record_reject,
    record_revoke,
    record_submit,
    record_update,
    record_withdraw,
)
from xuefen.records.workflow import RECORD_MACHINE
from xuefen.workflow.machine import Machine, Transition


def test_every_table_is_consistent() -> None:
    for machine in (RECORD_MACHINE, NOTICE_MACHINE, OBJECTION_MACHINE, SUBMISSION_MACHINE):
        for t in machine.transitions:
            assert t.sources and t.target in machine.states.values
            assert t.action in ("view", "change", "delete", "review", "certify", "manage", "sign")
            assert t.event in Event.values


def test_unknown_state_in_a_table_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        Machine(
            name="x",
            states=RecordStatus,
            transitions=(Transition("go", frozenset({"nowhere"}), "draft", "change", "e"),),
        )


def test_check_names_the_state_and_the_missing_reason() -> None:
    with pytest.raises(ValidationError) as exc:
        RECORD_MACHINE.check("approve", RecordStatus.DRAFT)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        RECORD_MACHINE.check("reject", RecordStatus.SUBMITTED, reason="  ")
    assert "reason" in exc.value.message_dict
    assert [t.name for t in RECORD_MACHINE.available(RecordStatus.SUBMITTED)] == [
        "withdraw",
        "approve",
        "reject",
        "decline",
        "certify",
    ]


def _events(record) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_id=str(record.pk), event__startswith="record.")
        .order_by("pk")
        .values_list("event", flat=True)
    )


@pytest.mark.django_db
def test_withdraw_decline_and_the_teachers_moves(people, make_record) -> None:
    teacher = people.teacher_a.user
    record = make_record(actor=teacher, status=RecordStatus.DRAFT)
    record_submit(actor=teacher, record=record)
    record_withdraw(actor=teacher, record=record)
    assert record.status == RecordStatus.DRAFT
    record_submit(actor=teacher, record=record)
    with pytest.raises(PermissionDenied):
        record_approve(actor=teacher, record=record)  # a teacher does not review
    with pytest.raises(PermissionDenied):
        record_decline(actor=people.school_admin_b, record=record, reason="x")  # other school
    record_decline(actor=people.school_admin_a, record=record, reason="材料不全且无法补充")
    assert record.status == RecordStatus.DECLINED
    with pytest.raises(ValidationError):
        record_submit(actor=teacher, record=record)  # refused for good
    with pytest.raises(ValidationError):
        record_update(actor=teacher, record=record, date=dt.date(2024, 3, 1))
    assert _events(record) == [
        Event.RECORD_CREATE,
        Event.RECORD_SUBMIT,
        Event.RECORD_WITHDRAW,
        Event.RECORD_SUBMIT,
        Event.RECORD_DECLINE,
    ]
    entry = AuditEntry.objects.filter(event=Event.RECORD_DECLINE, target_id=str(record.pk)).get()
    assert entry.reason == "材料不全且无法补充"
    assert entry.old_values == {"status": "submitted"}


@pytest.mark.django_db
def test_returned_record_is_corrected_and_resubmitted(people, make_record) -> None:
    teacher = people.teacher_a.user
    record = make_record(actor=teacher, status=RecordStatus.SUBMITTED)
    record_reject(actor=people.school_admin_a, record=record, reason="证书照片不清晰")
    fields = dict(record.fields, hours=24)
    record_update(actor=teacher, record=record, fields=fields)
    record_submit(actor=teacher, record=record)
    record_approve(actor=people.school_admin_a, record=record)
    assert record.status == RecordStatus.APPROVED
    assert _events(record)[-4:] == [
        Event.RECORD_REJECT,
        Event.RECORD_UPDATE,
        Event.RECORD_SUBMIT,
        Event.RECORD_APPROVE,
    ]


@pytest.mark.django_db
def test_revocation_for_forgery_writes_the_integrity_record(people, make_record) -> None:
    record = make_record(status=RecordStatus.SUBMITTED)
    record_certify(actor=people.county_admin, record=record)
    with pytest.raises(PermissionDenied):
        record_revoke(actor=people.school_admin_a, record=record, reason="伪造", forgery=True)
    with pytest.raises(ValidationError):
        record_revoke(actor=people.county_admin, record=record, reason="", forgery=True)
    assert not IntegrityEntry.objects.exists()
    record_revoke(actor=people.county_admin, record=record, reason="证书系伪造", forgery=True)
    entry = IntegrityEntry.objects.get()
    assert (entry.teacher_id, entry.record_id, entry.reason) == (
        people.teacher_a.pk,
        record.pk,
        "证书系伪造",
    )
    assert AuditEntry.objects.filter(event=Event.INTEGRITY_ENTRY, reason="证书系伪造").exists()
    # The teacher sees their own integrity record; another school's admin does not.
    assert IntegrityEntry.objects.restrict(people.teacher_a.user, "view").count() == 1
    assert IntegrityEntry.objects.restrict(people.school_admin_b, "view").count() == 0


@pytest.mark.django_db
def test_an_ordinary_revocation_writes_no_integrity_entry(people, make_record) -> None:
    record = make_record(status=RecordStatus.SUBMITTED)
    record_certify(actor=people.county_admin, record=record)
    record_revoke(actor=people.county_admin, record=record, reason="重复登记")
    assert record.status == RecordStatus.REVOKED
    assert not IntegrityEntry.objects.exists()
