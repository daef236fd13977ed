"""Helpers of the activity tests (helper B's files): a plan, an activity that has
begun, the audit rows of an event. No tests here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def make_plan(people: Any, *, status: str = "submitted", school: Any = None) -> Any:
    """A plan of school A whose semester holds today (written directly: the plan's own
    services are another part's, tested there)."""
    from xuefen.activities.models import Plan

    today = timezone.localdate()
    return Plan.objects.create(
        school=school or people.school_a,
        title="校本研修计划",
        start=today - dt.timedelta(days=60),
        end=today + dt.timedelta(days=60),
        label="本学期",
        goals="提高课堂教学能力",
        themes="大单元教学",
        responsible="教科室",
        status=status,
    )


def make_activity(
    people: Any,
    *,
    plan: Any = None,
    begun: bool = True,
    hours: Any = "3",
    actor: Any = None,
    school: Any = None,
    **extra: Any,
) -> Any:
    """An activity of school A (every active teacher of the school takes part) that began
    an hour ago (or starts tomorrow with ``begun=False``)."""
    from xuefen.activities.services import activity_create

    now = timezone.now()
    starts = now - dt.timedelta(hours=1) if begun else now + dt.timedelta(days=1)
    values: dict[str, Any] = {
        "theme": "大单元教学设计研讨",
        "type": "seminar",
        "place": "三楼会议室",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=3),
        "hours": hours,
        "plan": plan,
    }
    values.update(extra)
    return activity_create(
        actor=actor or people.school_admin_a, school=school or people.school_a, **values
    )


def audit_rows(event: str, target: Any = None) -> list[Any]:
    """The audit entries of ``event`` (on ``target`` if given), oldest first."""
    from xuefen.audit.models import AuditEntry

    rows = AuditEntry.objects.filter(event=str(event)).order_by("pk")
    if target is not None:
        rows = rows.filter(target_id=str(target.pk))
    return list(rows)
