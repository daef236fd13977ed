"""A notification in a user's inbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    """Notifications are reached by their user alone, whatever roles anyone holds."""

    def restrict(self, user: Any, action: str = "view") -> NotificationQuerySet:
        """The user's own notifications (for every action; superusers included: an
        inbox is private), none for anonymous or inactive users. Makes
        :func:`xuefen.org.scoping.restrict` and ``get_scoped_or_404`` work on this model."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)


class Notification(models.Model):
    """One message to one user: what happened (``event``, the audit event that caused it),
    a title and text in the user's language at the time, and the page to open.
    Nobody but its user reads it (the inbox filters on ``user``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="inbox_user_created"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        """Not opened yet (nor marked read with "mark all read")."""
        return self.read_at is None
