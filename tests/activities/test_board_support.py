"""Helpers of the calendar and board tests (helper D's files): activities, participants,
materials and generated records written directly, so each test states exactly the
attendance and files it counts (the services that make them are tested in their own
files). No tests here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def at(day: dt.date, hour: int = 15) -> dt.datetime:
    """``day`` at ``hour`` o'clock, local time."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def plan(school: Any, start: dt.date, end: dt.date, status: str = "approved") -> Any:
    from xuefen.activities.models import Plan

    return Plan.objects.create(
        school=school,
        title=f"{start:%Y}校本研修计划",
        start=start,
        end=end,
        label="学期",
        goals="提高课堂教学能力",
        themes="大单元教学",
        responsible="教科室",
        status=status,
    )


def activity(
    school: Any,
    starts_at: dt.datetime,
    *,
    groups: tuple = (),
    status: str = "planned",
    plan: Any = None,
    theme: str = "大单元教学设计研讨",
    hours: str = "3",
    attendance: dict | None = None,
    materials: tuple = (),
    confirmed: bool = False,
    makeup_of: Any = None,
    presenter: Any = None,
    length: dt.timedelta = dt.timedelta(hours=2),
) -> Any:
    """An activity with its participants (``attendance``: teacher → state) and the files
    of ``materials`` (kinds)."""
    from xuefen.activities.models import Activity, Material, Participation

    act = Activity.objects.create(
        school=school,
        plan=plan,
        theme=theme,
        type="seminar",
        place="三楼会议室",
        starts_at=starts_at,
        ends_at=starts_at + length,
        hours=hours,
        status=status,
        makeup_of=makeup_of,
        presenter=presenter,
        materials_confirmed_at=timezone.now() if confirmed else None,
        closed_at=timezone.now() if status == "closed" else None,
    )
    if groups:
        act.groups.set(groups)
    for teacher, state in (attendance or {}).items():
        Participation.objects.create(activity=act, teacher=teacher, state=state)
    for kind in materials:
        Material.objects.create(
            activity=act, kind=kind, file=f"activities/{act.pk}/{kind}.pdf", name=f"{kind}.pdf"
        )
    return act


def generated(teacher: Any, act: Any, kind: str = "activity_attendance", **extra: Any) -> Any:
    """A record generated from ``act`` for ``teacher`` (awaiting review)."""
    from xuefen.records.models import Record

    return Record.objects.create(
        teacher=teacher,
        kind=kind,
        date=timezone.localtime(act.starts_at).date(),
        level="school",
        fields=extra.pop("fields", {"name": act.theme, "status": "present"}),
        source="attendance",
        status=extra.pop("status", "submitted"),
        activity=act,
        origin_key=f"activity:{act.pk}:{kind}",
        **extra,
    )
