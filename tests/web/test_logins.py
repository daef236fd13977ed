"""Login throttling: wrong passwords lock the account (and, more slowly, the address) on
/login/ and /admin/login/; the locked page is Chinese; logins, failures, lock-outs and
unlocks are in the audit log, never a password; only the audited path lifts a lock."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from xuefen.audit.models import AuditEntry
from xuefen.logins.services import login_unlock

LIMIT = 5  # AXES_FAILURE_LIMIT (XUEFEN_LOGIN_FAILURE_LIMIT's default)
ADDRESS_LIMIT = 30  # XUEFEN_LOGIN_ADDRESS_FAILURE_LIMIT's default
GOOD = "pw"  # tests/conftest.py gives every test person this password
WRONG = "not-the-password-9"


@pytest.fixture(autouse=True)
def defaults(settings):
    """The documented defaults, whatever the environment says."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.XUEFEN_LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def post_login(client, username, password, *, url=None, address="10.1.1.1"):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_right_password_logs_in_and_is_audited(client, people):
    response = post_login(client, "teacher_a", GOOD)
    assert logged_in(response)
    entry = AuditEntry.objects.get(event="auth.login")
    assert entry.actor == people.teacher_a.user
    assert entry.target_id == str(people.teacher_a.user.pk)
    assert entry.node == people.school_a  # the school's staff see their teachers' logins
    assert entry.new_values == {"ip_address": "10.1.1.1", "path": "/login/"}

    client.post(reverse("logout"), REMOTE_ADDR="10.1.1.1")
    assert AuditEntry.objects.filter(event="auth.logout", actor=people.teacher_a.user).count() == 1


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_account(client, people, url):
    user = people.root if url.startswith("/admin") else people.teacher_a.user
    for _ in range(LIMIT - 1):
        response = post_login(client, user.username, WRONG, url=url)
        assert response.status_code == 200  # the form again, with its error
    response = post_login(client, user.username, WRONG, url=url)
    assert response.status_code == 429
    # Even the right password is refused now, from any address, with the Chinese page.
    for address in ("10.1.1.1", "10.9.9.9"):
        response = post_login(client, user.username, GOOD, url=url, address=address)
        assert response.status_code == 429
        assert not logged_in(response)
        body = response.content.decode()
        assert "登录已暂时锁定" in body and "之后再试" in body and "管理员" in body
        assert "Traceback" not in body and "Account locked" not in body
    # Someone else still logs in from the first address.
    assert logged_in(post_login(client, "teacher_b", GOOD))


def test_the_lock_says_when_it_lifts_and_lifts_then(client, people, settings):
    for _ in range(LIMIT):
        post_login(client, "teacher_a", WRONG)
    response = post_login(client, "teacher_a", GOOD)
    assert response.status_code == 429
    until = response.context["until"]
    locked_at = AccessAttempt.objects.get(username="teacher_a").attempt_time
    assert until == timezone.localtime(locked_at + dt.timedelta(minutes=15))
    assert until.strftime("%H:%M") in response.content.decode()
    # Tries during the lock do not prolong it: after the cool-off the right password works.
    AccessAttempt.objects.update(attempt_time=locked_at - dt.timedelta(minutes=16))
    assert logged_in(post_login(client, "teacher_a", GOOD))


def test_a_guess_spread_over_many_addresses_is_stopped(client, people):
    for n in range(LIMIT):
        post_login(client, "teacher_a", WRONG, address=f"10.2.0.{n}")
    assert post_login(client, "teacher_a", GOOD, address="10.2.0.99").status_code == 429


def test_one_address_cannot_spray_many_accounts(client, people):
    usernames = ["teacher_a", "teacher_a2", "teacher_b", "teacher_c", "principal_a"]
    usernames += [f"guess{n}" for n in range(5)]
    # Three wrong passwords on each of ten accounts: none reaches its own limit...
    for n in range(ADDRESS_LIMIT):
        response = post_login(client, usernames[n % len(usernames)], WRONG, address="10.3.3.3")
    assert response.status_code == 429  # ...but the address reached its limit
    assert post_login(client, "county_admin", GOOD, address="10.3.3.3").status_code == 429
    # The accounts themselves are not locked: from elsewhere they log in.
    assert logged_in(post_login(client, "teacher_a", GOOD, address="10.4.4.4"))


def test_a_school_behind_one_address_survives_a_few_typos(client, people):
    for username in ["teacher_a", "teacher_a2", "teacher_b", "teacher_c"] * 2:
        post_login(client, username, WRONG, address="10.5.5.5")  # 8 typos, one address
    assert logged_in(post_login(client, "principal_a", GOOD, address="10.5.5.5"))


