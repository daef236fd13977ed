"""Login accounts: who administers which accounts, and every change to one.

A user is *of* a node when they hold a role at or under it, have a teacher profile at a
school under it, or their account was created for a unit under it (``Account.home``).
School administrators and regional administrators (county, city, province) administer the
accounts of their node: they see them in the admin's user list, and create, change,
deactivate, delete them and reset their passwords through the functions here. Changing an
account needs more than seeing it: *everything* the account holds (every role, its teacher
profile, its home) must lie within the administrator's reach, so nobody takes over an
account that also works elsewhere. Superusers are administered by superusers only.

Every function is one audited action, like :mod:`xuefen.org.services`. Passwords never
reach the audit log.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, audited_update, snapshot

from .choices import Role
from .models import Account, OrgNode, RoleAssignment, Teacher
from .scoping import STAFF_ROLES, forget_grants, user_grants

# Roles whose holders administer the accounts of their node.
ACCOUNT_ADMIN_ROLES = frozenset(
    {Role.SCHOOL_ADMIN, Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN}
)
USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
# What an administrator may change on an account (superusers also is_superuser).
USER_EDITABLE = frozenset(USER_FIELDS)
ROLE_FIELDS = ("user", "node", "role", "institution")
# Set in the session at login when the account must change its password (the check on
# every request then reads the session, not the database); cleared by the change.
MUST_CHANGE_SESSION_KEY = "xuefen_must_change_password"
# Temporary passwords: no look-alike characters (0/O, 1/l/I), easy to read out on the phone.
_TEMP_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_TEMP_DIGITS = "23456789"


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def account_paths(actor: Any) -> list[str]:
    """Paths of the nodes where ``actor`` administers accounts (none for a superuser: they
    administer everything, see :func:`users_visible`)."""
    if not _active(actor):
        return []
    return [g.path for g in user_grants(actor) if g.role in ACCOUNT_ADMIN_ROLES]


def _of_paths(paths: list[str]) -> Q:
    """Users of any node under ``paths`` (three indexed subqueries, no duplicates)."""
    under_any = Q()
    for path in paths:
        under_any |= Q(node__path__startswith=path)
    roles = RoleAssignment.objects.filter(under_any).values("user_id")
    schools = Q()
    homes = Q()
    for path in paths:
        schools |= Q(school__path__startswith=path)
        homes |= Q(home__path__startswith=path)
    teachers = Teacher.objects.filter(schools, user__isnull=False).values("user_id")
    accounts = Account.objects.filter(homes).values("user_id")
    return Q(pk__in=roles) | Q(pk__in=teachers) | Q(pk__in=accounts)


def users_visible(actor: Any, queryset: QuerySet | None = None) -> QuerySet:
    """The accounts ``actor`` sees: everyone for a superuser, the users of their nodes for
    an account administrator, nobody else. Superusers are never in a non-superuser's list."""
    qs = queryset if queryset is not None else get_user_model()._default_manager.all()
    if not _active(actor):
        return qs.none()
    if actor.is_superuser:
        return qs
    paths = account_paths(actor)
    if not paths:
        return qs.none()
    return qs.filter(_of_paths(paths)).exclude(is_superuser=True)


def account_node_paths(user: Any) -> list[str]:
    """Paths of every node ``user`` is of: their roles' nodes, their school, their home."""
    paths = list(
        RoleAssignment.objects.filter(user_id=user.pk).values_list("node__path", flat=True)
    )
    paths += Teacher.objects.filter(user_id=user.pk).values_list("school__path", flat=True)
    paths += Account.objects.filter(user_id=user.pk, home__isnull=False).values_list(
        "home__path", flat=True
    )
    return paths


def within_reach(paths: list[str], reach: list[str]) -> bool:
    """Whether every one of ``paths`` lies under one of ``reach``."""
    return all(any(p.startswith(r) for r in reach) for p in paths)


