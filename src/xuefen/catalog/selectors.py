"""Reads of the catalog pages (style.md habit 15): each takes the user it fetches for and
goes through the scoping helper, except the one lookup an institution needs to register
results — teachers by exact name within the region that approved the project — which
names no ID number and finds nobody by a prefix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import Grant, get_scoped_or_404, restrict, user_grants
from xuefen.records.models import Record

from .choices import ApprovalStatus
from .models import Institution, Project


def institution_grants(user: Any) -> list[Grant]:
    """The user's roles as a training institution (one per institution and region)."""
    return [g for g in user_grants(user) if g.role == Role.INSTITUTION and g.institution_id]


def institutions_of(user: Any) -> QuerySet[Institution]:
    """The institutions the user acts for."""
    ids = [g.institution_id for g in institution_grants(user)]
    return Institution.objects.filter(pk__in=ids).select_related("node").order_by("name", "pk")


def project_list(*, fetched_by: Any) -> list[Project]:
    """The institution's projects with their record counts, newest first."""
    ids = [g.institution_id for g in institution_grants(fetched_by)]
    return list(
        restrict(Project, fetched_by, "view")
        .filter(institution_id__in=ids)
        .select_related("institution", "publisher")
        .annotate(record_count=Count("records"))
        .order_by("-pk")
    )


def project_get(*, fetched_by: Any, pk: int, action: str = "change") -> Project:
    """One project the user may ``action`` (404 otherwise)."""
    return get_scoped_or_404(
        Project.objects.select_related("institution", "publisher"), fetched_by, action, pk=pk
    )


def awaiting_approval(*, fetched_by: Any) -> list[Project]:
    """Projects sent for approval to the regions where the user approves projects."""
    return list(
        restrict(Project, fetched_by, "certify")
        .filter(approval_status=ApprovalStatus.PENDING)
        .select_related("institution", "publisher")
        .order_by("created_at", "pk")
    )


def region_schools(project: Project) -> QuerySet[OrgNode]:
    """The schools of the region that publishes the project, for the results table."""
    return OrgNode.objects.filter(
        kind=NodeKind.SCHOOL, path__startswith=project.publisher.path
    ).order_by("path")


def teachers_by_name(*, project: Project, names: Iterable[str]) -> dict[str, list[Teacher]]:
    """Active teachers of the project's region whose name is exactly one of ``names``
    (one query), by name."""
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    found: dict[str, list[Teacher]] = defaultdict(list)
    if not wanted:
        return found
    for teacher in (
        Teacher.objects.filter(
            active=True, name__in=wanted, school__path__startswith=project.publisher.path
        )
        .select_related("school")
        .order_by("school__path", "pk")
    ):
        found[teacher.name].append(teacher)
    return found


def project_records(*, fetched_by: Any, project: Project) -> list[Record]:
    """The records of a project the user may see, with their teachers and schools."""
    return list(
        restrict(Record, fetched_by, "view")
        .filter(project=project)
        .select_related("teacher__school")
        .order_by("teacher__school__path", "teacher__name", "pk")
    )
