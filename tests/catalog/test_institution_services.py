"""A training institution's projects (issue 8 item 1): drafts, sending for approval, the
region's decision, and results registered in one table — every transition and every
refused one with its audit row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xuefen.audit.models import AuditEntry
from xuefen.catalog.choices import ApprovalStatus
from xuefen.catalog.models import Project
from xuefen.catalog.services import (
    ResultRow,
    RowErrors,
    project_approve,
    project_create,
    project_reject,
    project_submit,
    project_update,
    results_register,
)
from xuefen.inbox.models import Notification
from xuefen.org.scoping import restrict
from xuefen.records.models import Record

pytestmark = pytest.mark.db_backend


def draft(people: Any, **overrides: Any) -> Project:
    values: dict[str, Any] = {
        "actor": people.institution_user,
        "publisher": people.county_x,
        "institution": people.institution,
        "name": "信息技术应用能力提升工程2.0",
        "level": "county",
        "mode": "online",
        "module": "ability",
        "hours": 30,
    }
    values.update(overrides)
    return project_create(**values)


def events(project: Project) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(Project), target_id=str(project.pk)
        )
        .order_by("pk")
        .values_list("event", flat=True)
    )


def test_institution_writes_a_draft_at_its_region(people: Any) -> None:
    project = draft(people)
    assert project.approval_status == ApprovalStatus.DRAFT
    assert project.publisher == people.county_x
    assert events(project) == ["project.create"]
    # Not at another region, and not for another institution.
    with pytest.raises(ValidationError) as info:
        draft(people, publisher=people.county_y)
    assert "publisher" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        draft(people, institution=None)


def test_teachers_do_not_see_drafts(people: Any) -> None:
    project = draft(people)
    teacher = people.teacher_a.user
    assert not restrict(Project, teacher, "view").filter(pk=project.pk).exists()
    project_submit(actor=people.institution_user, project=project)
    assert restrict(Project, teacher, "view").filter(pk=project.pk).exists()


def test_submit_tells_the_region_and_is_audited(
    people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    project = draft(people)
    with django_capture_on_commit_callbacks(execute=True):
        project_submit(actor=people.institution_user, project=project)
    project.refresh_from_db()
    assert project.approval_status == ApprovalStatus.PENDING
    assert events(project) == ["project.create", "project.submit"]
    entry = AuditEntry.objects.get(event="project.submit")
    assert entry.old_values == {"approval_status": "draft"}
    assert entry.new_values == {"approval_status": "pending"}
    told = Notification.objects.filter(event="project.submit")
    assert list(told.values_list("user_id", flat=True)) == [people.county_admin.pk]
    # Sent twice: refused, nothing written.
    with pytest.raises(ValidationError) as info:
        project_submit(actor=people.institution_user, project=project)
    assert "approval_status" in info.value.message_dict
    assert events(project) == ["project.create", "project.submit"]


def test_submit_refused_to_others(people: Any) -> None:
    project = draft(people)
    for outsider in (people.teacher_a.user, people.county_y_admin, people.nobody):
        with pytest.raises(PermissionDenied):
            project_submit(actor=outsider, project=project)
    assert events(project) == ["project.create"]


def test_a_draft_cannot_be_approved_before_it_is_sent(people: Any) -> None:
    project = draft(people)
    with pytest.raises(ValidationError):
        project_approve(actor=people.county_admin, project=project)
    project_submit(actor=people.institution_user, project=project)
    with pytest.raises(PermissionDenied):  # the institution never approves itself
        project_approve(actor=people.institution_user, project=project)
    project_approve(actor=people.county_admin, project=project, reason="符合要求")
    assert events(project) == ["project.create", "project.submit", "project.approve"]


def test_rejected_project_is_corrected_and_sent_again(
    people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    project = draft(people)
    project_submit(actor=people.institution_user, project=project)
    with django_capture_on_commit_callbacks(execute=True):
        project_reject(actor=people.county_admin, project=project, reason="学时不足")
    told = Notification.objects.get(event="project.reject")
    assert told.user_id == people.institution_user.pk and "学时不足" in told.body
    project_submit(actor=people.institution_user, project=project)
    with pytest.raises(PermissionDenied):
        project_update(actor=people.county_y_admin, project=project, hours=20)
    # Pending: the institution waits for the decision.
    with pytest.raises(ValidationError) as info:
        project_update(actor=people.institution_user, project=project, hours=20)
    assert "approval_status" in info.value.message_dict
    project_reject(actor=people.county_admin, project=project, reason="学时不足")
    project_update(actor=people.institution_user, project=project, hours=40)
    with pytest.raises(ValidationError):  # never to another institution
        project_update(actor=people.institution_user, project=project, institution=None)
    project_submit(actor=people.institution_user, project=project)
    project.refresh_from_db()
    assert project.hours == 40 and project.approval_status == ApprovalStatus.PENDING
    assert events(project) == [
        "project.create",
        "project.submit",
        "project.reject",
        "project.submit",
        "project.reject",
        "project.update",
        "project.submit",
    ]


# -- results ----------------------------------------------------------------------------


@pytest.fixture
def approved(people: Any) -> Project:
    project = draft(people)
    project_submit(actor=people.institution_user, project=project)
    project_approve(actor=people.county_admin, project=project)
    return project


def today() -> dt.date:
    return timezone.localdate()


def test_results_table_writes_submitted_records(
    people: Any, approved: Project, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        ResultRow(people.teacher_a, Decimal(30), Decimal(92)),
        ResultRow(people.teacher_b, None, Decimal(75)),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = results_register(
            actor=people.institution_user, project=approved, date=today(), rows=rows
        )
    assert [r.status for r in created] == ["submitted", "submitted"]
    assert {r.source for r in created} == {"institution"}
    assert created[0].fields == {"hours": 30.0, "score": 92.0}
    assert created[1].fields == {"score": 75.0}  # the project's 30 hours
    assert AuditEntry.objects.filter(event="record.create").count() == 2
    entry = AuditEntry.objects.get(event="results.register")
    assert entry.new_values["records"] == [r.pk for r in created]
    # Each school's administrator is told there is something to review.
    told = set(
        Notification.objects.filter(event="results.register").values_list("user_id", flat=True)
    )
    assert told == {people.school_admin_a.pk, people.school_admin_b.pk}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (lambda p: ResultRow(None, Decimal(30), Decimal(80)), "teacher"),
        (lambda p: ResultRow(p.teacher_a2, Decimal(-3), Decimal(80)), "hours"),
        (lambda p: ResultRow(p.teacher_a2, Decimal(30), Decimal(120)), "score"),
        (lambda p: ResultRow(p.teacher_c, Decimal(30), Decimal(80)), "project"),  # other county
        (lambda p: ResultRow(p.teacher_a, Decimal(30), Decimal(80)), "teacher"),  # twice
    ],
)
def test_one_bad_row_writes_nothing_and_names_the_row(
    people: Any, approved: Project, bad: Any, field: str
) -> None:
    rows = [ResultRow(people.teacher_a, Decimal(30), Decimal(90)), bad(people)]
    with pytest.raises(RowErrors) as info:
        results_register(actor=people.institution_user, project=approved, date=today(), rows=rows)
    assert list(info.value.rows) == [2]
    assert field in info.value.rows[2]
    assert any(m.startswith("第2行") or "Row 2" in m for m in info.value.messages)
    assert not Record.objects.filter(project=approved).exists()
    assert not AuditEntry.objects.filter(event__in=["record.create", "results.register"]).exists()


def test_registering_again_counts_nobody_twice(people: Any, approved: Project) -> None:
    results_register(
        actor=people.institution_user,
        project=approved,
        date=today(),
        rows=[ResultRow(people.teacher_a, None, Decimal(88))],
    )
    with pytest.raises(RowErrors) as info:
        results_register(
            actor=people.institution_user,
            project=approved,
            date=today(),
            rows=[
                ResultRow(people.teacher_b, None, Decimal(80)),
                ResultRow(people.teacher_a, None, Decimal(88)),
            ],
        )
    assert list(info.value.rows) == [2]
    assert Record.objects.filter(project=approved).count() == 1


def test_results_refused_for_unapproved_projects_and_outsiders(
    people: Any, approved: Project
) -> None:
    pending = draft(people, name="未审批项目")
    rows = [ResultRow(people.teacher_a, None, Decimal(80))]
    with pytest.raises(ValidationError) as info:
        results_register(actor=people.institution_user, project=pending, date=today(), rows=rows)
    assert "project" in info.value.message_dict
    for outsider in (people.teacher_a.user, people.county_y_admin, people.school_admin_a):
        with pytest.raises(PermissionDenied):
            results_register(actor=outsider, project=approved, date=today(), rows=rows)
    assert not Record.objects.exists()
    assert not AuditEntry.objects.filter(event="results.register").exists()
