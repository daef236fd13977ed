"""Logins, logouts, failed logins and lock-outs into the audit log.

Django sends ``user_logged_in``, ``user_logged_out`` and ``user_login_failed``; axes sends
``user_locked_out`` from its own ``user_login_failed`` receiver, which is connected when
``axes.signals`` is imported, so before the receivers below (imported after it). A
lock-out is therefore noted on the request and written after the failure that caused it,
by :func:`login_failed`, and the log reads in the order things happened.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from xuefen.audit.choices import Event

from .services import find_user, login_event
from .throttle import LoginAttemptHandler, client_ip

_LOCKED = "_xuefen_locked_out"
PARAMETER_NAMES = {("username",): "account", ("ip_address",): "address"}


def _where(request: Any) -> dict[str, Any]:
    if request is None:
        return {"ip_address": None, "path": None}
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    return {"ip_address": address, "path": getattr(request, "path", None)}


@receiver(user_logged_in, dispatch_uid="xuefen.logins.logged_in")
def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A successful login."""
    login_event(event=Event.LOGIN, user=user, actor=user, **_where(request))


@receiver(user_logged_out, dispatch_uid="xuefen.logins.logged_out")
def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A logout (of a logged-in user; logging out twice is nothing)."""
    if user is not None and user.is_authenticated:
        # request.user is a lazy proxy; the audit log wants the model instance.
        account = get_user_model()._default_manager.get(pk=user.pk)
        login_event(event=Event.LOGOUT, user=account, actor=account, **_where(request))


@receiver(user_locked_out, dispatch_uid="xuefen.logins.locked_out")
def locked_out(sender: Any, request: Any, username: Any, ip_address: Any, **kwargs: Any) -> None:
    """Axes locked the account or address (or refused a try during a lock): note it on
    the request for :func:`login_failed`, which runs next."""
    if request is not None:
        setattr(request, _LOCKED, True)


@receiver(user_login_failed, dispatch_uid="xuefen.logins.login_failed")
def login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    """A failed login, and the lock-out it caused, if any. ``credentials`` are already
    cleansed by Django (the password is stars); only the user name is looked at."""
    user = find_user(credentials.get("username"))
    where = _where(request)
    # Axes refuses a locked login before checking any password (axes_failures_since_start
    # stays None); a counted failure that reaches a limit locks (it is set).
    refused = bool(
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    )
    extra = {"refused": "locked"} if refused else {}
    login_event(event=Event.LOGIN_FAILED, user=user, **where, **extra)
    if request is None or refused or not getattr(request, _LOCKED, False):
        return
    from axes.handlers.proxy import AxesProxyHandler

    handler = AxesProxyHandler.get_implementation()
    locked = []
    if isinstance(handler, LoginAttemptHandler):
        credentials_seen = getattr(request, "axes_credentials", None) or credentials
        for names in handler.locked_parameters(request, credentials_seen):
            locked.append(PARAMETER_NAMES.get(names, "+".join(names)))
    login_event(event=Event.LOCKOUT, user=user, **where, locked=locked)
