"""Who reaches which page. Every query goes through the scoping helper
(:func:`xuefen.org.scoping.restrict`); this module only says which action and which roles
each page needs, and where each role lands after logging in.

Out of scope and nonexistent look the same (404); a user holding no role at all gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse

from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode
from xuefen.org.scoping import restrict, user_grants

# Roles that land on a region's table of schools, widest first.
REGION_ROLES = (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.COUNTY_ADMIN)
# Roles that see a school's roster: its staff and the peer assessors assigned to it.
ROSTER_ROLES = frozenset(
    {
        Role.SCHOOL_ADMIN,
        Role.PRINCIPAL,
        Role.PEER_ASSESSOR,
        Role.COUNTY_ADMIN,
        Role.CITY_ADMIN,
        Role.PROVINCE_ADMIN,
    }
)
REGION_KINDS = (NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY, NodeKind.GROUP)


def has_any_role(user: Any) -> bool:
    """Whether the user holds a role anywhere (superusers count as holding every role)."""
    return bool(user.is_superuser or user_grants(user))


class PortalAccessMixin(LoginRequiredMixin):
    """Anonymous → the login page; logged in without any role → 403. What lies beyond
    the user's reach is the view's business (through the scoping helper → 404)."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not has_any_role(request.user):
            raise PermissionDenied("no role")
        return super().dispatch(request, *args, **kwargs)


def region_nodes(user: Any) -> QuerySet[OrgNode]:
    """Regions (province, city, county, group) whose table of schools the user may open:
    those where the user may certify, i.e. the training offices' own regions."""
    return restrict(OrgNode, user, "certify").filter(kind__in=REGION_KINDS)


def roster_schools(user: Any) -> QuerySet[OrgNode]:
    """Schools whose roster the user may open: schools the user may see, beneath a node
    where the user holds a staff or peer-assessor role (a teacher sees the node of their
    own school, for its name, but not its roster)."""
    schools = restrict(OrgNode, user, "view").filter(kind=NodeKind.SCHOOL)
    if user.is_superuser:
        return schools
    reach = Q(pk__in=[])
    for grant in user_grants(user):
        if grant.role in ROSTER_ROLES:
            reach |= Q(path__startswith=grant.path)
    return schools.filter(reach)


def home_url(user: Any) -> str | None:
    """Where the user lands after logging in, by their widest role; None without a role."""
    grants = user_grants(user)
    if user.is_superuser:
        top = OrgNode.objects.filter(parent__isnull=True).order_by("path").first()
        return reverse("portal:region", args=[top.pk]) if top else reverse("admin:index")
    for role in REGION_ROLES:
        nodes = sorted((g for g in grants if g.role == role), key=lambda g: g.path)
        if nodes:
            return reverse("portal:region", args=[nodes[0].node_id])
    for role in (Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.PEER_ASSESSOR):
        nodes = sorted((g for g in grants if g.role == role), key=lambda g: g.path)
        if nodes:
            return reverse("portal:roster", args=[nodes[0].node_id])
    if any(g.role == Role.TEACHER for g in grants):
        return reverse("portal:me")
    if any(g.role == Role.INSTITUTION for g in grants):
        return reverse("portal:institution")
    return None
