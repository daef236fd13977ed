"""Passwords: everyone changes their own; an administrator of the account resets it (the
user must change it at the next login); by e-mail where the deployment sends mail. Every
path is audited and no audit row holds a password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tests.web.test_admin_lookups import make_staff
from xuefen.audit.models import AuditEntry
from xuefen.org import accounts

NEW = "Li-2024-mine!"


def change_password(client: Any, old: str, new: str = NEW) -> Any:
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def no_password_in_audit(*passwords: str) -> None:
    everything = str(list(AuditEntry.objects.values_list("old_values", "new_values", "reason")))
    for password in passwords:
        assert password not in everything


def test_every_page_header_links_to_the_password_page(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    body = client.get(reverse("portal:me")).content.decode()
    assert f'href="{reverse("password_change")}"' in body
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "修改密码" in page.content.decode()


def test_anonymous_is_sent_to_login(client: Any) -> None:
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_teacher_changes_their_password(client: Any, people: Any) -> None:
    user = people.teacher_a.user
    client.force_login(user)
    assert change_password(client, "wrong").status_code == 200  # the form again
    response = change_password(client, "pw")
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(reverse("portal:me")).status_code == 200  # still logged in
    entry = AuditEntry.objects.get(event="auth.password_change")
    assert entry.actor == user and entry.target_id == str(user.pk)
    assert entry.node == people.school_a
    no_password_in_audit(NEW, "pw")


def test_weak_password_is_refused(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    response = change_password(client, "pw", "12345678")
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(event="auth.password_change").exists()


def test_the_admins_password_link_is_the_audited_page(client: Any, people: Any) -> None:
    make_staff(people.county_admin)
    client.force_login(people.county_admin)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": "pw", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(event="auth.password_change", actor=people.county_admin)


# -- reset by an administrator, then the forced change ------------------------------


def test_admin_reset_shows_the_password_once_and_forces_a_change(client: Any, people: Any) -> None:
    make_staff(people.school_admin_a)
    client.force_login(people.school_admin_a)
    target = people.teacher_a.user
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "忘记密码", "password1": "", "password2": ""})
    assert response.status_code == 200
    shown = re.findall(
        r'<code class="temporary-password">([^<]+)</code>', response.content.decode()
    )
    assert len(shown) == 1
    temporary = shown[0]
    assert "no-store" in response.get("Cache-Control", "") or "no-cache" in response.get(
        "Cache-Control", ""
    )
    entry = AuditEntry.objects.get(event="auth.password_reset", target_id=str(target.pk))
    assert entry.actor == people.school_admin_a and entry.reason == "忘记密码"
    no_password_in_audit(temporary)

    # The teacher logs in with it and is sent to the password page until they change it.
    client.logout()
    response = client.post(reverse("login"), {"username": "teacher_a", "password": temporary})
    assert response.status_code == 302
    for page in (reverse("portal:me"), "/", reverse("admin:index")):
        blocked = client.get(page)
        assert blocked.status_code == 302 and blocked["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "请先设置您自己的密码" in page.content.decode()
    assert change_password(client, temporary).status_code == 302
    assert client.get(reverse("portal:me")).status_code == 200
    assert not accounts.must_change_password(target)
    # The next login is free too.
    client.logout()
    client.post(reverse("login"), {"username": "teacher_a", "password": NEW})
    assert client.get(reverse("portal:me")).status_code == 200


def test_admin_reset_with_a_typed_password(client: Any, people: Any) -> None:
    make_staff(people.county_admin)
    client.force_login(people.county_admin)
    target = people.teacher_b.user
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    typed = "Wang-2024-typed"
    bad = client.post(url, {"reason": "x", "password1": typed, "password2": "other"})
    assert bad.status_code == 200 and "temporary-password" not in bad.content.decode()
    ok = client.post(url, {"reason": "x", "password1": typed, "password2": typed})
    assert ok.status_code == 200 and typed not in ok.content.decode()
    target.refresh_from_db()
    assert target.check_password(typed) and accounts.must_change_password(target)
    no_password_in_audit(typed)


def test_admin_reset_action_on_the_list(client: Any, people: Any) -> None:
    make_staff(people.school_admin_a)
    client.force_login(people.school_admin_a)
    users = [people.teacher_a.user, people.teacher_a2.user]
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_passwords", "_selected_action": [u.pk for u in users]},
    )
    assert response.status_code == 200
    shown = re.findall(
        r'<code class="temporary-password">([^<]+)</code>', response.content.decode()
    )
    assert len(shown) == 2
    assert AuditEntry.objects.filter(event="auth.password_reset").count() == 2
    no_password_in_audit(*shown)


def test_nobody_resets_a_password_outside_their_reach(client: Any, people: Any) -> None:
    make_staff(people.school_admin_b)
    client.force_login(people.school_admin_b)
    for target in (people.teacher_a.user, people.county_admin, people.root):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert not AuditEntry.objects.filter(event="auth.password_reset").exists()


# -- reset by e-mail -------------------------------------------------------------------


def test_mail_reset_is_off_unless_configured(client: Any, people: Any) -> None:
    assert "password-reset" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("password_reset")).status_code == 404
    assert client.post(reverse("password_reset"), {"email": "a@example.cn"}).status_code == 404
    assert mail.outbox == []


def test_mail_reset_when_configured(client: Any, people: Any, settings: Any) -> None:
    settings.XUEFEN_PASSWORD_RESET_BY_MAIL = True
    user = people.teacher_a.user
    user.email = "zhangli@example.cn"
    user.save()
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in login_page
    # An unknown address gets the same answer and no mail.
    response = client.post(reverse("password_reset"), {"email": "nobody@example.cn"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    client.post(reverse("password_reset"), {"email": "zhangli@example.cn"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhangli@example.cn"]
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="new_password1"' in form_page.content.decode()
    confirm_url = form_page.redirect_chain[-1][0]
    done = client.post(confirm_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW)
    entry = AuditEntry.objects.get(event="auth.password_reset_mail")
    assert entry.actor == user and entry.target_id == str(user.pk)
    no_password_in_audit(NEW)
    # The link works once.
    again = client.get(link, follow=True)
    assert 'name="new_password1"' not in again.content.decode()


@pytest.mark.parametrize("name", ["password_change", "password_change_done"])
def test_password_pages_render_in_chinese(client: Any, people: Any, name: str) -> None:
    client.force_login(people.teacher_a.user)
    body = client.get(reverse(name)).content.decode()
    assert "密码" in body
