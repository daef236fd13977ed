"""The organisation tree (materialized path), teachers and role coverage."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import id_number
from xuefen.audit.models import AuditEntry
from xuefen.org.choices import NodeKind, Role, SchoolKind
from xuefen.org.models import OrgNode, RoleAssignment, Teacher
from xuefen.org.scoping import can
from xuefen.org.services import (
    can_see_id_number,
    display_id_number,
    node_create,
    node_update,
    role_grant,
    role_revoke,
    teacher_create,
    teacher_update,
)
from xuefen.org.validators import mask_id_number


def test_paths_nest_and_descendants_is_one_query(people, django_assert_num_queries):
    assert people.school_b.path.startswith(people.group_x.path)
    assert people.group_x.path.startswith(people.county_x.path)
    assert people.school_b.depth == people.county_x.depth + 2
    with django_assert_num_queries(1):
        under_x = {n.name for n in people.county_x.descendants()}
    assert under_x == {"城区片区", "思茅一中", "思茅二小", "语文教研组"}
    assert [n.name for n in people.subject_group_a.ancestors()] == [
        "云南省",
        "普洱市",
        "思茅区",
        "思茅一中",
    ]
    assert people.subject_group_a.school == people.school_a
    assert not people.school_c.is_under(people.county_x)


def test_sibling_prefix_does_not_leak(people):
    """Path segments have fixed width, so node 1 is never a prefix of node 10."""
    widths = {len(seg) for seg in people.school_b.path.strip("/").split("/")}
    assert widths == {8}


def test_tree_shape_is_enforced(people):
    with pytest.raises(ValidationError) as info:
        node_create(actor=people.root, parent=people.school_a, kind=NodeKind.COUNTY, name="x")
    assert "parent" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        node_create(actor=people.root, parent=people.county_x, kind=NodeKind.SCHOOL, name="无类型")
    assert "school_kind" in info.value.message_dict


def test_node_creation_rights_and_audit(people):
    with pytest.raises(PermissionDenied):
        node_create(actor=people.county_y_admin, parent=people.county_x, kind="school", name="x")
    with pytest.raises(PermissionDenied):  # schools are the training office's
        node_create(
            actor=people.school_admin_a,
            parent=people.group_x,
            kind=NodeKind.SCHOOL,
            name="x",
            school_kind=SchoolKind.PRIMARY,
        )
    group = node_create(
        actor=people.school_admin_a,
        parent=people.school_a,
        kind=NodeKind.SUBJECT_GROUP,
        name="数学教研组",
    )
    entry = AuditEntry.objects.get(event="node.create", target_id=str(group.pk))
    assert entry.actor == people.school_admin_a and entry.node == group
    node_update(
        actor=people.county_admin, node=people.school_a, name="思茅区第一中学", reason="更名"
    )
    entry = AuditEntry.objects.get(event="node.update", target_id=str(people.school_a.pk))
    assert entry.old_values == {"name": "思茅一中"}
    assert entry.new_values == {"name": "思茅区第一中学"}
    assert entry.reason == "更名"


def test_role_at_county_covers_every_school_beneath(people):
    for school in (people.school_a, people.school_b):
        assert can(people.county_admin, "change", school)
        assert can(people.county_admin, "view", school.teachers.first())
    assert not can(people.county_admin, "view", people.school_c)
    assert not can(people.county_admin, "view", people.teacher_c)
    assert not can(people.school_admin_a, "view", people.teacher_b)
    assert can(people.school_admin_b, "view", people.teacher_b)


def test_role_grant_rules_and_audit(people, django_user_model):
    user = django_user_model.objects.create_user("new_teacher")
    # A school administrator may make someone a teacher at their own school...
    assignment = role_grant(
        actor=people.school_admin_a, user=user, node=people.school_a, role=Role.TEACHER
    )
    entry = AuditEntry.objects.get(event="role.grant", target_id=str(assignment.pk))
    assert entry.new_values["role"] == "teacher" and entry.actor == people.school_admin_a
    # ...but not an administrator, nor anything at another school.
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=people.school_admin_a, user=user, node=people.school_a, role=Role.SCHOOL_ADMIN
        )
    with pytest.raises(PermissionDenied):
        role_grant(actor=people.school_admin_a, user=user, node=people.school_b, role="teacher")
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=people.county_y_admin, user=user, node=people.school_a, role=Role.SCHOOL_ADMIN
        )
    with pytest.raises(ValidationError):  # county admins sit at counties
        role_grant(
            actor=people.county_admin, user=user, node=people.school_a, role=Role.COUNTY_ADMIN
        )
    with pytest.raises(ValidationError):  # already held
        role_grant(actor=people.county_admin, user=user, node=people.school_a, role="teacher")
    assignment_pk = assignment.pk
    role_revoke(actor=people.county_admin, assignment=assignment, reason="调离")
    assert not RoleAssignment.objects.filter(pk=assignment_pk).exists()
    entry = AuditEntry.objects.get(event="role.revoke", target_id=str(assignment_pk))
    assert entry.old_values["user"] == user.pk and entry.reason == "调离"


def test_role_change_takes_effect_for_the_same_user_object(people, django_user_model):
    user = django_user_model.objects.create_user("late_admin")
    assert not can(user, "view", people.teacher_a)
    assignment = role_grant(
        actor=people.root, user=user, node=people.school_a, role=Role.SCHOOL_ADMIN
    )
    assert can(user, "view", people.teacher_a)
    role_revoke(actor=people.root, assignment=assignment)
    assert not can(user, "view", people.teacher_a)


def test_teacher_create_validates_and_audits_without_the_id_number(people):
    number = id_number(77)
    with pytest.raises(ValidationError) as info:
        teacher_create(
            actor=people.school_admin_a,
            school=people.school_a,
            name="钱七",
            id_number=number[:17] + ("0" if number[17] != "0" else "1"),
        )
    assert "id_number" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        teacher_create(
            actor=people.school_admin_a,
            school=people.school_a,
            name="钱七",
            id_number=number,
            sex="female",
        )
    assert "sex" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        teacher_create(
            actor=people.school_admin_b, school=people.school_a, name="钱七", id_number=number
        )
    teacher = teacher_create(
        actor=people.school_admin_a,
        school=people.school_a,
        name="钱七",
        id_number=number,
        group=people.subject_group_a,
        hire_date=dt.date(2024, 9, 1),
        first_year=True,
    )
    assert teacher.sex == "male"  # read from the ID number
    entry = AuditEntry.objects.get(event="teacher.create", target_id=str(teacher.pk))
    assert entry.new_values["id_number"] == mask_id_number(number)
    assert number not in str(entry.new_values)
    teacher_update(actor=people.school_admin_a, teacher=teacher, head_teacher=True)
    entry = AuditEntry.objects.get(event="teacher.update", target_id=str(teacher.pk))
    assert entry.old_values == {"head_teacher": False}
    assert entry.new_values == {"head_teacher": True}
    with pytest.raises(ValidationError):
        teacher_update(actor=people.school_admin_a, teacher=teacher, group=people.school_b)


def test_id_numbers_full_only_for_owner_and_staff_over_them(people):
    teacher = Teacher.objects.get(pk=people.teacher_a.pk)
    full, masked = teacher.id_number, teacher.id_number_masked
    assert masked != full and masked[:6] == full[:6] and masked[-4:] == full[-4:]
    for user in (people.teacher_a.user, people.school_admin_a, people.principal_a):
        assert display_id_number(user, teacher) == full
    assert display_id_number(people.county_admin, teacher) == full
    for user in (
        people.peer_assessor,
        people.teacher_a2.user,
        people.county_y_admin,
        people.nobody,
    ):
        assert not can_see_id_number(user, teacher)
        assert display_id_number(user, teacher) == masked
    assert str(teacher) == "张丽"


def test_nodes_and_tree_queries_are_indexed_by_path(people):
    schools = OrgNode.objects.filter(kind=NodeKind.SCHOOL, path__startswith=people.city.path)
    assert schools.count() == 3
