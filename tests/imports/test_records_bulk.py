"""Entering records in bulk (records_create_bulk, records_validate_bulk): the same records,
audit entries and stale marks as record_create one by one; all or nothing; the same rights."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import training
from xuefen.audit.models import AuditEntry
from xuefen.records.models import Record
from xuefen.records.services import (
    record_create,
    record_validate,
    records_create_bulk,
    records_validate_bulk,
)
from xuefen.results.models import TeacherState

COMPARED = ("kind", "date", "level", "fields", "status", "source", "project_id", "origin_key")


def specs(project: Any) -> list[dict[str, Any]]:
    """Records of every status an import may ask for, one of a project, one without policy
    range trouble in another kind."""
    return [
        {"kind": "training", "date": dt.date(2023, 3, 10), "level": "province",
         "fields": training(name="国培计划"), "status": "draft"},
        {"kind": "training", "date": dt.date(2023, 3, 10), "level": "county",
         "fields": training(name="县级培训", mode="centralized", hours=12), "status": "submitted"},
        {"kind": "training", "date": dt.date(2023, 4, 2), "level": "province",
         "fields": training(name="省级培训"), "status": "approved"},
        {"kind": "training", "date": dt.date(2022, 9, 1), "level": "province",
         "fields": training(name="认定的培训"), "status": "certified"},
        {"kind": "training", "date": dt.date(2023, 5, 6), "level": "",
         "fields": {"score": 92}, "status": "certified", "project": project},
    ]  # fmt: skip


@pytest.fixture
def project(people: Any) -> Any:
    from xuefen.catalog.services import project_approve, project_create

    made = project_create(
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
    return project_approve(actor=people.county_admin, project=made)


def unsaved(teacher: Any, spec: dict[str, Any], key: str) -> Record:
    return Record(teacher=teacher, source="imported", origin_key=key, **spec)


def versions(*teachers: Any) -> dict[int, tuple[int, bool]]:
    return {
        s.teacher_id: (s.version, s.stale)
        for s in TeacherState.objects.filter(teacher__in=[t.pk for t in teachers])
    }


def test_bulk_records_are_what_record_create_makes(people: Any, project: Any) -> None:
    actor = people.root
    before = versions(people.teacher_a, people.teacher_a2)
    one_by_one = [
        record_create(
            actor=actor, teacher=people.teacher_a, source="imported", reason="导入：a.csv",
            origin_key=f"import:k{i}", **spec,
        )
        for i, spec in enumerate(specs(project))
    ]  # fmt: skip
    written = records_create_bulk(
        actor=actor,
        records=[
            unsaved(people.teacher_a2, spec, f"import:k{i}")
            for i, spec in enumerate(specs(project))
        ],
        reason="导入：a.csv",
        batch_size=2,  # three batches
    )
    assert written == 5
    bulk = list(Record.objects.filter(teacher=people.teacher_a2).order_by("pk"))
    assert len(bulk) == len(one_by_one)
    for made, other in zip(one_by_one, bulk, strict=True):
        made.refresh_from_db()
        for name in COMPARED:
            assert getattr(other, name) == getattr(made, name), name
        assert other.certified_input == made.certified_input
        assert other.entered_by_id == actor.pk
    assert bulk[3].certified_input is not None and bulk[4].certified_input["days"] == 2.0

    def entries(records: list[Record]) -> list[tuple]:
        rows = AuditEntry.objects.filter(
            event="record.create", target_id__in=[str(r.pk) for r in records]
        ).order_by("pk")
        return [
            (e.actor_id, e.node_id, e.target_type_id, e.target_repr, e.old_values, e.reason,
             {k: v for k, v in e.new_values.items() if k != "teacher"})
            for e in rows
        ]  # fmt: skip

    assert entries(bulk) == entries(one_by_one) and len(entries(bulk)) == 5
    stale = AuditEntry.objects.get(target_id=str(bulk[0].pk), event="record.create")
    assert stale.new_values["teacher"] == people.teacher_a2.pk
    after = versions(people.teacher_a, people.teacher_a2)
    for teacher in (people.teacher_a, people.teacher_a2):
        assert after[teacher.pk][1] is True  # marked stale
        assert after[teacher.pk][0] > before.get(teacher.pk, (0, False))[0]


def test_an_invalid_record_writes_nothing_and_is_named(people: Any) -> None:
    record_create(
        actor=people.root,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 3, 10),
        fields=training(),
        level="province",
        origin_key="import:taken",
    )
    count, audits = Record.objects.count(), AuditEntry.objects.count()
    good = {"kind": "training", "date": dt.date(2023, 3, 10), "level": "province",
            "fields": training(), "status": "submitted"}  # fmt: skip
    bad = dict(good, fields=training(hours=-3))
    records = [
        unsaved(people.teacher_a2, good, "import:1"),
        unsaved(people.teacher_a2, good, "import:2"),
        unsaved(people.teacher_a2, bad, "import:3"),
        unsaved(people.teacher_a2, good, "import:1"),  # twice in the set
        unsaved(people.teacher_a, good, "import:taken"),  # entered before
        unsaved(people.teacher_a, dict(good, date=dt.date(2999, 1, 1)), "import:5"),
    ]
    with pytest.raises(ValidationError) as exc:
        records_create_bulk(actor=people.root, records=records, batch_size=2)
    messages = exc.value.message_dict["records"]
    assert len(messages) == 4
    assert messages[0].startswith("Record 3") or messages[0].startswith("第 3 条")
    assert "hours" in messages[0] or "学时" in messages[0]
    assert any(m.startswith(("Record 4", "第 4 条")) for m in messages)
    assert any(m.startswith(("Record 5", "第 5 条")) for m in messages)
    assert any(m.startswith(("Record 6", "第 6 条")) for m in messages)
    assert Record.objects.count() == count and AuditEntry.objects.count() == audits


def test_the_rights_are_record_creates(people: Any) -> None:
    spec = {"kind": "training", "date": dt.date(2023, 3, 10), "level": "province",
            "fields": training(), "status": "submitted"}  # fmt: skip
    with pytest.raises(PermissionDenied):
        records_create_bulk(
            actor=people.school_admin_b, records=[unsaved(people.teacher_a, spec, "import:1")]
        )
    # A teacher enters their own draft, but not one already approved.
    own = people.teacher_a.user
    assert records_create_bulk(actor=own, records=[unsaved(people.teacher_a, spec, "k1")]) == 1
    with pytest.raises(PermissionDenied):
        records_create_bulk(
            actor=own, records=[unsaved(people.teacher_a, dict(spec, status="approved"), "k2")]
        )
    # The school reviews, but does not certify.
    admin = people.school_admin_a
    approved = unsaved(people.teacher_a, dict(spec, status="approved"), "k3")
    assert records_create_bulk(actor=admin, records=[approved]) == 1
    with pytest.raises(PermissionDenied):
        records_create_bulk(
            actor=admin, records=[unsaved(people.teacher_a, dict(spec, status="certified"), "k4")]
        )
    assert Record.objects.filter(teacher=people.teacher_a).count() == 2


def test_validating_in_bulk_says_what_record_validate_says(people: Any) -> None:
    fields = {"mode": "school_based", "module": "school_based", "hours": 6}
    cases = [
        ("training", dt.date(2023, 3, 10), "province", training()),
        ("training", dt.date(2023, 3, 10), "province", training(hours=-3)),
        ("training", dt.date(2023, 3, 10), "school", dict(fields, credit_per_hour=5)),
        ("training", dt.date(2024, 3, 1), "school", dict(fields, credit_per_hour=5)),
        ("training", dt.date(2024, 3, 1), "school", dict(fields, credit_per_hour=1)),
        ("training", dt.date(2999, 1, 1), "province", training()),
        ("training", dt.date(2023, 3, 10), "province", {"status": "x", **training()}),
        ("training", dt.date(2023, 3, 10), "nowhere", training()),
        ("training", dt.date(2019, 3, 10), "province", training()),  # before the policy
        ("training", dt.date(2019, 3, 10), "province", training(hours=-1)),
    ]
    records = [
        Record(teacher=teacher, kind=k, date=d, level=lv, fields=f, status="submitted")
        for teacher in (people.teacher_a, people.teacher_c)
        for k, d, lv, f in cases
    ]
    expected: dict[int, dict] = {}
    for i, record in enumerate(records):
        try:
            record_validate(record)
        except ValidationError as exc:
            expected[i] = exc.message_dict
    found = records_validate_bulk(records)
    assert {i: e.message_dict for i, e in found.items()} == expected
    assert 0 not in expected and 1 in expected and len(expected) >= 10
