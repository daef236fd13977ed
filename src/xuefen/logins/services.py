"""Writes of the logins app: login events into the audit log, and lifting a login lock.

What a login entry holds: the account as target (when the typed user name exists), the
client's address and the page (``/login/`` or ``/admin/login/``) in ``new_values``, never
the password. For a user name that does not exist the entry names no account and keeps
nothing of what was typed: people often type their password into the user-name box.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_entry, audit_log, audit_log_bulk
from xuefen.org.models import OrgNode, RoleAssignment, Teacher
from xuefen.org.scoping import ROLE_ACTIONS, user_grants


def find_user(username: str | None) -> Any:
    """The account with exactly this user name, or None."""
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def home_nodes(user: Any) -> list[OrgNode]:
    """Where an account belongs: its teacher's school and the nodes of its roles."""
    nodes = [t.school for t in Teacher.objects.filter(user=user).select_related("school")]
    nodes += [
        ra.node
        for ra in RoleAssignment.objects.filter(user=user)
        .select_related("node")
        .order_by("node__path")
    ]
    return nodes


def login_event(
    *,
    event: Event,
    user: Any,
    actor: Any = None,
    ip_address: str | None = None,
    path: str | None = None,
    **extra: Any,
) -> None:
    """Write one login event (login, logout, failure, lock-out) to the audit log.

    ``user`` is the account concerned, or None for a user name that does not exist.
    The entry's node is the account's school (or its first role's node), so the school's
    and region's staff see their people's logins in the audit log.
    """
    values: dict[str, Any] = {"ip_address": ip_address, **extra}
    if path:
        values["path"] = path
    with transaction.atomic():
        if user is not None:
            nodes = home_nodes(user)
            audit_log(
                actor=actor,
                event=event,
                target=user,
                node=nodes[0] if nodes else None,
                new=values,
            )
            return
        # No account to point at: the entry is about the user model, with no id.
        placeholder = get_user_model()(**{get_user_model().USERNAME_FIELD: _("unknown account")})
        entry = audit_entry(actor=None, event=event, target=placeholder, new=values)
        entry.target_id = ""
        audit_log_bulk([entry])


def _manages(actor: Any, user: Any) -> bool:
    """Whether ``actor`` holds a region role (``manage``) over a node ``user`` belongs to."""
    paths = [grant.path for grant in user_grants(actor) if "manage" in ROLE_ACTIONS[grant.role]]
    return any(node.path.startswith(p) for node in home_nodes(user) for p in paths)


def may_unlock(actor: Any, *, username: str | None = None, ip_address: str | None = None) -> bool:
    """Superusers lift any lock; a county (city, province) administrator lifts the lock on
    an account that belongs to their region. Address locks and locks on user names that
    do not exist are the superuser's."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if ip_address or not username:
        return False
    user = find_user(username)
    return user is not None and _manages(actor, user)


def unlockable_attempts(actor: Any) -> Any:
    """The failed-attempt rows whose account lock ``actor`` may lift (the admin's list)."""
    attempts = AccessAttempt.objects.all()
    if actor.is_superuser:
        return attempts
    paths = [grant.path for grant in user_grants(actor) if "manage" in ROLE_ACTIONS[grant.role]]
    if not paths:
        return attempts.none()
    reach = Q()
    for path in paths:
        reach |= Q(teacher__school__path__startswith=path)
        reach |= Q(role_assignments__node__path__startswith=path)
    model = get_user_model()
    usernames = model._default_manager.filter(reach).values(model.USERNAME_FIELD)
    return attempts.filter(username__in=usernames)


def login_unlock(
    *,
    actor: Any,
    username: str | None = None,
    ip_address: str | None = None,
    reason: str = "",
) -> int:
    """Lift the login lock on an account (``username``), an address (``ip_address``), or
    the pair: forget their failed attempts and log who did it and why. Returns how many
    attempt rows were dropped."""
    if not username and not ip_address:
        raise ValidationError(_("Name the account or the address to unlock."))
    if not may_unlock(actor, username=username, ip_address=ip_address):
        raise PermissionDenied("may not lift this login lock")
    with transaction.atomic():
        attempts = AccessAttempt.objects.all()
        if username:
            attempts = attempts.filter(username=username)
        if ip_address:
            attempts = attempts.filter(ip_address=ip_address)
        failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        dropped = AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)
        user = find_user(username)
        values: dict[str, Any] = {"failures_forgotten": failures}
        if ip_address:
            values["ip_address"] = ip_address
        if username and user is None:
            values["account"] = "unknown"
        if user is not None:
            nodes = home_nodes(user)
            audit_log(
                actor=actor,
                event=Event.UNLOCK,
                target=user,
                node=nodes[0] if nodes else None,
                new=values,
                reason=reason,
            )
        else:
            placeholder = get_user_model()(
                **{get_user_model().USERNAME_FIELD: ip_address or _("unknown account")}
            )
            entry = audit_entry(
                actor=actor, event=Event.UNLOCK, target=placeholder, new=values, reason=reason
            )
            entry.target_id = ""
            audit_log_bulk([entry])
    return dropped
