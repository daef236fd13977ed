"""Mailing notifications in the background: a notice published to 2,000 teachers must not
wait for 2,000 mails inside the publishing request (the worker sends them)."""

from __future__ import annotations

from django_tasks import task


@task()
def mail_notifications_task(notification_ids: list[int]) -> int:
    """Mail the notifications with these ids (:func:`xuefen.inbox.mail.mail_notifications`);
    returns how many were given."""
    from .mail import mail_notifications
    from .models import Notification

    notifications = list(Notification.objects.filter(pk__in=notification_ids).order_by("pk"))
    mail_notifications(notifications)
    return len(notifications)
