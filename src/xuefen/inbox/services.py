"""Sending notifications. Workflow services call :func:`notify_on_commit` inside their
transaction: nothing is sent for a change that rolls back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .models import Notification


def notify_on_commit(
    users: Iterable[Any], *, event: str, title: str, body: str = "", url: str = ""
) -> None:
    """Once the transaction commits, put a notification in each user's inbox (users given
    as objects or ids; duplicates and ``None`` are dropped) and mail a copy where mail is
    configured (:mod:`xuefen.inbox.mail`)."""
    ids = sorted({getattr(u, "pk", u) for u in users if u is not None})
    if not ids:
        return

    def send() -> None:
        created = Notification.objects.bulk_create(
            [
                Notification(user_id=pk, event=str(event), title=title[:200], body=body, url=url)
                for pk in ids
            ]
        )
        from .mail import mail_notifications

        mail_notifications(created)

    transaction.on_commit(send)
