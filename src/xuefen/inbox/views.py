"""Inbox pages: the list of one's notifications, opening one, marking all read.

Everything is the user's own (:mod:`xuefen.inbox.selectors`); someone else's
notification is a 404, as if it did not exist. Any logged-in user has an inbox, with or
without a role.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from xuefen.portal.htmx import HtmxListMixin

from .selectors import notification_get, notification_list, unread_count
from .services import local_url, notification_open, notifications_mark_all_read

PAGE_SIZE = 20


class InboxListView(LoginRequiredMixin, HtmxListMixin, TemplateView):
    """``/inbox/``: the user's notifications, newest first, unread ones marked; paginated
    (``?page=``). htmx paging gets the list partial alone."""

    template_name = "inbox/inbox_list.html"
    partial_template_name = "inbox/partials/inbox_items.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        page = Paginator(notification_list(fetched_by=user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "notifications": page.object_list,
            "unread": unread_count(user),
        }


class NotificationOpenView(LoginRequiredMixin, View):
    """``/inbox/<id>/open/`` (GET from the list's link, or POST): mark the notification
    read and go to the page it is about. Only a path on this site is followed; a
    notification without one (or with anything else) leads back to the inbox."""

    def get(self, request: Any, pk: int) -> HttpResponseRedirect:
        notification = notification_get(fetched_by=request.user, pk=pk)
        notification_open(actor=request.user, notification=notification)
        return HttpResponseRedirect(local_url(notification.url) or reverse("inbox:list"))

    def post(self, request: Any, pk: int) -> HttpResponseRedirect:
        return self.get(request, pk)


class MarkAllReadView(LoginRequiredMixin, View):
    """``POST /inbox/read-all/``: mark every notification of the user read (GET: 405)."""

    def post(self, request: Any) -> HttpResponseRedirect:
        notifications_mark_all_read(actor=request.user)
        return HttpResponseRedirect(reverse("inbox:list"))
