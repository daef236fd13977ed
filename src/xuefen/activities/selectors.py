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
