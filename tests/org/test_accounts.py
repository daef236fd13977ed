"""Accounts: who administers which accounts, who may give roles to whom, and the audit
rows of every change (org.accounts and the roles section of org.services)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from xuefen.audit.models import AuditEntry
from xuefen.org import accounts
from xuefen.org.choices import Role
from xuefen.org.models import Account, RoleAssignment, Teacher
from xuefen.org.services import role_grant, teacher_create, teacher_update
from xuefen.org.validators import mask_phone

from ..conftest import id_number

User = get_user_model()


def fresh(username: str = "fresh") -> Any:
    return User.objects.create_user(username=username, password="pw")


def visible(actor: Any) -> set[str]:
    return set(accounts.users_visible(actor).values_list("username", flat=True))


# -- who sees which accounts ---------------------------------------------------------


def test_school_admin_sees_the_accounts_of_the_school(people: Any) -> None:
    assert visible(people.school_admin_a) == {
        "school_admin_a",
        "principal_a",
        "peer_assessor",
        "teacher_a",
        "teacher_a2",
    }


def test_county_admin_sees_the_accounts_of_the_county(people: Any) -> None:
    assert visible(people.county_admin) == {
        "county_admin",
        "school_admin_a",
        "principal_a",
        "peer_assessor",
        "school_admin_b",
        "institution_user",
        "teacher_a",
        "teacher_a2",
        "teacher_b",
    }
    assert visible(people.county_y_admin) == {"county_y_admin", "teacher_c"}


@pytest.mark.parametrize("name", ["principal_a", "peer_assessor", "institution_user", "nobody"])
def test_others_see_no_accounts(people: Any, name: str) -> None:
    assert visible(getattr(people, name)) == set()


def test_superusers_are_never_in_a_scoped_list(people: Any) -> None:
    people.teacher_a.user.is_superuser = True
    people.teacher_a.user.save()
    assert "teacher_a" not in visible(people.school_admin_a)
    assert not accounts.may_manage(people.school_admin_a, people.teacher_a.user)


def test_an_account_with_a_role_elsewhere_is_seen_but_not_managed(people: Any) -> None:
    """teacher_a also assesses school C (county Y): county X's administrator sees the
    account but may not change it, nor may county Y's."""
    role_grant(
        actor=people.root, user=people.teacher_a.user, node=people.school_c, role="peer_assessor"
    )
    user = people.teacher_a.user
    assert "teacher_a" in visible(people.county_admin)
    assert not accounts.may_manage(people.county_admin, user)
    assert not accounts.may_manage(people.county_y_admin, user)
    assert not accounts.may_manage(people.school_admin_a, user)
    assert accounts.may_manage(people.root, user)


def test_managing(people: Any) -> None:
    p = people
    assert accounts.may_manage(p.school_admin_a, p.teacher_a.user)
    assert accounts.may_manage(p.county_admin, p.teacher_b.user)
    assert not accounts.may_manage(p.school_admin_a, p.teacher_b.user)
    assert not accounts.may_manage(p.school_admin_a, p.county_admin)
    assert not accounts.may_manage(p.county_admin, p.county_y_admin)
    assert not accounts.may_manage(p.county_admin, fresh())  # nobody's yet
    assert not accounts.may_manage(p.principal_a, p.teacher_a.user)


# -- who may give roles to whom --------------------------------------------------------


def test_school_admin_cannot_make_a_county_admin_a_teacher(people: Any) -> None:
    """The defect of the issue: a school administrator gave the teacher role at their
    school to another county's administrator (and could then reach their account)."""
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=people.school_admin_a,
            user=people.county_y_admin,
            node=people.school_a,
            role=Role.TEACHER,
        )
    assert not RoleAssignment.objects.filter(user=people.county_y_admin, role=Role.TEACHER)


def test_school_admin_cannot_link_an_outside_account_to_a_new_teacher(people: Any) -> None:
    with pytest.raises(PermissionDenied):
        teacher_create(
            actor=people.school_admin_a,
            school=people.school_a,
            name="冒名",
            id_number=id_number(77),
            user=people.county_y_admin,
        )
    assert not Teacher.objects.filter(name="冒名").exists()  # rolled back


@pytest.mark.parametrize(
    ("actor", "grantee"),
    [
        ("school_admin_a", "teacher_b"),  # a teacher of another school
        ("school_admin_a", "county_admin"),  # their own superior
        ("school_admin_a", "school_admin_b"),
        ("county_admin", "teacher_c"),  # another county's teacher
        ("county_admin", "county_y_admin"),
        ("county_admin", "root"),  # a superuser
    ],
)
def test_grants_to_accounts_outside_reach_are_refused(
    people: Any, actor: str, grantee: str
) -> None:
    user = getattr(people, grantee)
    user = user.user if isinstance(user, Teacher) else user
    node, role = (people.school_a, Role.TEACHER)
    if actor == "county_admin":
        node, role = people.school_b, Role.PEER_ASSESSOR
    with pytest.raises(PermissionDenied):
        role_grant(actor=getattr(people, actor), user=user, node=node, role=role)


