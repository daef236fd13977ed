"""Who is told: the users holding given roles at a school or at the regions above it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xuefen.org.models import OrgNode, RoleAssignment
from xuefen.org.scoping import ancestor_paths


def users_with_roles(node: OrgNode, roles: Iterable[str], *, above: bool = False) -> list[int]:
    """Ids of active users holding one of ``roles`` at ``node`` (and, with ``above``, at
    the nodes above it: the county's office for a school)."""
    paths = ancestor_paths(node.path) if above else [node.path]
    return sorted(
        set(
            RoleAssignment.objects.filter(
                node__path__in=paths, role__in=list(roles), user__is_active=True
            ).values_list("user_id", flat=True)
        )
    )


def teacher_user(teacher: Any) -> list[int]:
    """The teacher's own account, if they have one."""
    return [teacher.user_id] if getattr(teacher, "user_id", None) else []