def test_failures_and_the_lockout_are_audited_without_passwords(client, people):
    for _ in range(LIMIT):
        post_login(client, "teacher_a", WRONG)
    post_login(client, "teacher_a", GOOD)  # refused during the lock
    post_login(client, "my-secret-password", WRONG)  # a password typed as the user name
    user = people.teacher_a.user
    events = list(
        AuditEntry.objects.filter(event__startswith="auth.")
        .order_by("pk")
        .values_list("event", "target_id", "new_values")
    )
    assert [e for e, _t, _v in events] == [
        *["auth.login_failed"] * LIMIT,
        "auth.lockout",
        "auth.login_failed",
        "auth.login_failed",
    ]
    for event, target, values in events[: LIMIT + 2]:
        assert target == str(user.pk), event
        assert values["ip_address"] == "10.1.1.1" and values["path"] == "/login/"
    assert events[LIMIT][2]["locked"] == ["account"]
    assert events[LIMIT + 1][2]["refused"] == "locked"
    unknown = AuditEntry.objects.latest("pk")
    assert unknown.target_id == "" and unknown.target_type.model == "user"
    assert unknown.node is None and unknown.actor is None
    everything = "".join(
        f"{e.target_repr}{e.old_values}{e.new_values}{e.reason}"
        for e in AuditEntry.objects.filter(event__startswith="auth.")
    )
    assert WRONG not in everything and GOOD not in everything
    assert "my-secret-password" not in everything
    assert entry_nodes_are_the_school(user)


def entry_nodes_are_the_school(user) -> bool:
    entries = AuditEntry.objects.filter(event__startswith="auth.", target_id=user.pk)
    return all(e.node.name == "思茅一中" for e in entries)


def lock(client, username, address="10.1.1.1"):
    for _ in range(LIMIT):
        post_login(client, username, WRONG, address=address)
    assert post_login(client, username, GOOD, address=address).status_code == 429


def test_county_admin_lifts_the_lock_of_their_teacher_audited(client, people):
    lock(client, "teacher_a")
    with pytest.raises(PermissionDenied):  # county Y's administrator: not their teacher
        login_unlock(actor=people.county_y_admin, username="teacher_a", reason="电话确认")
    with pytest.raises(PermissionDenied):  # a school administrator: not a region role
        login_unlock(actor=people.school_admin_a, username="teacher_a", reason="电话确认")
    with pytest.raises(PermissionDenied):  # addresses are the superuser's
        login_unlock(actor=people.county_admin, ip_address="10.1.1.1", reason="x")
    assert login_unlock(actor=people.county_admin, username="teacher_a", reason="电话确认") == 1
    entry = AuditEntry.objects.get(event="auth.unlock")
    assert entry.actor == people.county_admin and entry.reason == "电话确认"
    assert entry.target_id == str(people.teacher_a.user.pk)
    assert entry.new_values == {"failures_forgotten": LIMIT}
    assert logged_in(post_login(client, "teacher_a", GOOD))


def test_superuser_lifts_an_address_lock(client, people):
    for n in range(ADDRESS_LIMIT):
        post_login(client, f"nobody-{n}", WRONG, address="10.6.6.6")
    assert post_login(client, "teacher_a", GOOD, address="10.6.6.6").status_code == 429
    login_unlock(actor=people.root, ip_address="10.6.6.6", reason="学校网络")
    entry = AuditEntry.objects.get(event="auth.unlock")
    assert entry.new_values == {"failures_forgotten": ADDRESS_LIMIT, "ip_address": "10.6.6.6"}
    assert logged_in(post_login(client, "teacher_a", GOOD, address="10.6.6.6"))


def _admin_staff(user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_accessattempt"))


def test_admin_lifts_locks_only_through_the_audited_action(client, people):
    lock(client, "teacher_a")
    lock(client, "teacher_c", address="10.7.7.7")
    changelist = reverse("admin:axes_accessattempt_changelist")
    _admin_staff(people.county_admin)
    client.force_login(people.county_admin)
    page = client.get(changelist)
    assert page.status_code == 200
    body = page.content.decode()
    assert "teacher_a" in body and "teacher_c" not in body  # teacher_c is county Y's
    assert "delete_selected" not in body and "unlock_addresses" not in body
    attempt = AccessAttempt.objects.get(username="teacher_a")
    # No deletion behind the audit log's back: the delete page is refused.
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk]}
    )
    assert AccessAttempt.objects.filter(username="teacher_a").exists()

    response = client.post(
        changelist, {"action": "unlock_accounts", "_selected_action": [attempt.pk]}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="teacher_a").exists()
    assert AccessAttempt.objects.filter(username="teacher_c").exists()
    entry = AuditEntry.objects.get(event="auth.unlock")
    assert entry.actor == people.county_admin and entry.reason


def test_client_login_still_works_in_tests(client, people):
    """Client.login() authenticates without a request (tests only; see settings.test)."""
    assert client.login(username="teacher_a", password=GOOD)
    assert client.get(reverse("login")).status_code == 302  # already logged in
