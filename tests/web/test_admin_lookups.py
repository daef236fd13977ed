"""Every admin change list refuses query-string lookups it does not declare.

Django lets a change list filter on any field of its model from the query string, so a
user shown ``530802********9421`` could ask ``?id_number__startswith=5308021985`` digit by
digit and recover the whole number. Here every registered admin of the site is asked such
lookups (prefixes, regular expressions, comparisons, lookups through relations) by every
named person, each made staff with every model permission (the worst case): the answer is
never a server error and never a result that depends on the value asked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse

from xuefen.org.choices import Role
from xuefen.org.models import Teacher
from xuefen.org.services import role_grant

PEOPLE = (
    "root",
    "county_admin",
    "county_y_admin",
    "school_admin_a",
    "principal_a",
    "school_admin_b",
    "peer_assessor",
    "institution_user",
    "nobody",
    "teacher_a",
)
# Refused answers: Django's "incorrect lookup" (400), its ?e=1 redirect, or no access.
REFUSED = {400, 403}


def person(people: Any, name: str) -> Any:
    obj = getattr(people, name)
    return obj.user if isinstance(obj, Teacher) else obj


def make_staff(user: Any) -> Any:
    """Staff with every model permission: only the scoping stands in the way."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.all())
    return user


def changelist(model_admin: Any) -> str:
    opts = model_admin.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def registered() -> list[Any]:
    return sorted(admin.site._registry.values(), key=lambda a: a.model._meta.label)


def admin_params() -> list[Any]:
    return [pytest.param(a, id=a.model._meta.label) for a in registered()]


def undeclared_lookups(model: type[models.Model]) -> list[str]:
    """Lookups nobody declared: on each field of the model, and through each relation to
    the fields that matter most (ID numbers, password hashes)."""
    lookups: list[str] = []
    for field in model._meta.concrete_fields:
        if field.is_relation:
            target = field.related_model
            names = {f.name for f in target._meta.concrete_fields}
            for secret in ("id_number", "password", "username", "path"):
                if secret in names:
                    lookups.append(f"{field.name}__{secret}__startswith")
            lookups.append(f"{field.name}__pk__gt")
        else:
            lookups += [f"{field.name}__startswith", f"{field.name}__regex", f"{field.name}__gt"]
    return lookups


# Lookups that would recover secrets; asked of every admin by every person.
DANGEROUS = (
    "id_number__startswith",
    "teacher__id_number__startswith",
    "user__password__startswith",
    "password__startswith",
    "actor__password__startswith",
    "user__teacher__id_number__startswith",
    "teacher__user__password__regex",
)


def assert_refused(client: Any, url: str, lookup: str, values: tuple[str, str]) -> None:
    bodies = []
    for value in values:
        response = client.get(url, {lookup: value})
        status = response.status_code
        refused = status in REFUSED or (status == 302 and response["Location"].endswith("?e=1"))
        assert refused, f"{url}?{lookup}={value}: {status}"
        # The page may repeat the address asked (with the value); nonces and CSRF tokens
        # are fresh on every page.
        body = re.sub(rb'(nonce|value)="[^"]*"', b"", response.content.replace(value.encode(), b""))
        bodies.append((status, body))
    assert bodies[0] == bodies[1], f"{url}?{lookup}: the answer depends on the value"


@pytest.fixture
def staff_people(people: Any, make_record: Any) -> Any:
    make_record()
    for name in PEOPLE:
        make_staff(person(people, name))
    return people


def test_every_admin_is_in_the_matrix() -> None:
    """A new admin is covered automatically; this names the ones there are today."""
    labels = {a.model._meta.label for a in registered()}
    assert {"org.Teacher", "records.Record", "auth.User", "audit.AuditEntry"} <= labels


@pytest.mark.parametrize("model_admin", admin_params())
def test_undeclared_lookups_are_refused_for_the_superuser(
    client: Any, staff_people: Any, model_admin: Any
) -> None:
    client.force_login(staff_people.root)
    url = changelist(model_admin)
    assert client.get(url).status_code == 200
    for lookup in undeclared_lookups(model_admin.model):
        assert_refused(client, url, lookup, ("55555", "99999"))


@pytest.mark.parametrize("name", PEOPLE)
def test_dangerous_lookups_are_refused_for_everyone(
    client: Any, staff_people: Any, name: str
) -> None:
    client.force_login(person(staff_people, name))
    number = staff_people.teacher_a.id_number
    for model_admin in registered():
        url = changelist(model_admin)
        for lookup in DANGEROUS:
            assert_refused(client, url, lookup, (number[:14], "0" * 14))


