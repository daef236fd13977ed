"""E-mail copies of notifications, where the deployment configures mail
(``XUEFEN_NOTIFY_BY_MAIL``; the server is Django's ``EMAIL_*`` settings).

Runs after the workflow's transaction has committed
(:func:`~xuefen.inbox.services.notify_on_commit`): a mail server that is down or refuses
an address is logged and skipped, never an error for the person who acted. The log names
notification ids and the kind of failure only — no address, name or text (they are
personal data, and an SMTP error message repeats them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification
from .services import local_url

logger = logging.getLogger(__name__)

# Seconds to wait for the mail server: sending runs in the request of the person who
# acted, so an unreachable server must not hold it long (Django's default is to wait forever).
DEFAULT_TIMEOUT = 10


def mail_enabled() -> bool:
    """Whether notifications are mailed (``XUEFEN_NOTIFY_BY_MAIL``)."""
    return bool(getattr(settings, "XUEFEN_NOTIFY_BY_MAIL", False))


def notification_link(url: str) -> str:
    """The link to put in a mail: absolute when the deployment sets its address
    (``XUEFEN_SITE_URL``, e.g. ``https://xuefen.example.cn``), else the path as it is."""
    path = local_url(url)
    if path is None:
        return ""
    site = str(getattr(settings, "XUEFEN_SITE_URL", "") or "").rstrip("/")
    return f"{site}{path}" if site else path


def notification_message(notification: Any, address: str) -> EmailMessage:
    """The mail for one notification: subject = its title (one line), text = its body and
    the link to open."""
    subject = " ".join(str(notification.title).split())
    lines = [notification.body or notification.title]
    link = notification_link(notification.url)
    if link:
        lines += ["", _("Open: %(link)s") % {"link": link}]
    lines += ["", _("This message was sent by Xuefen; it is also in your inbox in the app.")]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[address])


def mail_notifications(notifications: Sequence[Any]) -> None:
    """Mail each notification to its user if ``XUEFEN_NOTIFY_BY_MAIL`` is on and the user
    is active and has an address; set ``mailed_at`` on those sent. One connection for the
    batch; one failed message does not stop the others."""
    if not mail_enabled() or not notifications:
        return
    try:
        _send(notifications)
    except Exception as exc:  # never undo or break the workflow step that notified
        logger.warning(
            "notification mail not sent (%s) for notifications %s",
            type(exc).__name__,
            [n.pk for n in notifications],
        )


def _send(notifications: Sequence[Any]) -> None:
    user_ids = {n.user_id for n in notifications}
    addresses = dict(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    todo = [(n, addresses[n.user_id]) for n in notifications if n.user_id in addresses]
    if not todo:
        return
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT
    sent = []
    with get_connection(timeout=timeout) as connection:
        for notification, address in todo:
            try:
                if connection.send_messages([notification_message(notification, address)]):
                    sent.append(notification.pk)
            except Exception as exc:
                logger.warning(
                    "notification mail not sent (%s) for notification %s",
                    type(exc).__name__,
                    notification.pk,
                )
    if sent:
        now = timezone.now()
        Notification.objects.filter(pk__in=sent).update(mailed_at=now)
        for notification in notifications:
            if notification.pk in sent:
                notification.mailed_at = now