def test_grants_within_reach_and_to_fresh_accounts(people: Any) -> None:
    p = people
    new = fresh()
    role_grant(actor=p.school_admin_a, user=new, node=p.school_a, role=Role.TEACHER)
    # principal_a holds a role only at school A: the school administrator may add one.
    role_grant(actor=p.county_admin, user=p.principal_a, node=p.school_b, role=Role.PEER_ASSESSOR)
    role_grant(actor=p.county_admin, user=fresh("other"), node=p.school_b, role=Role.SCHOOL_ADMIN)
    entry = AuditEntry.objects.filter(event="role.grant").latest("pk")
    assert entry.actor == p.county_admin and entry.new_values["role"] == "school_admin"


def test_the_teacher_role_goes_with_the_teacher_profile(people: Any) -> None:
    """teacher_b (school B) cannot be made a teacher at school A, even by the county."""
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=people.county_admin,
            user=people.teacher_b.user,
            node=people.school_a,
            role=Role.TEACHER,
        )


def test_an_account_created_for_another_unit_is_not_fresh(people: Any) -> None:
    made = accounts.user_create(actor=people.root, username="for_c", home=people.school_c)
    with pytest.raises(PermissionDenied):
        role_grant(actor=people.school_admin_a, user=made, node=people.school_a, role=Role.TEACHER)


# -- account services ------------------------------------------------------------------


def test_user_create_by_a_school_admin(people: Any) -> None:
    user = accounts.user_create(
        actor=people.school_admin_a,
        username="t_new",
        password="Zhang-2024-new",
        home=people.school_a,
        first_name="新",
        email="t_new@example.cn",
    )
    assert user.check_password("Zhang-2024-new") and not user.is_staff
    account = Account.objects.get(user=user)
    assert account.home == people.school_a and account.must_change_password
    entry = AuditEntry.objects.get(event="user.create", target_id=str(user.pk))
    assert entry.actor == people.school_admin_a and entry.node == people.school_a
    assert (
        entry.new_values["username"] == "t_new" and entry.new_values["home"] == people.school_a.pk
    )
    assert "Zhang-2024-new" not in str(entry.new_values) and "password" not in entry.new_values
    assert "t_new" in visible(people.school_admin_a)  # found before it holds any role
    assert "t_new" not in visible(people.school_admin_b)
    role_grant(actor=people.school_admin_a, user=user, node=people.school_a, role=Role.TEACHER)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"home": "school_b"}, PermissionDenied),
        ({"home": None}, PermissionDenied),
        ({"is_staff": True}, PermissionDenied),
        ({"username": "bad name!"}, ValidationError),
        ({"username": "teacher_a"}, ValidationError),
        ({"password": "12345678"}, ValidationError),
    ],
)
def test_user_create_refusals(people: Any, kwargs: dict, error: type) -> None:
    args: dict[str, Any] = {"username": "t_new", "home": people.school_a}
    args.update(kwargs)
    if isinstance(args["home"], str):
        args["home"] = getattr(people, args["home"])
    with pytest.raises(error):
        accounts.user_create(actor=people.school_admin_a, **args)
    assert not AuditEntry.objects.filter(event="user.create").exists()


def test_user_update_is_audited(people: Any) -> None:
    user = people.teacher_a.user
    accounts.user_update(actor=people.school_admin_a, user=user, is_active=False, first_name="丽")
    user.refresh_from_db()
    assert not user.is_active
    entry = AuditEntry.objects.get(event="user.update", target_id=str(user.pk))
    assert entry.old_values == {"first_name": "", "is_active": True}
    assert entry.new_values == {"first_name": "丽", "is_active": False}
    assert entry.node == people.school_a


def test_user_update_refusals(people: Any) -> None:
    p = people
    with pytest.raises(PermissionDenied):
        accounts.user_update(actor=p.school_admin_a, user=p.county_admin, first_name="x")
    with pytest.raises(PermissionDenied):
        accounts.user_update(actor=p.county_admin, user=p.teacher_a.user, is_superuser=True)
    with pytest.raises(PermissionDenied):  # a teacher's account has no business in the admin
        accounts.user_update(actor=p.county_admin, user=p.teacher_a.user, is_staff=True)
    with pytest.raises(ValidationError):
        accounts.user_update(actor=p.county_admin, user=p.county_admin, is_active=False)
    with pytest.raises(ValidationError):
        accounts.user_update(actor=p.county_admin, user=p.teacher_a.user, password="x")
    # A staff role justifies the admin's door.
    accounts.user_update(actor=p.county_admin, user=p.principal_a, is_staff=True)
    p.principal_a.refresh_from_db()
    assert p.principal_a.is_staff


