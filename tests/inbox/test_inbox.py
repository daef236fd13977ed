"""The inbox: notifications are created only when the workflow's transaction commits, one
per user; a returned record tells its teacher why; the pages show one's own notifications
only (another user's is a 404), open them without ever leaving the site, and mail a copy
only where the deployment turns it on."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from xuefen.audit.choices import Event
from xuefen.inbox import mail as inbox_mail
from xuefen.inbox.models import Notification
from xuefen.inbox.selectors import unread_count
from xuefen.inbox.services import (
    local_url,
    notification_open,
    notifications_mark_all_read,
    notify_on_commit,
)
from xuefen.inbox.views import PAGE_SIZE
from xuefen.records.choices import RecordStatus
from xuefen.records.services import record_reject

pytestmark = pytest.mark.db_backend


def notify(users: Any, capture: Any, **kwargs: Any) -> None:
    """Notify as a workflow service does, and commit."""
    kwargs.setdefault("event", Event.RECORD_APPROVE)
    kwargs.setdefault("title", "记录已通过")
    with capture(execute=True):
        notify_on_commit(users, **kwargs)


def make(user: Any, n: int = 1, **kwargs: Any) -> list[Notification]:
    return Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                event=Event.RECORD_APPROVE,
                title=kwargs.get("title", f"消息 {i}"),
                body=kwargs.get("body", ""),
                url=kwargs.get("url", "/"),
            )
            for i in range(n)
        ]
    )


# --- notify_on_commit ------------------------------------------------------------------


def test_nothing_is_sent_when_the_transaction_rolls_back(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify_on_commit([people.teacher_a.user], event="x", title="t")
                raise RuntimeError("the business change fails")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()


def test_one_notification_per_user_after_commit(people, django_capture_on_commit_callbacks):
    a, b = people.teacher_a.user, people.teacher_b.user
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_on_commit([a, b.pk, a, None], event=Event.RECORD_APPROVE, title="标题", url="/x/")
        assert not Notification.objects.exists()  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    rows = Notification.objects.order_by("user_id")
    assert [(n.user_id, n.title, n.url, n.read_at) for n in rows] == [
        (a.pk, "标题", "/x/", None),
        (b.pk, "标题", "/x/", None),
    ]
    assert rows[0].event == Event.RECORD_APPROVE


def test_no_users_no_callback(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks() as callbacks:
        notify_on_commit([None], event="x", title="t")
    assert callbacks == []


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "x/"],
)
def test_a_notification_links_to_this_site_only(people, url):
    with pytest.raises(ValueError):
        notify_on_commit([people.teacher_a.user], event="x", title="t", url=url)


def test_local_url():
    assert local_url("/records/3/?tab=1") == "/records/3/?tab=1"
    for bad in ("", "records/3/", "//evil.example", "/\\evil", "https://evil.example/", "/\nx"):
        assert local_url(bad) is None


def test_a_returned_record_tells_its_teacher_why(
    people, make_record, django_capture_on_commit_callbacks
):
    teacher = people.teacher_a.user
    record = make_record(actor=teacher, status=RecordStatus.SUBMITTED)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        record_reject(actor=people.school_admin_a, record=record, reason="证书照片不清晰")
    notification = Notification.objects.get()
    assert notification.user_id == teacher.pk
    assert notification.event == Event.RECORD_REJECT
    assert "证书照片不清晰" in notification.body
    assert notification.url == reverse("portal:record", args=[record.pk])
    assert unread_count(teacher) == 1
    assert unread_count(people.school_admin_a) == 0


# --- selectors and services ------------------------------------------------------------


def test_unread_count_is_one_query(people, django_assert_num_queries):
    user = people.teacher_a.user
    make(user, 3)
    make(people.teacher_b.user, 2)
    Notification.objects.filter(pk=Notification.objects.filter(user=user).first().pk).update(
        read_at="2026-01-01T00:00:00Z"
    )
    with django_assert_num_queries(1):
        assert unread_count(user) == 2


def test_unread_count_of_anonymous_is_zero(db):
    from django.contrib.auth.models import AnonymousUser

    assert unread_count(AnonymousUser()) == 0
    assert unread_count(None) == 0


def test_open_marks_read_once_and_only_ones_own(people):
    from django.core.exceptions import PermissionDenied

    (n,) = make(people.teacher_a.user)
    with pytest.raises(PermissionDenied):
        notification_open(actor=people.teacher_b.user, notification=n)
    n.refresh_from_db()
    assert n.read_at is None
    notification_open(actor=people.teacher_a.user, notification=n)
    first = Notification.objects.get(pk=n.pk).read_at
    assert first is not None
    stale = Notification.objects.get(pk=n.pk)
    stale.read_at = None
    notification_open(actor=people.teacher_a.user, notification=stale)
    assert stale.read_at == first == Notification.objects.get(pk=n.pk).read_at


def test_mark_all_read_marks_only_ones_own(people):
    make(people.teacher_a.user, 3)
    make(people.teacher_b.user, 2)
    assert notifications_mark_all_read(actor=people.teacher_a.user) == 3
    assert unread_count(people.teacher_a.user) == 0
    assert unread_count(people.teacher_b.user) == 2


# --- pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args", [("inbox:list", []), ("inbox:open", [1]), ("inbox:read_all", [])]
)
def test_anonymous_goes_to_login(client, db, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_ones_own_newest_first_unread_marked(client, people):
    user = people.teacher_a.user
    old, new = make(user, 2)
    Notification.objects.filter(pk=old.pk).update(title="旧消息", read_at="2026-01-01T00:00:00Z")
    Notification.objects.filter(pk=new.pk).update(title="新消息", body="退回原因：缺少证书")
    make(people.teacher_b.user, title="别人的消息")
    client.force_login(user)
    page = client.get(reverse("inbox:list")).content.decode()
    assert page.index("新消息") < page.index("旧消息")
    assert "别人的消息" not in page
    assert "退回原因：缺少证书" in page
    assert 'data-unread="1"' in page
    assert "未读" in page and "全部标为已读" in page
    assert page.count('class="badge blue"') == 1
    assert f'class="record notification unread" data-notification="{new.pk}"' in page
    assert f'class="record notification" data-notification="{old.pk}"' in page


def test_a_user_without_role_has_an_empty_inbox(client, people):
    client.force_login(people.nobody)
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 200
    assert "还没有消息" in response.content.decode()


def test_list_is_paginated_with_few_queries(client, people, django_assert_max_num_queries):
    user = people.teacher_a.user
    make(user, PAGE_SIZE * 2 + 5)
    client.force_login(user)
    # session, user, the user's grants (navigation), unread count, page count, the page.
    with django_assert_max_num_queries(8):
        first = client.get(reverse("inbox:list")).content.decode()
    assert first.count("data-notification=") == PAGE_SIZE
    assert "第 1 / 3 页" in first
    with django_assert_max_num_queries(8):
        last = client.get(reverse("inbox:list"), {"page": 3}).content.decode()
    assert last.count("data-notification=") == 5
    # Garbage page numbers show a page, not an error.
    assert client.get(reverse("inbox:list"), {"page": "x"}).status_code == 200
    assert client.get(reverse("inbox:list"), {"page": 999}).status_code == 200


def test_htmx_paging_gets_the_list_alone(client, people):
    make(people.teacher_a.user, PAGE_SIZE + 1)
    client.force_login(people.teacher_a.user)
    response = client.get(reverse("inbox:list"), {"page": 2}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.startswith('<div id="inbox-items">')
    assert "<html" not in body
    assert body.count("data-notification=") == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_opening_marks_read_and_goes_to_its_page(client, people, method):
    (n,) = make(people.teacher_a.user, url="/portal/records/5/")
    client.force_login(people.teacher_a.user)
    response = getattr(client, method)(reverse("inbox:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/portal/records/5/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example", "/\\evil.example", ""])
def test_opening_never_leaves_the_site(client, people, url):
    (n,) = make(people.teacher_a.user, url=url)  # stored by hand: the service refuses these
    client.force_login(people.teacher_a.user)
    response = client.get(reverse("inbox:open", args=[n.pk]))
    assert response["Location"] == reverse("inbox:list")
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_is_404(client, people):
    (n,) = make(people.teacher_a.user)
    for intruder in (people.teacher_b.user, people.school_admin_a, people.root):
        client.force_login(intruder)
        assert client.get(reverse("inbox:open", args=[n.pk])).status_code == 404
        assert client.post(reverse("inbox:open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None
    client.force_login(people.root)
    assert "data-notification" not in client.get(reverse("inbox:list")).content.decode()


def test_mark_all_read_page(client, people):
    make(people.teacher_a.user, 3)
    make(people.teacher_b.user, 1)
    client.force_login(people.teacher_a.user)
    assert client.get(reverse("inbox:read_all")).status_code == 405
    response = client.post(reverse("inbox:read_all"))
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:list")
    assert unread_count(people.teacher_a.user) == 0
    assert unread_count(people.teacher_b.user) == 1
    page = client.get(reverse("inbox:list")).content.decode()
    assert "全部标为已读" not in page and "没有未读消息" in page


def test_mark_all_read_needs_csrf(people):
    from django.test import Client

    make(people.teacher_a.user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.teacher_a.user)
    assert client.post(reverse("inbox:read_all")).status_code == 403
    assert unread_count(people.teacher_a.user) == 1


# --- mail ------------------------------------------------------------------------------


@pytest.fixture
def addressed(people):
    user = people.teacher_a.user
    user.email = "zhangli@example.cn"
    user.save(update_fields=["email"])
    return user


def test_no_mail_unless_enabled(addressed, django_capture_on_commit_callbacks, settings):
    settings.XUEFEN_NOTIFY_BY_MAIL = False
    notify([addressed], django_capture_on_commit_callbacks, url="/x/")
    assert mail.outbox == []
    assert Notification.objects.get().mailed_at is None


def test_mail_sent_when_enabled(people, addressed, django_capture_on_commit_callbacks, settings):
    settings.XUEFEN_NOTIFY_BY_MAIL = True
    notify(
        [addressed, people.teacher_b.user],  # teacher_b has no address: inbox only
        django_capture_on_commit_callbacks,
        title="您的记录已退回",
        body="您的记录已退回：证书照片不清晰",
        url="/portal/records/7/",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhangli@example.cn"]
    assert message.subject == "您的记录已退回"
    assert "证书照片不清晰" in message.body
    assert "/portal/records/7/" in message.body
    mailed = dict(Notification.objects.values_list("user_id", "mailed_at"))
    assert mailed[addressed.pk] is not None
    assert mailed[people.teacher_b.user.pk] is None


def test_mail_link_is_absolute_with_a_site_url(
    addressed, django_capture_on_commit_callbacks, settings
):
    settings.XUEFEN_NOTIFY_BY_MAIL = True
    settings.XUEFEN_SITE_URL = "https://xuefen.example.cn/"
    notify([addressed], django_capture_on_commit_callbacks, title="多行\n标题", url="/r/1/")
    assert "https://xuefen.example.cn/r/1/" in mail.outbox[0].body
    assert mail.outbox[0].subject == "多行 标题"


def test_mail_failure_is_logged_and_the_action_stands(
    people,
    addressed,
    make_record,
    django_capture_on_commit_callbacks,
    settings,
    monkeypatch,
    caplog,
):
    settings.XUEFEN_NOTIFY_BY_MAIL = True
    record = make_record(actor=addressed, status=RecordStatus.SUBMITTED)
    Notification.objects.all().delete()

    def refuse(self, messages):
        raise OSError("550 zhangli@example.cn: no such user")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with (
        caplog.at_level(logging.WARNING, logger="xuefen.inbox.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_reject(actor=people.school_admin_a, record=record, reason="缺少证书")
    record.refresh_from_db()
    assert record.status == RecordStatus.REJECTED
    notification = Notification.objects.get()
    assert notification.mailed_at is None
    assert "OSError" in caplog.text
    assert "zhangli" not in caplog.text and "缺少证书" not in caplog.text


def test_an_unreachable_mail_server_is_logged(
    addressed, django_capture_on_commit_callbacks, settings, monkeypatch, caplog
):
    settings.XUEFEN_NOTIFY_BY_MAIL = True

    def down(*args, **kwargs):
        raise ConnectionRefusedError("mail.example.cn:25")

    monkeypatch.setattr(inbox_mail, "get_connection", down)
    with caplog.at_level(logging.WARNING, logger="xuefen.inbox.mail"):
        notify([addressed], django_capture_on_commit_callbacks)
    assert Notification.objects.get().mailed_at is None
    assert "ConnectionRefusedError" in caplog.text
