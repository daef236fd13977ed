"""URLs of :mod:`xuefen.review` (namespace ``review``)."""

from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("batch/", views.BatchApproveView.as_view(), name="batch"),
    path("<int:pk>/", views.ReviewRecordView.as_view(), name="record"),
]
