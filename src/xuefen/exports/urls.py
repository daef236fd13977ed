"""URLs of the exports (namespace ``exports``)."""

from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.exports, name="page"),
    path("files/<uuid:pk>/", views.download, name="download"),
]
