"""Root URLs: the Django admin (for the training office's staff), login and logout,
passwords, background jobs, and the portal's pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import passwords

urlpatterns = [
    # Before the admin's own: the admin's "change password" link is the audited page too.
    path("admin/password_change/", passwords.PasswordChangeView.as_view()),
    path("admin/password_change/done/", passwords.PasswordChangeDoneView.as_view()),
    path("admin/", admin.site.urls),
    path("login/", passwords.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", passwords.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("jobs/", include("xuefen.jobs.urls")),
    path("records/", include("xuefen.records.urls")),
    path("review/", include("xuefen.review.urls")),
    path("activities/", include("xuefen.activities.urls")),
    path("imports/", include("xuefen.imports.urls")),
    path("exports/", include("xuefen.exports.urls")),
    path("assessments/", include("xuefen.assessments.urls")),
    path("credits/", include("xuefen.credits.urls")),
    path("inbox/", include("xuefen.inbox.urls")),
    path("catalog/", include("xuefen.catalog.urls")),
    path("", include("xuefen.portal.urls")),
]
