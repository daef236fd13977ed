"""Passwords: changing one's own, the forced change after an administrator's reset, and
resetting by e-mail where the deployment sends mail.

Every password write goes through :mod:`xuefen.org.accounts` (audited; the password never
reaches the log). Django's views do the forms, tokens and mails.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from xuefen.org import accounts

MUST_CHANGE_SESSION_KEY = accounts.MUST_CHANGE_SESSION_KEY


def mail_reset_enabled() -> bool:
    """Whether "forgot password" by e-mail is offered: ``XUEFEN_PASSWORD_RESET_BY_MAIL``
    (set it where the deployment configures outgoing mail)."""
    return bool(getattr(settings, "XUEFEN_PASSWORD_RESET_BY_MAIL", False))


class ForcePasswordChangeMiddleware:
    """Sends an account whose password an administrator set or reset to the password page
    until it has chosen its own. Static files, logging out and the password pages pass."""

    ALLOWED_NAMES = ("password_change", "password_change_done", "logout", "admin:logout")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and session.get(MUST_CHANGE_SESSION_KEY)
            and not self._allowed(request.path_info)
        ):
            return HttpResponseRedirect(reverse("password_change"))
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/favicon")):
            return True
        return path in {reverse(name) for name in self.ALLOWED_NAMES}


class LoginView(auth_views.LoginView):
    """The login page; it offers "forgot password" when resets by e-mail are on."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_reset_by_mail"] = mail_reset_enabled()
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every logged-in user changes their own password here (also the admin's link)."""

    template_name = "registration/password_change_form.html"

    def get_success_url(self) -> str:
        return reverse("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The user row itself: request.user is a lazy wrapper the audit log cannot name.
        user = get_user_model()._default_manager.get(pk=self.request.user.pk)
        accounts.password_change(user=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        self.request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class _MailResetOnly:
    """The e-mail reset pages exist only where the deployment sends mail."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not mail_reset_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class PasswordResetView(_MailResetOnly, auth_views.PasswordResetView):
    """Asks for the e-mail address; the same answer whether or not an account has it."""

    def get_success_url(self) -> str:
        return reverse("password_reset_done")


class PasswordResetDoneView(_MailResetOnly, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(_MailResetOnly, auth_views.PasswordResetConfirmView):
    """The link from the mail: choose a new password (audited as a reset by e-mail)."""

    def get_success_url(self) -> str:
        return reverse("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        accounts.password_reset_by_mail(
            user=form.user, new_password=form.cleaned_data["new_password1"]
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(_MailResetOnly, auth_views.PasswordResetCompleteView):
    pass
