"""Signal receivers of the org app (connected in ``OrgConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .accounts import MUST_CHANGE_SESSION_KEY, must_change_password


@receiver(user_logged_in, dispatch_uid="xuefen.org.must_change_password")
def note_must_change_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """At login, note in the session whether the password must be changed first (see
    ``xuefen.web.passwords.ForcePasswordChangeMiddleware``)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if must_change_password(user):
        session[MUST_CHANGE_SESSION_KEY] = True
    else:
        session.pop(MUST_CHANGE_SESSION_KEY, None)