def may_manage(actor: Any, user: Any) -> bool:
    """Whether ``actor`` may change, deactivate, delete or reset the password of ``user``:
    a superuser always; an account administrator if the user is not a superuser and all the
    user is of lies within the nodes where the actor administers accounts."""
    if not _active(actor):
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    reach = account_paths(actor)
    paths = account_node_paths(user)
    return bool(reach and paths) and within_reach(paths, reach)


def may_create_at(actor: Any, node: OrgNode | None) -> bool:
    """Whether ``actor`` may create an account for ``node`` (superusers also without one)."""
    if not _active(actor):
        return False
    if actor.is_superuser:
        return True
    return node is not None and any(node.path.startswith(p) for p in account_paths(actor))


def account_node(user: Any) -> OrgNode | None:
    """The node an account's audit entries belong to: the teacher's school, else the node
    of their first role, else their home."""
    teacher = Teacher.objects.filter(user_id=user.pk).select_related("school").first()
    if teacher is not None:
        return teacher.school
    role = RoleAssignment.objects.filter(user_id=user.pk).select_related("node").first()
    if role is not None:
        return role.node
    account = Account.objects.filter(user_id=user.pk).select_related("home").first()
    return account.home if account is not None else None


def account_of(user: Any) -> Account:
    """The user's :class:`Account` row, created on first use."""
    account, _created = Account.objects.get_or_create(user=user)
    return account


def must_change_password(user: Any) -> bool:
    """Whether the user must change their password before doing anything else."""
    return Account.objects.filter(user_id=user.pk, must_change_password=True).exists()


def _staff_justified(user: Any) -> bool:
    """``is_staff`` (the admin's door) is justified by a staff role (school or region)."""
    return RoleAssignment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).exists()


def _require_manage(actor: Any, user: Any) -> None:
    if not may_manage(actor, user):
        raise PermissionDenied("not allowed to administer this account")


def _check_password(password: str, user: Any) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


# -- accounts --------------------------------------------------------------------------


def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None = None,
    home: OrgNode | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_staff: bool = False,
    must_change_password: bool = True,
    reason: str = "",
) -> Any:
    """Create an account for the unit ``home`` (required unless the actor is a superuser).

    With ``password`` the account can log in and (by default) must change it at the first
    login; without, it cannot log in until a password is reset. Only superusers create
    staff accounts (``is_staff`` needs a staff role, which a new account does not hold).
    """
    if not may_create_at(actor, home):
        raise PermissionDenied("not allowed to create accounts here")
    if is_staff and not actor.is_superuser:
        raise PermissionDenied("only a superuser makes a new account staff")
    model = get_user_model()
    user = model(
        username=(username or "").strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=model._default_manager.normalize_email(email.strip()),
        is_staff=is_staff,
    )
    user.full_clean(exclude=["password", "last_login", "date_joined"])
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
        Account.objects.create(
            user=user, home=home, must_change_password=bool(password) and must_change_password
        )
        new = snapshot(user, USER_FIELDS)
        new["home"] = home.pk if home is not None else None
        audit_log(
            actor=actor, event=Event.USER_CREATE, target=user, node=home, new=new, reason=reason
        )
    return user


def user_update(*, actor: Any, user: Any, reason: str = "", **changes: Any) -> Any:
    """Change an account's name, e-mail, user name, or deactivate / reactivate it.

    Non-superusers cannot make anyone a superuser, and give ``is_staff`` only to an account
    holding a staff role. Nobody deactivates their own account here.
    """
    allowed = USER_EDITABLE | ({"is_superuser"} if actor.is_superuser else frozenset())
    unknown = set(changes) - allowed
    if unknown:
        if "is_superuser" in unknown:
            raise PermissionDenied("only a superuser makes superusers")
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )

    def check(current: Any) -> None:
        _require_manage(actor, current)
        giving_staff = changes.get("is_staff") and not current.is_staff
        if giving_staff and not actor.is_superuser and not _staff_justified(current):
            raise PermissionDenied("is_staff needs a staff role")
        if current.pk == actor.pk and changes.get("is_active") is False:
            raise ValidationError({"is_active": _("You cannot deactivate your own account.")})

    def clean(current: Any) -> None:
        if "username" in changes:
            current.username = (current.username or "").strip()
        current.full_clean(exclude=["password", "last_login", "date_joined"])

    fields = (*USER_FIELDS, "is_superuser") if "is_superuser" in changes else USER_FIELDS
    return audited_update(
        user,
        actor=actor,
        event=Event.USER_UPDATE,
        fields=fields,
        changes=changes,
        node=account_node,
        check=check,
        clean=clean,
        reason=reason,
    )


