"""Sending and reading notifications. Workflow services call :func:`notify_on_commit`
inside their transaction: nothing is sent for a change that rolls back, and nothing that
goes wrong while sending undoes the change.

Opening a notification and "mark all read" change only the user's own inbox: they are not
business events and write no audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Notification


def local_url(url: str) -> str | None:
    """``url`` if it is a path on this site ("/records/12/"), else None: a notification
    never sends its reader to another host ("//evil.example", "https://…", "/\\\\evil",
    "javascript:…")."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    if any(ord(c) < 32 for c in url):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=False):
        return None
    return url


def notify_on_commit(
    users: Iterable[Any], *, event: str, title: str, body: str = "", url: str = ""
) -> None:
    """Once the transaction commits, put a notification in each user's inbox (users given
    as objects or ids; duplicates and ``None`` are dropped) and mail a copy where mail is
    configured (:mod:`xuefen.inbox.mail`, sent by the worker: :mod:`xuefen.inbox.tasks`).

    ``url`` must be a path on this site (``reverse(...)``); anything else is a
    :class:`ValueError` at once, in the caller's transaction, so the mistake shows in its
    tests. The sending runs as a robust on-commit callback: if it fails, Django logs it and
    the committed change stands.
    """
    if url and local_url(url) is None:
        raise ValueError("a notification links to a path on this site only")
    ids = sorted({getattr(u, "pk", u) for u in users if u is not None})
    if not ids:
        return
    event, title = str(event), str(title)
    body = str(body)

    def send() -> None:
        created = Notification.objects.bulk_create(
            [
                Notification(user_id=pk, event=event, title=title[:200], body=body, url=url)
                for pk in ids
            ]
        )
        from .mail import mail_enabled
        from .tasks import mail_notifications_task

        if mail_enabled():
            # The worker mails them (the inbox copy is there already).
            mail_notifications_task.enqueue([n.pk for n in created])

    transaction.on_commit(send, robust=True)


def notification_open(*, actor: Any, notification: Notification) -> Notification:
    """``actor`` opens one of their notifications: it is marked read (once; opening it
    again keeps the first time). Someone else's notification is :class:`PermissionDenied`
    (views reach it through the selectors, which answer 404 first)."""
    if notification.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("not your notification")
    now = timezone.now()
    # One conditional UPDATE: two tabs opening it at once agree on the first read time.
    marked = Notification.objects.filter(
        pk=notification.pk, user=actor, read_at__isnull=True
    ).update(read_at=now)
    if marked:
        notification.read_at = now
    elif notification.read_at is None:  # read meanwhile in another tab: keep that time
        notification.read_at = (
            Notification.objects.filter(pk=notification.pk).values_list("read_at", flat=True).get()
        )
    return notification


def notifications_mark_all_read(*, actor: Any) -> int:
    """Mark every unread notification of ``actor`` read; the number marked."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("anonymous")
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
