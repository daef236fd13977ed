"""Institutions and projects: validation, approval rights, audit rows, and what approval
does to the credits of their records."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xuefen.audit.models import AuditEntry
from xuefen.catalog.services import (
    institution_approve,
    institution_create,
    institution_revoke,
    institution_update,
    project_approve,
    project_create,
    project_reject,
    project_update,
)
from xuefen.records.services import record_certify
from xuefen.results.selectors import teacher_standing as teacher_result

AS_OF = dt.date(2023, 12, 31)


def _project(people, **overrides):
    values = {
        "actor": people.county_admin,
        "publisher": people.county_x,
        "name": "县级教学能力提升培训",
        "level": "county",
        "mode": "centralized",
        "module": "ability",
        "hours": 12,
        "credit_per_hour": 1.5,
    }
    values.update(overrides)
    return project_create(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hours": None}, "hours"),
        ({"days": 2}, "hours"),
        ({"credit_per_hour": 0}, "credit_per_hour"),
        ({"credit_per_hour": -1}, "credit_per_hour"),
        ({"hours": -5}, "hours"),
        ({"mode": "by_post"}, "mode"),
        ({"enrol_from": dt.date(2023, 5, 1), "enrol_to": dt.date(2023, 4, 1)}, "enrol_to"),
    ],
)
def test_project_validation_names_the_field(people, overrides, field):
    with pytest.raises(ValidationError) as info:
        _project(people, **overrides)
    assert field in info.value.message_dict


def test_project_rights(people):
    with pytest.raises(PermissionDenied):
        _project(people, actor=people.county_y_admin)
    with pytest.raises(PermissionDenied):
        _project(people, actor=people.teacher_a.user, publisher=people.school_a)
    school_project = _project(
        people,
        actor=people.school_admin_a,
        publisher=people.school_a,
        level="school",
        credit_per_hour=1,  # 普洱: a school-level centralized training earns 1 per hour
    )
    with pytest.raises(PermissionDenied):  # schools do not approve their own projects
        project_approve(actor=people.school_admin_a, project=school_project)
    with pytest.raises(ValidationError):
        project_update(
            actor=people.county_admin, project=school_project, approval_status="approved"
        )
    project_approve(actor=people.county_admin, project=school_project)


def test_project_lifecycle_audit(people):
    project = _project(people)
    assert project.approval_status == "pending"
    project_update(actor=people.county_admin, project=project, hours=18, reason="延长")
    project_approve(actor=people.county_admin, project=project)
    with pytest.raises(ValidationError):
        project_approve(actor=people.county_admin, project=project)
    with pytest.raises(ValidationError):
        project_reject(actor=people.county_admin, project=project, reason=" ")
    project_reject(actor=people.county_admin, project=project, reason="未按计划实施")
    rows = list(
        AuditEntry.objects.filter(target_id=str(project.pk), event__startswith="project.")
        .order_by("pk")
        .values_list("event", "old_values", "new_values", "reason")
    )
    assert [r[0] for r in rows] == [
        "project.create",
        "project.update",
        "project.approve",
        "project.reject",
    ]
    assert rows[1][1] == {"hours": "12"} and rows[1][2] == {"hours": "18"}
    assert rows[2][2]["approval_status"] == "approved"
    assert rows[2][2]["approved_by"] == people.county_admin.pk
    assert rows[3][3] == "未按计划实施"


def test_institution_lifecycle_audit(people):
    inst = institution_create(actor=people.county_admin, node=people.county_x, name="名师工作室")
    with pytest.raises(PermissionDenied):
        institution_create(actor=people.school_admin_a, node=people.county_x, name="x")
    with pytest.raises(PermissionDenied):
        institution_approve(actor=people.county_y_admin, institution=inst)
    institution_update(actor=people.county_admin, institution=inst, contact="0879-1234567")
    institution_approve(actor=people.county_admin, institution=inst, reason="年度审核通过")
    inst.refresh_from_db()
    assert inst.approved and inst.approved_by == people.county_admin and inst.approved_at
    with pytest.raises(ValidationError):
        institution_revoke(actor=people.county_admin, institution=inst, reason="")
    institution_revoke(actor=people.county_admin, institution=inst, reason="资质过期")
    events = list(
        AuditEntry.objects.filter(target_id=str(inst.pk), event__startswith="institution.")
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == [
        "institution.create",
        "institution.update",
        "institution.approve",
        "institution.revoke",
    ]


def test_records_of_unapproved_projects_are_not_certified_and_certified_ones_stay(
    people, make_record
):
    """A record of an unapproved project (or institution) cannot be certified; once
    certified, withdrawing the approval or editing the project no longer changes it:
    certified means frozen (issue 6, defect 1)."""
    project = _project(people, institution=people.institution)
    record = make_record(
        people.teacher_a,
        actor=people.county_admin,
        kind="training",
        fields={"score": 95},
        level="",
        project=project,
        status="submitted",
    )
    with pytest.raises(ValidationError) as err:
        record_certify(actor=people.county_admin, record=record)
    assert "project" in err.value.message_dict
    with pytest.raises(ValidationError):
        make_record(
            people.teacher_a,
            actor=people.county_admin,
            fields={"score": 90},
            level="",
            project=project,
            status="certified",
        )

    project_approve(actor=people.county_admin, project=project)
    record_certify(actor=people.county_admin, record=record)
    verdict = teacher_result(people.teacher_a, as_of=AS_OF).records[str(record.pk)]
    assert verdict["counted"] is True
    assert verdict["credits"] == pytest.approx(12 * 1.5 * 1.2)  # 优 +0.2

    institution_revoke(actor=people.county_admin, institution=people.institution, reason="停办")
    verdict = teacher_result(people.teacher_a, as_of=AS_OF).records[str(record.pk)]
    assert verdict["counted"] is True
    assert verdict["credits"] == pytest.approx(12 * 1.5 * 1.2)
    later = make_record(
        people.teacher_a,
        actor=people.county_admin,
        fields={"score": 90},
        level="",
        project=project,
        status="submitted",
    )
    with pytest.raises(ValidationError):
        record_certify(actor=people.county_admin, record=later)


def test_editing_a_project_leaves_its_certified_records_as_certified(people, make_record):
    """Defect 1: editing an approved project's days or rate changed every certified record
    of it (39.6 → 495 credits). Now only records not yet certified follow the project."""
    project = _project(people)
    project_approve(actor=people.county_admin, project=project)
    certified = make_record(
        people.teacher_a,
        actor=people.county_admin,
        fields={"score": 95},
        level="",
        project=project,
        status="certified",
    )
    pending = make_record(
        people.teacher_a,
        actor=people.county_admin,
        fields={"score": 95},
        level="",
        project=project,
        status="submitted",
    )
    before = teacher_result(people.teacher_a, as_of=AS_OF).records[str(certified.pk)]
    assert before["credits"] == pytest.approx(12 * 1.5 * 1.2)

    project_update(actor=people.county_admin, project=project, hours=None, days=30)
    results = teacher_result(people.teacher_a, as_of=AS_OF).records
    assert results[str(certified.pk)]["credits"] == pytest.approx(before["credits"])
    assert results[str(certified.pk)]["hours"] == pytest.approx(12)
    # The pending record follows the corrected project: 30 d × 6 h/d (capped by policy).
    assert results[str(pending.pk)]["hours"] != pytest.approx(12)

    # It is the stored copy that counts, whatever happens to the project row later.
    certified.refresh_from_db()
    assert certified.certified_input["hours"] == 12
    assert certified.certified_input["credit_per_hour"] == 1.5


def test_a_rate_the_policy_refuses_is_refused_on_the_project(people, make_record):
    """Defect 1: an out-of-range credit rate on a project turned 401 teachers' results
    into errors. The project is checked against the policy in force where it is published,
    and a record is evaluated before it is saved."""
    project = _project(people)
    with pytest.raises(ValidationError) as err:
        project_update(actor=people.county_admin, project=project, credit_per_hour=50)
    assert "credit_per_hour" in err.value.message_dict
    project.refresh_from_db()
    assert project.credit_per_hour == 1.5
    with pytest.raises(ValidationError) as err:
        _project(people, credit_per_hour=50)
    assert "credit_per_hour" in err.value.message_dict
