"""Reading notifications (style.md habit 15): always the user's own, through
``Notification.objects.restrict`` (an inbox is private: nobody, not even a superuser, reads
another user's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xuefen.org.scoping import get_scoped_or_404, restrict

from .models import Notification


def notification_list(*, fetched_by: Any) -> QuerySet[Notification]:
    """``fetched_by``'s notifications, newest first (index ``inbox_user_created``); the
    page slices it."""
    return restrict(Notification, fetched_by, "view").order_by("-created_at", "-pk")


def notification_get(*, fetched_by: Any, pk: Any) -> Notification:
    """One of ``fetched_by``'s notifications; :class:`~django.http.Http404` for anyone
    else's (it looks like no notification at all)."""
    return get_scoped_or_404(Notification, fetched_by, "view", pk=pk)


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread, for the badge in the navigation:
    one ``COUNT`` on the partial index ``inbox_unread``; 0 for anonymous users."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return restrict(Notification, user, "view").filter(read_at__isnull=True).count()