def user_delete(*, actor: Any, user: Any, reason: str = "") -> None:
    """Delete an account. Its roles go with it: each one is logged as revoked, then the
    account as deleted. A teacher profile stays (without an account). Prefer deactivating:
    the audit log keeps the name, but the account's own history loses its link."""
    model = get_user_model()
    with transaction.atomic():
        current = model._default_manager.select_for_update().get(pk=user.pk)
        _require_manage(actor, current)
        if current.pk == actor.pk:
            raise ValidationError(_("You cannot delete your own account."))
        node = account_node(current)
        for assignment in RoleAssignment.objects.filter(user=current).select_related("node"):
            audit_log(
                actor=actor,
                event=Event.ROLE_REVOKE,
                target=assignment,
                node=assignment.node,
                old=snapshot(assignment, ROLE_FIELDS),
                reason=reason or _("The account was deleted."),
            )
        old = snapshot(current, USER_FIELDS)
        teacher_id = Teacher.objects.filter(user=current).values_list("pk", flat=True).first()
        if teacher_id is not None:
            old["teacher"] = teacher_id
        audit_log(
            actor=actor, event=Event.USER_DELETE, target=current, node=node, old=old, reason=reason
        )
        current.delete()
    forget_grants(user)


# -- passwords -------------------------------------------------------------------------


def temporary_password() -> str:
    """A random temporary password: ten letters and digits, never all digits, easy to read."""
    letters = [secrets.choice(_TEMP_LETTERS) for _ in range(6)]
    digits = [secrets.choice(_TEMP_DIGITS) for _ in range(4)]
    chars = letters + digits
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _set_password(user: Any, password: str, *, must_change: bool) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    Account.objects.update_or_create(user=user, defaults={"must_change_password": must_change})


def password_change(*, user: Any, new_password: str) -> None:
    """The user changes their own password (the form has checked the old one). Clears the
    "must change" flag."""
    if not _active(user):
        raise PermissionDenied("log in first")
    _check_password(new_password, user)
    with transaction.atomic():
        _set_password(user, new_password, must_change=False)
        audit_log(actor=user, event=Event.PASSWORD_CHANGE, target=user, node=account_node(user))


def password_reset_by_admin(
    *, actor: Any, user: Any, reason: str, password: str | None = None
) -> str:
    """An administrator of the account sets a new password: the one typed (``password``) or
    a generated temporary one. Returns it, to be shown once to the administrator; the user
    must change it at the next login. The audit entry never holds the password."""
    model = get_user_model()
    with transaction.atomic():
        current = model._default_manager.select_for_update().get(pk=user.pk)
        _require_manage(actor, current)
        if current.pk == actor.pk:
            raise ValidationError(_("Change your own password on the password page."))
        generated = not password
        new_password = temporary_password() if generated else password
        if not generated:
            _check_password(new_password, current)
        _set_password(current, new_password, must_change=True)
        audit_log(
            actor=actor,
            event=Event.PASSWORD_RESET,
            target=current,
            node=account_node(current),
            new={"temporary": generated, "must_change_password": True},
            reason=reason,
        )
    user.password = current.password
    return new_password


def password_reset_by_mail(*, user: Any, new_password: str) -> None:
    """The user set a new password through the link mailed to them (the token has been
    checked by the view). Clears the "must change" flag."""
    _check_password(new_password, user)
    with transaction.atomic():
        _set_password(user, new_password, must_change=False)
        audit_log(actor=user, event=Event.PASSWORD_RESET_MAIL, target=user, node=account_node(user))
