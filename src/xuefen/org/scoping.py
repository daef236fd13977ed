"""The one scoping primitive: who may see or change which objects.

Every scoped model's manager is built from :class:`ScopedQuerySet`, whose
``restrict(user, action)`` filters to what the user may do ``action`` to (NetBox's
``RestrictedQuerySet``). Views, forms, exports, services and the admin all go through it,
so a rule changes in one place. Roles are held at organisation nodes and cover everything
beneath the node: ``restrict`` turns each grant into a ``path__startswith`` filter on the
node's materialized path, one indexed query whatever the depth of the tree.

Actions:

``view``     see the object
``change``   edit or create it (state rules are the services' business)
``delete``   delete it
``review``   school review of records (approve / reject)
``certify``  the region's certification of records (认定), project and institution approval
``manage``   regional settings: roles, policy bindings, the tree, the catalog
``sign``     the principal's sign-off of the school's period (校长签字, 第一责任人)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from .choices import Role

ACTIONS = ("view", "change", "delete", "review", "certify", "manage", "sign")

_REGION_ADMIN = frozenset(ACTIONS) - {"sign"}

# What each role may do to objects within its reach. Teachers reach only their own
# objects, institutions only their own projects and the records registered under them.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.TEACHER: frozenset({"view", "change", "delete"}),
    Role.SCHOOL_ADMIN: frozenset({"view", "change", "delete", "review"}),
    Role.PRINCIPAL: frozenset({"view", "review", "sign"}),
    Role.COUNTY_ADMIN: _REGION_ADMIN,
    Role.CITY_ADMIN: _REGION_ADMIN,
    Role.PROVINCE_ADMIN: _REGION_ADMIN,
    Role.PEER_ASSESSOR: frozenset({"view"}),
    Role.INSTITUTION: frozenset({"view", "change"}),
}

# Roles that see people's full data (ID numbers) and the audit log of their area.
STAFF_ROLES = frozenset(
    {
        Role.SCHOOL_ADMIN,
        Role.PRINCIPAL,
        Role.COUNTY_ADMIN,
        Role.CITY_ADMIN,
        Role.PROVINCE_ADMIN,
    }
)


@dataclass(frozen=True)
class Grant:
    """One role a user holds at one node (with the node's path, to filter by)."""

    role: str
    node_id: int
    path: str
    institution_id: int | None = None


_GRANTS_ATTR = "_xuefen_grants"


def user_grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, read once per user object (a request loads the user afresh)."""
    cached = getattr(user, _GRANTS_ATTR, None)
    if cached is not None:
        return cached
    from .models import RoleAssignment

    rows = RoleAssignment.objects.filter(user_id=user.pk).values_list(
        "role", "node_id", "node__path", "institution_id"
    )
    grants = tuple(Grant(role, node_id, path, inst) for role, node_id, path, inst in rows)
    setattr(user, _GRANTS_ATTR, grants)
    return grants


def forget_grants(user: Any) -> None:
    """Drop the grants cached on a user object (after a role changed)."""
    if hasattr(user, _GRANTS_ATTR):
        delattr(user, _GRANTS_ATTR)


def ancestor_paths(path: str) -> list[str]:
    """Paths of a node and all its ancestors, from its materialized path."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def under(lookup: str, path: str) -> Q:
    """Objects whose node (reached by ``lookup``) is the node at ``path`` or beneath it."""
    return Q(**{f"{lookup}__startswith": path})


def above(lookup: str, path: str) -> Q:
    """Objects whose node (reached by ``lookup``) is the node at ``path`` or an ancestor."""
    return Q(**{f"{lookup}__in": ancestor_paths(path)})


def _is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class ScopedQuerySet(models.QuerySet):
    """A queryset that can restrict itself to what a user may do (see module docstring)."""

    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet:
        """Only the objects ``user`` may ``action``; none for anonymous or inactive users."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r} (one of: {', '.join(ACTIONS)})")
        if not _is_active_user(user):
            return self.none()
        if user.is_superuser:
            return self
        condition: Q | None = None
        for grant in user_grants(user):
            if action not in ROLE_ACTIONS.get(grant.role, ()):
                continue
            part = self.model.scope_q(grant, action, user)
            if part is not None:
                condition = part if condition is None else condition | part
        if condition is None:
            return self.none()
        return self.filter(condition)


class ScopedModel(models.Model):
    """Mixin declaring how a model is reached from a grant.

    ``scope_path``      lookup of the node path the object lies under (e.g. ``school__path``)
    ``scope_owner``     lookup of the user who owns it, for the teacher role (or None)
    ``scope_owner_actions``  what an owner may do
    ``scope_institution``    lookup of the institution id, for the institution role (or None)
    ``scope_roles``     roles that reach this model at all (None: every role)

    Override :meth:`scope_q` for anything these cannot say.
    """

    scope_path: str | None = None
    scope_owner: str | None = None
    scope_owner_actions: frozenset[str] = frozenset({"view"})
    scope_institution: str | None = None
    scope_roles: frozenset[str] | None = None

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """The filter one grant contributes for ``action``, or None if it gives nothing."""
        if cls.scope_roles is not None and grant.role not in cls.scope_roles:
            return None
        if grant.role == Role.TEACHER:
            if cls.scope_owner and action in cls.scope_owner_actions:
                return Q(**{cls.scope_owner: user})
            return None
        if grant.role == Role.INSTITUTION:
            if cls.scope_institution and grant.institution_id is not None:
                return Q(**{cls.scope_institution: grant.institution_id})
            return None
        if cls.scope_path is None:
            return None
        return under(cls.scope_path, grant.path)


def restrict(model_or_qs: Any, user: Any, action: str = "view") -> ScopedQuerySet:
    """``Model.objects.restrict(...)`` for a model or a queryset of it."""
    qs = model_or_qs.objects.all() if isinstance(model_or_qs, type) else model_or_qs
    return qs.restrict(user, action)


def get_scoped_or_404(model_or_qs: Any, user: Any, action: str = "view", **lookup: Any) -> Any:
    """The object matching ``lookup`` within the user's scope, else :class:`Http404`.

    Out of scope and nonexistent look the same, so nobody learns what exists elsewhere.
    """
    qs = restrict(model_or_qs, user, action)
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404(f"No {qs.model._meta.object_name} matches the given query.") from None


def can(user: Any, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may ``action`` this object."""
    return type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


def require(user: Any, action: str, obj: models.Model) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may ``action`` this object."""
    if not can(user, action, obj):
        raise PermissionDenied(f"not allowed to {action} {type(obj).__name__} {obj.pk}")


def nodes_with_action(user: Any, action: str) -> Iterable[Grant]:
    """The user's grants that carry ``action`` (for forms choosing where to create)."""
    if not _is_active_user(user):
        return ()
    return tuple(g for g in user_grants(user) if action in ROLE_ACTIONS.get(g.role, ()))
