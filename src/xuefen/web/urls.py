"""Root URLs: the Django admin, for the training office's staff."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
