"""The scoped user admin and the role screen: administrators see and change only the
accounts of their unit, through the audited services; role grants pick users from that
set only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.web.test_admin_lookups import make_staff
from xuefen.audit.models import AuditEntry
from xuefen.org.models import Account, RoleAssignment

User = get_user_model()


@pytest.fixture
def as_staff(client: Any, people: Any) -> Any:
    def login(user: Any) -> Any:
        make_staff(user)
        client.force_login(user)
        return client

    return login


def usernames_listed(client: Any) -> str:
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200
    return response.content.decode()


def test_user_list_is_scoped(as_staff: Any, people: Any) -> None:
    body = usernames_listed(as_staff(people.county_y_admin))
    assert "teacher_c" in body
    for other in ("teacher_a2", "school_admin_a", 'county_admin"', "root", "nobody"):
        assert other not in body


def test_user_outside_scope_cannot_be_opened_or_reset(as_staff: Any, people: Any) -> None:
    client = as_staff(people.county_y_admin)
    target = people.teacher_a.user
    change = client.get(reverse("admin:auth_user_change", args=[target.pk]))
    assert change.status_code == 302  # Django's "does not exist"
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[target.pk])).status_code == 404
    )
    response = client.post(reverse("admin:auth_user_change", args=[target.pk]), {"username": "x"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.username == "teacher_a"


def test_superuser_flags_are_not_on_a_school_admins_form(as_staff: Any, people: Any) -> None:
    client = as_staff(people.school_admin_a)
    target = people.teacher_a.user
    url = reverse("admin:auth_user_change", args=[target.pk])
    body = client.get(url).content.decode()
    assert 'name="is_superuser"' not in body and 'name="user_permissions"' not in body
    data = {
        "username": "teacher_a",
        "first_name": "丽",
        "last_name": "张",
        "email": "",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",  # no staff role: refused by the service, shown as a 403
    }
    client.raise_request_exception = False
    response = client.post(url, data)
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.is_superuser and not target.is_staff
    data.pop("is_staff")
    response = client.post(url, data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.first_name == "丽" and not target.is_superuser
    entry = AuditEntry.objects.get(event="user.update", target_id=str(target.pk))
    assert entry.actor == people.school_admin_a
    assert entry.new_values == {"first_name": "丽", "last_name": "张"}


def test_add_account_in_the_admin(as_staff: Any, people: Any) -> None:
    client = as_staff(people.school_admin_a)
    url = reverse("admin:auth_user_add")
    data = {
        "username": "t_new",
        "home": people.school_b.pk,  # not theirs
        "first_name": "新",
        "last_name": "",
        "email": "",
        "usable_password": "true",
        "password1": "Xin-2024-start",
        "password2": "Xin-2024-start",
    }
    assert client.post(url, data).status_code == 200  # the form again: no such choice
    assert not User.objects.filter(username="t_new").exists()
    data["home"] = people.school_a.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    user = User.objects.get(username="t_new")
    assert Account.objects.get(user=user).home == people.school_a
    assert AuditEntry.objects.get(event="user.create", target_id=str(user.pk)).actor == (
        people.school_admin_a
    )


def test_delete_account_in_the_admin(as_staff: Any, people: Any) -> None:
    client = as_staff(people.county_admin)
    target = people.teacher_b.user
    response = client.post(reverse("admin:auth_user_delete", args=[target.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=target.pk).exists()
    assert AuditEntry.objects.filter(event="user.delete", target_id=str(target.pk)).count() == 1
    assert AuditEntry.objects.filter(event="role.revoke", actor=people.county_admin).count() == 1


def test_role_screen_offers_only_scoped_users(as_staff: Any, people: Any) -> None:
    client = as_staff(people.school_admin_a)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "org", "model_name": "roleassignment", "field_name": "user", "term": ""},
    )
    assert response.status_code == 200
    found = {r["text"] for r in json.loads(response.content)["results"]}
    assert "teacher_a" in found
    assert not found & {"county_y_admin", "county_admin", "teacher_b", "root", "nobody"}
    # Posting another county's administrator anyway: "not a valid choice", nothing granted.
    response = client.post(
        reverse("admin:org_roleassignment_add"),
        {"user": people.county_y_admin.pk, "node": people.school_a.pk, "role": "teacher"},
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=people.county_y_admin, role="teacher")


def test_groups_are_the_superusers(as_staff: Any, people: Any) -> None:
    client = as_staff(people.county_admin)
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    client.force_login(people.root)
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 200
