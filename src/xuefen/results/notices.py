"""A published notice's lines: each teacher's figures for the period, frozen from the
stored results.

Connected in :class:`xuefen.results.apps.ResultsConfig` to
:data:`xuefen.audit.signals.business_change`. ``xuefen.credits.notices.notice_publish``
writes the :class:`~xuefen.credits.models.Notice` row and its ``notice.publish`` audit
entry; :func:`on_notice_published` then, in the same transaction:

1. recomputes the school's active teachers whose stored results are not fresh (changed
   since, another engine, another year: :func:`~xuefen.results.selectors.is_fresh`), and
   only those, in one :func:`~xuefen.results.compute.recompute` call;
2. reads each teacher's period from :class:`TeacherResult` ``pending`` — the engine's
   output counting approved (and submitted) records as if certified; publication is
   refused while any record of the period is submitted, so this is certified + approved —
   only the ``periods`` key of it, one query for the school;
3. bulk-creates one :class:`NoticeLine` per teacher (hours and credits per mode and in
   total, compliant, the unmet requirements) and sets the notice's counts and totals.

A teacher for whom the engine reports nothing in the period (no records in a period that
has ended, a computation error) gets a line of zeros with ``compliant`` unknown (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from xuefen.audit.choices import Event
from xuefen.credits.choices import NoticeStatus
from xuefen.credits.models import Notice, NoticeLine
from xuefen.org.models import Teacher

from .compute import recompute
from .models import TeacherResult, TeacherState
from .selectors import is_fresh

BATCH = 500
# The figures a line keeps, in the engine's keys.
FIGURES = ("online", "centralized", "school_based", "total")


def on_notice_published(
    sender: Any, entries: Sequence[Any], targets: Sequence[Any], **kwargs: Any
) -> None:
    """Freeze the lines of each notice just published (same transaction)."""
    for entry, target in zip(entries, targets, strict=True):
        if entry.event != Event.NOTICE_PUBLISH or not isinstance(target, Notice):
            continue
        if target.status == NoticeStatus.OPEN and not target.lines.exists():
            freeze_lines(target)


def _figures(values: dict[str, Any] | None) -> dict[str, float]:
    values = values or {}
    return {key: round(float(values.get(key) or 0), 2) for key in FIGURES}


def _short(period: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.get("id"),
            "label": r.get("label"),
            "measure": r.get("measure"),
            "shortfall": r.get("shortfall"),
        }
        for r in period.get("requirements", [])
        if not r.get("met")
    ]


def freeze_lines(notice: Notice) -> list[NoticeLine]:
    """Write the notice's lines and counts (see the module docstring); returns the lines."""
    as_of = timezone.localdate()
    teachers = list(
        Teacher.objects.filter(school_id=notice.school_id, active=True)
        .order_by("name_pinyin", "name", "pk")
        .values_list("pk", "name", "name_pinyin", "group__name")
    )
    states = {
        s.teacher_id: s
        for s in TeacherState.objects.filter(
            teacher__school_id=notice.school_id, teacher__active=True
        ).only("teacher_id", "stale", "engine", "as_of")
    }
    stale = [pk for pk, *_rest in teachers if not is_fresh(states.get(pk), as_of)]
    if stale:
        recompute(stale, as_of=as_of)

    start = notice.start.isoformat()
    periods: dict[int, dict[str, Any]] = {}
    rows = (
        TeacherResult.objects.filter(teacher__school_id=notice.school_id, teacher__active=True)
        .order_by("binding__valid_from", "pk")
        .values_list("teacher_id", "pending__periods")
    )
    for teacher_id, reported in rows:
        for period in reported or []:
            if period.get("type") == notice.period_type and period.get("start") == start:
                periods[teacher_id] = period  # a later binding's figures stand

    lines = []
    totals: dict[str, dict[str, float]] = {
        "hours": dict.fromkeys(FIGURES, 0.0),
        "credits": dict.fromkeys(FIGURES, 0.0),
    }
    compliant = 0
    for pk, name, pinyin, group in teachers:
        period = periods.get(pk)
        hours = _figures(period.get("hours") if period else None)
        credits = _figures(period.get("credits") if period else None)
        ok = period.get("compliant") if period else None
        compliant += ok is True
        for key in FIGURES:
            totals["hours"][key] = round(totals["hours"][key] + hours[key], 2)
            totals["credits"][key] = round(totals["credits"][key] + credits[key], 2)
        lines.append(
            NoticeLine(
                notice=notice,
                teacher_id=pk,
                name=name,
                name_pinyin=pinyin or "",
                group=group or "",
                hours=hours,
                credits=credits,
                compliant=ok,
                short=_short(period) if period else [],
            )
        )
    NoticeLine.objects.bulk_create(lines, batch_size=BATCH)
    notice.teachers, notice.compliant, notice.totals = len(lines), compliant, totals
    Notice.objects.filter(pk=notice.pk).update(
        teachers=notice.teachers, compliant=notice.compliant, totals=notice.totals
    )
    return lines
