"""Reads of school-based training that pages share (services push, selectors pull). Each
section belongs to one part (plans, activities, sign-in, board); every query goes through
the user's scope (out of scope is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from xuefen.org.scoping import get_scoped_or_404

from .choices import Attendance
from .models import Activity, Participation

# -- sign-in (activities.signin; pages in activities.signin_views) ------------------------


def signin_activity(*, fetched_by: Any, pk: int) -> Activity:
    """An activity the user may see (404 otherwise), with its school and presenter."""
    return get_scoped_or_404(
        Activity.objects.select_related("school", "presenter"), fetched_by, "view", pk=pk
    )


def own_participation(*, fetched_by: Any, activity: Activity) -> Participation | None:
    """The user's own participation in ``activity`` (None: not a participant)."""
    if not fetched_by.is_authenticated:
        return None
    return (
        Participation.objects.select_related("teacher")
        .filter(activity_id=activity.pk, teacher__user_id=fetched_by.pk)
        .first()
    )


def participant_of(*, activity: Activity, teacher_pk: int) -> Participation | None:
    """The participation of teacher ``teacher_pk`` in ``activity`` (the presenter's scan;
    the caller has checked that the user runs the activity's sign-in)."""
    return (
        Participation.objects.select_related("teacher")
        .filter(activity_id=activity.pk, teacher_id=teacher_pk)
        .first()
    )


def signin_counts(activity: Activity) -> dict[str, int]:
    """Signed in, expected (every participant not on leave) and flagged: one query."""
    return Participation.objects.filter(activity_id=activity.pk).aggregate(
        present=Count("pk", filter=Q(state=Attendance.PRESENT)),
        expected=Count("pk", filter=~Q(state=Attendance.LEAVE)),
        flagged=Count("pk", filter=Q(flagged=True)),
    )


def flagged_participations(activity: Activity) -> list[Participation]:
    """Sign-ins of one device for several people, for the administrator to check."""
    return list(
        Participation.objects.select_related("teacher", "signed_by")
        .filter(activity_id=activity.pk, flagged=True)
        .order_by("device", "signed_at", "pk")
    )


def signin_rows(activity: Activity) -> list[Participation]:
    """Every participant with their sign-in, not yet signed in first (the manual page)."""
    rows = list(
        Participation.objects.select_related("teacher", "signed_by").filter(activity_id=activity.pk)
    )
    rows.sort(key=lambda r: (r.state == Attendance.PRESENT, r.teacher.name_pinyin, r.pk))
    return rows


# -- plans (activities.plans; pages in activities.plan_views) -----------------------------
# Imports are local to this section so that the parts never edit one another's lines.


def plan_schools(*, fetched_by: Any) -> Any:
    """Schools whose plans the user administers or submits (school staff; the county's
    staff over them), by position in the tree."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode
    from xuefen.org.scoping import restrict

    return restrict(OrgNode, fetched_by, "review").filter(kind=NodeKind.SCHOOL).order_by("path")


def plan_list(*, fetched_by: Any, school: Any) -> list[Any]:
    """The school's plans the user may see, newest semester first (one query)."""
    from xuefen.org.scoping import restrict

    from .models import Plan

    return list(
        restrict(Plan, fetched_by, "view")
        .filter(school_id=school.pk)
        .select_related("decided_by")
        .order_by("-start", "-pk")
    )


def plan_get(*, fetched_by: Any, pk: int, action: str = "view") -> Any:
    """One plan the user may ``action`` (404 otherwise), with its school."""
    from .models import Plan

    return get_scoped_or_404(
        Plan.objects.select_related("school", "decided_by", "created_by"),
        fetched_by,
        action,
        pk=pk,
    )


def plan_history(*, fetched_by: Any, plan: Any) -> list[Any]:
    """The plan's audit entries the user may see (staff only), oldest first: who wrote,
    submitted, approved or returned it, and the reasons."""
    from django.contrib.contenttypes.models import ContentType

    from xuefen.audit.models import AuditEntry
    from xuefen.org.scoping import restrict

    from .models import Plan

    return list(
        restrict(AuditEntry, fetched_by, "view")
        .filter(target_type=ContentType.objects.get_for_model(Plan), target_id=str(plan.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def county_plans(*, fetched_by: Any, status: str | None = None) -> Any:
    """Plans of the schools under the user's region that the user may judge (``certify``),
    in ``status`` (every status but drafts when None), oldest submission first."""
    from django.db.models import F

    from xuefen.org.scoping import restrict

    from .choices import PlanStatus
    from .models import Plan

    qs = restrict(Plan, fetched_by, "certify").select_related("school", "decided_by")
    qs = qs.filter(status=status) if status else qs.exclude(status=PlanStatus.DRAFT)
    return qs.order_by(F("submitted_at").asc(nulls_last=True), "school__path", "-start")


def certifying_regions(schools: Any) -> dict[int, Any]:
    """The certifying office (nearest county, or city) of each school, one query for all:
    ``{school id: region}``."""
    from xuefen.org.choices import NodeKind
    from xuefen.org.models import OrgNode
    from xuefen.org.scoping import ancestor_paths

    schools = list(schools)
    paths = {p for s in schools for p in ancestor_paths(s.path) if p != s.path}
    regions = {
        node.path: node
        for node in OrgNode.objects.filter(
            path__in=sorted(paths), kind__in=[NodeKind.COUNTY, NodeKind.CITY]
        )
    }
    found: dict[int, Any] = {}
    for school in schools:
        above_it = [regions[p] for p in ancestor_paths(school.path) if p in regions]
        if above_it:
            found[school.pk] = max(above_it, key=lambda n: len(n.path))
    return found