def test_the_id_number_prefix_attack_finds_nothing(client: Any, staff_people: Any) -> None:
    """The attack of the issue: a school administrator shown a masked number."""
    client.force_login(staff_people.peer_assessor)  # sees school A's roster, masked
    url = reverse("admin:org_teacher_changelist")
    number = staff_people.teacher_a.id_number
    for prefix in (number[:14], "0" * 14):
        response = client.get(
            url, {"id": staff_people.teacher_a.pk, "id_number__startswith": prefix}
        )
        assert response.status_code == 400
        assert "张丽" not in response.content.decode()


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("records/record", {"status__exact": "draft"}),
        ("records/record", {"kind": "training"}),
        ("records/record", {"date__year": "2023", "date__month": "3"}),
        ("org/teacher", {"active__exact": "1", "sex__exact": "female"}),
        ("org/orgnode", {"kind": "school"}),  # the pop-up of Teacher.school
        ("org/orgnode", {"kind__exact": "school"}),
        ("auth/user", {"is_active__exact": "1"}),
        ("audit/auditentry", {"event__exact": "teacher.create"}),
        ("audit/auditentry", {"created_at__year": "2026"}),
        ("catalog/project", {"approval_status__exact": "approved"}),
    ],
)
def test_declared_filters_still_work(
    client: Any, staff_people: Any, model: str, params: dict
) -> None:
    client.force_login(staff_people.county_admin)
    app, name = model.split("/")
    response = client.get(reverse(f"admin:{app}_{name}_changelist"), params)
    assert response.status_code == 200


def test_audit_target_type_filter_works(client: Any, staff_people: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    client.force_login(staff_people.root)
    teacher_type = ContentType.objects.get_for_model(Teacher)
    url = reverse("admin:audit_auditentry_changelist")
    assert client.get(url, {"target_type__id__exact": teacher_type.pk}).status_code == 200
    # A declared filter with a value that is no id: Django's ?e=1, not a server error.
    response = client.get(url, {"target_type__id__exact": "9" * 30})
    assert response.status_code in (200, 302)


# -- ID numbers: whole-number search only, and only where they may be seen -----------


def search(client: Any, term: str) -> str:
    response = client.get(reverse("admin:org_teacher_changelist"), {"q": term})
    assert response.status_code == 200
    return response.content.decode()


def test_whole_id_number_finds_the_teacher_for_staff_over_them(
    client: Any, staff_people: Any
) -> None:
    p = staff_people
    client.force_login(p.county_admin)
    body = search(client, p.teacher_a.id_number)
    assert "张丽" in body and "李强" not in body
    # A prefix is no search for ID numbers.
    assert "张丽" not in search(client, p.teacher_a.id_number[:14])
    assert "张丽" not in search(client, p.teacher_a.id_number[-4:])


@pytest.mark.parametrize(
    "name", ["peer_assessor", "county_y_admin", "school_admin_b", "institution_user"]
)
def test_id_number_search_finds_nothing_without_the_right_to_see_it(
    client: Any, staff_people: Any, name: str
) -> None:
    """The peer assessor sees school A's roster but not its ID numbers; the others do not
    see teacher_a at all."""
    client.force_login(person(staff_people, name))
    assert "张丽" not in search(client, staff_people.teacher_a.id_number)


def test_id_number_search_stays_within_the_staff_roles(client: Any, staff_people: Any) -> None:
    """A school administrator of A who also assesses school C sees C's roster, masked: a
    whole-number search finds A's teachers, never C's."""
    p = staff_people
    role_grant(actor=p.root, user=p.school_admin_a, node=p.school_c, role=Role.PEER_ASSESSOR)
    client.force_login(p.school_admin_a)
    assert "赵伟" in search(client, "赵伟")  # C's roster is visible...
    assert "赵伟" not in search(client, p.teacher_c.id_number)  # ...its numbers are not
    assert "张丽" in search(client, p.teacher_a.id_number)


# -- duplicate ID numbers: name the teacher only within scope -----------------------


def add_teacher(client: Any, school: Any, number: str) -> str:
    response = client.post(
        reverse("admin:org_teacher_add"),
        {
            "school": school.pk,
            "name": "新教师",
            "sex": "",
            "id_number": number,
            "phone": "",
            "stage": "primary",
            "subject": "数学",
            "title": "",
            "first_year": "",
            "active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    return response.content.decode()


def test_duplicate_id_number_outside_scope_names_no_one(client: Any, staff_people: Any) -> None:
    p = staff_people
    client.force_login(p.school_admin_a)
    body = add_teacher(client, p.school_a, p.teacher_c.id_number)
    assert "该身份证号已登记" in body
    assert "赵伟" not in body and "宁洱" not in body
    assert Teacher.objects.filter(name="新教师").count() == 0


def test_duplicate_id_number_within_scope_names_the_teacher(client: Any, staff_people: Any) -> None:
    p = staff_people
    client.force_login(p.school_admin_a)
    body = add_teacher(client, p.school_a, p.teacher_a2.id_number.lower())
    assert "李强" in body and "思茅一中" in body