def test_user_delete_audits_the_account_and_each_role(people: Any) -> None:
    p = people
    user = p.teacher_a.user
    role_grant(actor=p.county_admin, user=user, node=p.school_a, role=Role.PEER_ASSESSOR)
    roles = list(RoleAssignment.objects.filter(user=user).values_list("pk", flat=True))
    assert len(roles) == 2
    accounts.user_delete(actor=p.county_admin, user=user, reason="调离")
    assert not User.objects.filter(pk=user.pk).exists()
    revoked = AuditEntry.objects.filter(event="role.revoke", target_id__in=[str(r) for r in roles])
    assert revoked.count() == 2 and all(e.actor == p.county_admin for e in revoked)
    entry = AuditEntry.objects.get(event="user.delete", target_id=str(user.pk))
    assert entry.old_values["username"] == "teacher_a"
    assert entry.old_values["teacher"] == p.teacher_a.pk
    assert entry.reason == "调离" and entry.node == p.school_a
    teacher = Teacher.objects.get(pk=p.teacher_a.pk)
    assert teacher.user is None  # the profile and its records stay


def test_user_delete_refusals(people: Any) -> None:
    p = people
    with pytest.raises(PermissionDenied):
        accounts.user_delete(actor=p.school_admin_a, user=p.teacher_b.user)
    with pytest.raises(ValidationError):
        accounts.user_delete(actor=p.county_admin, user=p.county_admin)
    assert not AuditEntry.objects.filter(event="user.delete").exists()


# -- passwords (services; the pages are tests/web/test_passwords.py) ------------------


def test_password_reset_by_admin_generates_and_forces_a_change(people: Any) -> None:
    user = people.teacher_a.user
    password = accounts.password_reset_by_admin(
        actor=people.school_admin_a, user=user, reason="忘记密码"
    )
    user.refresh_from_db()
    assert user.check_password(password) and len(password) == 10
    assert not password.isdigit()
    assert accounts.must_change_password(user)
    entry = AuditEntry.objects.get(event="auth.password_reset", target_id=str(user.pk))
    assert entry.actor == people.school_admin_a and entry.reason == "忘记密码"
    assert entry.new_values == {"temporary": True, "must_change_password": True}
    assert password not in str(entry.new_values) + str(entry.old_values)
    assert user.password not in str(entry.new_values)


def test_password_reset_by_admin_typed_and_refused(people: Any) -> None:
    p = people
    accounts.password_reset_by_admin(
        actor=p.county_admin, user=p.teacher_b.user, reason="x", password="Wang-2024-typed"
    )
    p.teacher_b.user.refresh_from_db()
    assert p.teacher_b.user.check_password("Wang-2024-typed")
    with pytest.raises(ValidationError):
        accounts.password_reset_by_admin(
            actor=p.county_admin, user=p.teacher_b.user, reason="x", password="123"
        )
    with pytest.raises(PermissionDenied):
        accounts.password_reset_by_admin(actor=p.school_admin_a, user=p.teacher_b.user, reason="x")
    with pytest.raises(PermissionDenied):
        accounts.password_reset_by_admin(actor=p.school_admin_a, user=p.county_admin, reason="x")
    with pytest.raises(ValidationError):
        accounts.password_reset_by_admin(actor=p.county_admin, user=p.county_admin, reason="x")
    assert AuditEntry.objects.filter(event="auth.password_reset").count() == 1


def test_password_change_clears_the_flag(people: Any) -> None:
    user = people.teacher_a.user
    accounts.password_reset_by_admin(actor=people.school_admin_a, user=user, reason="x")
    accounts.password_change(user=user, new_password="Zhang-own-2024")
    assert not accounts.must_change_password(user)
    assert AuditEntry.objects.filter(event="auth.password_change", actor=user).count() == 1


# -- phone numbers in the audit log ----------------------------------------------------


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0577-6712345") == "057*****2345"
    assert mask_phone("") == ""


def test_phone_numbers_are_masked_in_audit_rows(people: Any) -> None:
    teacher = teacher_create(
        actor=people.school_admin_a,
        school=people.school_a,
        name="陈晨",
        id_number=id_number(40),
        phone="13812345678",
    )
    created = AuditEntry.objects.get(event="teacher.create", target_id=str(teacher.pk))
    assert created.new_values["phone"] == "138****5678"
    teacher_update(actor=people.school_admin_a, teacher=teacher, phone="13987654321")
    updated = AuditEntry.objects.get(event="teacher.update", target_id=str(teacher.pk))
    assert updated.old_values["phone"] == "138****5678"
    assert updated.new_values["phone"] == "139****4321"
    everything = str(list(AuditEntry.objects.values_list("old_values", "new_values")))
    assert "13812345678" not in everything and "13987654321" not in everything
