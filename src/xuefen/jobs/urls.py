"""URLs of the jobs (namespace ``jobs``)."""

from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("start/", views.JobStartView.as_view(), name="start"),
    path("<uuid:pk>/", views.JobDetailView.as_view(), name="detail"),
]
