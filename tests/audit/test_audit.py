"""The audit log: written inside the action's transaction, notified only on commit, and
never holding a full ID number."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import id_number
from xuefen.audit.models import AuditEntry
from xuefen.audit.signals import business_event
from xuefen.org.services import teacher_create, teacher_update


@pytest.fixture
def received():
    events = []

    def receiver(sender, entry, **kwargs):
        events.append(entry.event)

    business_event.connect(receiver, weak=False)
    yield events
    business_event.disconnect(receiver)


def test_notification_is_sent_on_commit_only(people, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        teacher_create(
            actor=people.school_admin_a,
            school=people.school_a,
            name="孙八",
            id_number=id_number(88),
        )
    assert received == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert received == ["teacher.create"]


def test_failed_action_writes_no_audit_row(people, received):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        teacher_create(
            actor=people.school_admin_a, school=people.school_a, name="孙八", id_number="123"
        )
    assert AuditEntry.objects.count() == before
    assert received == []


def test_id_numbers_are_masked_in_the_log(people):
    new_number = id_number(99, female=True)
    teacher_update(
        actor=people.school_admin_a,
        teacher=people.teacher_a,
        id_number=new_number,
        hire_date=dt.date(2010, 9, 1),
        reason="录入错误",
    )
    entry = AuditEntry.objects.filter(event="teacher.update").latest("pk")
    assert set(entry.new_values) == {"id_number", "hire_date"}
    assert "*" in entry.new_values["id_number"] and "*" in entry.old_values["id_number"]
    text = str(entry.old_values) + str(entry.new_values)
    assert new_number not in text and new_number[6:14] not in text
    assert entry.new_values["hire_date"] == "2010-09-01"


def test_every_entry_names_actor_target_and_node(people):
    entries = AuditEntry.objects.select_related("target_type").all()
    assert entries.count() > 10
    for entry in entries:
        assert entry.actor is not None and entry.target_id and entry.node_id
        assert entry.target_type.app_label in {"org", "catalog", "records"}


def test_bulk_entries_reach_the_committed_event_once_each(
    people, django_capture_on_commit_callbacks
):
    """audit_log_bulk keeps only the ids until the commit, then sends each entry."""
    from xuefen.audit.choices import Event
    from xuefen.audit.models import AuditEntry
    from xuefen.audit.services import audit_entry, audit_log_bulk
    from xuefen.audit.signals import business_event

    seen: list[int] = []

    def receiver(sender, entry, **kwargs):
        seen.append(entry.pk)

    business_event.connect(receiver, sender=AuditEntry)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            saved = audit_log_bulk(
                [
                    audit_entry(
                        actor=people.root, event=Event.TEACHER_UPDATE, target=t, new={"n": i}
                    )
                    for i, t in enumerate([people.teacher_a, people.teacher_b] * 3)
                ]
            )
    finally:
        business_event.disconnect(receiver, sender=AuditEntry)
    assert sorted(seen) == sorted(e.pk for e in saved) and len(seen) == 6
