"""URLs of the portal (namespace ``portal``)."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("me/", views.MyHomeView.as_view(), name="me"),
    path("teachers/<int:pk>/", views.TeacherDetailView.as_view(), name="teacher"),
    path("records/<int:pk>/", views.RecordDetailView.as_view(), name="record"),
    path("schools/<int:pk>/", views.RosterView.as_view(), name="roster"),
    path("regions/<int:pk>/", views.RegionView.as_view(), name="region"),
    path("institution/", views.InstitutionHomeView.as_view(), name="institution"),
]
