"""What the forms read: the stored results, streamed in chunks, on the basis asked for.

Figures come from the engine through the stored results (``results`` app): certified
figures from :class:`~xuefen.results.models.TeacherPeriod`, a draft's (every submitted and
approved record counted as if certified) from the ``pending`` output of
:class:`~xuefen.results.models.TeacherResult`. A form never calls the engine itself, so an
export of a county costs what reading its rows costs. Teachers are read in chunks of
:data:`CHUNK` so that memory stays flat in the size of the school or county.

Before a form is built, :func:`xuefen.exports.services.prepare` brings stale teachers up
to date (in the job, never in a request): the rows read here are then the engine's
current word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from xuefen.org.models import OrgNode, Teacher
from xuefen.org.validators import mask_id_number
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record
from xuefen.results.models import TeacherPeriod, TeacherResult

CHUNK = 2000
MODES = ("centralized", "online", "school_based")
# The records a draft counts besides the certified ones (as results.compute does).
DRAFT_STATUSES = (RecordStatus.SUBMITTED, RecordStatus.APPROVED)


@dataclass
class Figures:
    """One teacher's figures in one period, by mode (``total`` included) and module.
    All zero where the teacher earned nothing (no stored row)."""

    hours: dict[str, float] = field(default_factory=dict)
    credits: dict[str, float] = field(default_factory=dict)
    modules: dict[str, float] = field(default_factory=dict)
    compliant: bool | None = None
    short: list[dict[str, Any]] = field(default_factory=list)

    def h(self, mode: str = "total") -> float:
        return round(float(self.hours.get(mode, 0) or 0), 2)

    def c(self, mode: str = "total") -> float:
        return round(float(self.credits.get(mode, 0) or 0), 2)


@dataclass(frozen=True)
class Verdict:
    """What the engine said of one record: counted or not, its hours and credits, why."""

    counted: bool
    hours: float
    credits: float
    explanation: str
    # The mode and module the policy gave the record (``school_based``, ``ethics`` …).
    mode: str = ""
    module: str = ""


def labels(choices: Any) -> dict[str, str]:
    """A vocabulary's Chinese labels by value, made once per export (a lazy label per cell
    costs more than writing the cell)."""
    with translation.override("zh-hans"):
        return {str(value): str(label) for value, label in choices.choices}


def teachers_of(school: OrgNode) -> Iterator[Teacher]:
    """The school's active teachers in roster order (pinyin), with their group, streamed."""
    return (
        Teacher.objects.filter(school=school, active=True)
        .select_related("group")
        .order_by("name_pinyin", "name", "pk")
        .iterator(chunk_size=CHUNK)
    )


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _period_of(result: dict[str, Any], period_type: str, start: dt.date) -> dict[str, Any] | None:
    day = start.isoformat()
    cycles = result.get("cycles") or ([result["cycle"]] if result.get("cycle") else [])
    for period in [*result.get("periods", []), *cycles]:
        if period and period.get("type") == period_type and period.get("start") == day:
            return period
    return None


def figures(
    teacher_ids: list[int], *, period_type: str, start: dt.date, draft: bool
) -> dict[int, Figures]:
    """The figures of these teachers (one chunk) in one period: certified, or with every
    pending record counted where ``draft``. Two queries at most."""
    out: dict[int, Figures] = {}
    if not draft:
        for row in TeacherPeriod.objects.filter(
            teacher_id__in=teacher_ids, period_type=period_type, start=start
        ).only("teacher_id", "hours", "credits", "modules", "compliant", "short"):
            out[row.teacher_id] = Figures(
                hours=row.hours or {},
                credits=row.credits or {},
                modules=row.modules or {},
                compliant=row.compliant,
                short=row.short or [],
            )
        return out
    for teacher_id, pending in TeacherResult.objects.filter(teacher_id__in=teacher_ids).values_list(
        "teacher_id", "pending"
    ):
        period = _period_of(pending or {}, period_type, start)
        if period is None:
            continue  # another binding's result: the period is reported under one binding
        out[teacher_id] = Figures(
            hours=period.get("hours", {}),
            credits=period.get("credits", {}),
            modules=period.get("modules", {}),
            compliant=period.get("compliant"),
            short=[r for r in period.get("requirements", []) if not r.get("met", True)],
        )
    return out


def verdicts(teacher_ids: list[int], *, draft: bool) -> dict[int, Verdict]:
    """The engine's verdict on every record of these teachers, by record id, on the basis
    asked for (the draft's for pending records)."""
    out: dict[int, Verdict] = {}
    column = "pending" if draft else "result"
    for result in TeacherResult.objects.filter(teacher_id__in=teacher_ids).values_list(
        column, flat=True
    ):
        for record in (result or {}).get("records", []):
            try:
                pk = int(record["id"])
            except (KeyError, TypeError, ValueError):
                continue
            out[pk] = Verdict(
                counted=bool(record.get("counted")),
                hours=round(float(record.get("hours", 0) or 0), 2),
                credits=round(float(record.get("credits", 0) or 0), 2),
                explanation=str(record.get("explanation", "")),
                mode=str(record.get("mode") or ""),
                module=str(record.get("module") or ""),
            )
    return out


def records_in(
    teacher_ids: list[int], *, start: dt.date, end: dt.date, draft: bool
) -> dict[int, list[Record]]:
    """These teachers' records dated in the period that the basis counts (certified; and
    submitted or approved ones for a draft), by teacher, in date order, with project and
    activity."""
    statuses = [RecordStatus.CERTIFIED, *(DRAFT_STATUSES if draft else ())]
    out: dict[int, list[Record]] = {t: [] for t in teacher_ids}
    for record in (
        Record.objects.filter(
            teacher_id__in=teacher_ids, date__gte=start, date__lte=end, status__in=statuses
        )
        .select_related("project", "activity")
        .order_by("teacher_id", "date", "pk")
    ):
        out[record.teacher_id].append(record)
    return out


def id_number_for(teacher: Teacher, *, full: bool) -> str:
    """The ID number as the exporting user may see it (``full`` decided once per export by
    :func:`xuefen.exports.services.sees_full_ids`)."""
    return teacher.id_number if full else mask_id_number(teacher.id_number)
