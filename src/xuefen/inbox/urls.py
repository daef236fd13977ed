"""URLs of :mod:`xuefen.inbox` (namespace ``inbox``, mounted at ``/inbox/``)."""

from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.InboxListView.as_view(), name="list"),
    path("<int:pk>/open/", views.NotificationOpenView.as_view(), name="open"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
]
