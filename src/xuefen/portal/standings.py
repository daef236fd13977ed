"""What the pages show of the engine's results, arranged for reading.

Every number comes from the stored results (:mod:`xuefen.results.selectors`), which the
worker keeps up to date from the records; nothing here adds hours or credits. The only
arithmetic is counting verdicts (how many teachers the engine found compliant in the
period a page shows, on both bases: certified, and with the pending records) and the 普洱
20% rule built on the certified count. Rosters filter, sort and page in the database
(:func:`roster_queryset`); which period a page shows is :mod:`xuefen.portal.periods`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from xuefen.catalog.choices import Mode, Module
from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode, Teacher
from xuefen.results.models import TeacherPeriod
from xuefen.results.selectors import (
    Standing,
    period_rows,
    school_periods,
    stale_ids,
    with_period_figures,
)

from .periods import PeriodChoice, PeriodPicker

# 普洱 (seeds/004): 「学校未完成年度学分的教师达到20%及以上的，不得参加当年集体评优评先」.
COLLECTIVE_AWARD_SHORT_SHARE = Fraction(1, 5)

MODES = [(m.value, m.label) for m in Mode]
MODULES = [(m.value, m.label) for m in Module]


def _requirement_rows(requirements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engine's requirement checks with a bar width for the template (0–100)."""
    rows = []
    for req in requirements:
        required = req.get("required") or 0
        actual = req.get("actual") or 0
        width = 100 if not required else max(0, min(100, round(100 * actual / required)))
        rows.append({**req, "bar": width})
    return rows


@dataclass
class PeriodView:
    """One period (a year, semester, school year or cycle) as the teacher page shows it:
    the certified figures, and ``pending`` — the same period counting submitted and
    approved records too (None where the engine reported none)."""

    period: dict[str, Any]
    modes: list[dict[str, Any]]
    modules: list[dict[str, Any]]
    requirements: list[dict[str, Any]]
    pending: dict[str, Any] | None = None
    choice: PeriodChoice | None = None

    @property
    def compliant(self) -> bool:
        return bool(self.period.get("compliant"))

    @property
    def short_count(self) -> int:
        return sum(1 for r in self.requirements if not r.get("met"))

    @property
    def pending_hours(self) -> Any:
        return (self.pending or {}).get("hours", {}).get("total", 0)

    @property
    def pending_credits(self) -> Any:
        return (self.pending or {}).get("credits", {}).get("total", 0)

    @property
    def pending_differs(self) -> bool:
        """Whether records awaiting approval would change the figures."""
        if not self.pending:
            return False
        return (self.pending_hours, self.pending_credits) != (
            self.period.get("hours", {}).get("total", 0),
            self.period.get("credits", {}).get("total", 0),
        )

    @property
    def pending_compliant(self) -> bool:
        """Short now, but met once every pending record is approved."""
        return not self.compliant and bool((self.pending or {}).get("compliant"))


def period_view(
    period: dict[str, Any] | None,
    pending: dict[str, Any] | None = None,
    choice: PeriodChoice | None = None,
) -> PeriodView | None:
    """Arrange one engine period for display: per mode, per module, each requirement."""
    if not period:
        return None
    hours = period.get("hours", {})
    credits = period.get("credits", {})
    modes = [
        {"key": key, "label": label, "hours": hours.get(key), "credits": credits.get(key)}
        for key, label in MODES
        if key in hours or key in credits
    ]
    modules = [
        {"key": key, "label": label, "credits": period["modules"][key]}
        for key, label in MODULES
        if key in period.get("modules", {})
    ]
    return PeriodView(
        period=period,
        modes=modes,
        modules=modules,
        requirements=_requirement_rows(period.get("requirements", [])),
        pending=pending,
        choice=choice,
    )


def _engine_periods(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every period the engine reported in a result, the cycles included."""
    if not result:
        return []
    cycles = result.get("cycles") or ([result["cycle"]] if result.get("cycle") else [])
    return [*result.get("periods", []), *cycles]


def _results(standing: Standing, *, pending: bool) -> list[dict[str, Any] | None]:
    """The teacher's results to search for a period: the binding in force first, then the
    earlier (and later) bindings', latest first."""
    first = standing.pending if pending else standing.result
    others = [s.pending if pending else s.result for s in reversed(standing.segments)]
    return [first, *others]


def find_period(
    standing: Standing, period_type: str, start: dt.date, *, pending: bool = False
) -> dict[str, Any] | None:
    """The engine's period of ``period_type`` starting on ``start`` in a teacher's results
    (None: the engine reported no such period — no record fell in it)."""
    day = start.isoformat()
    for result in _results(standing, pending=pending):
        for period in _engine_periods(result):
            if period.get("type") == period_type and period.get("start") == day:
                return period
    return None


def teacher_periods(standing: Standing, picker: PeriodPicker) -> dict[str, Any]:
    """What the teacher page shows for the period picked: that period (``selected``), the
    cycle it falls in (``cycle``, unless a cycle was picked), and the other periods of the
    same type the engine reported (``others``, newest first), each on both bases."""
    chosen = picker.selected
    if chosen is None:
        return {"selected": None, "cycle": None, "others": []}

    def view(period_type: str, start: dt.date, choice: PeriodChoice | None = None) -> Any:
        return period_view(
            find_period(standing, period_type, start),
            find_period(standing, period_type, start, pending=True),
            choice,
        )

    cycle = None
    if chosen.type != "cycle":
        cycles = [
            p
            for result in _results(standing, pending=False)
            for p in _engine_periods(result)
            if p.get("type") == "cycle" and p["start"] <= chosen.start.isoformat() <= p["end"]
        ]
        if cycles:
            cycle = view("cycle", dt.date.fromisoformat(cycles[0]["start"]))
    seen = {chosen.start.isoformat()}
    others = []
    for result in _results(standing, pending=False):
        for p in _engine_periods(result):
            if p.get("type") != chosen.type or p["start"] in seen:
                continue
            seen.add(p["start"])
            others.append(view(chosen.type, dt.date.fromisoformat(p["start"])))
    others.sort(key=lambda v: v.period["start"], reverse=True)
    return {
        "selected": view(chosen.type, chosen.start, chosen),
        "cycle": cycle,
        "others": others,
    }


@dataclass
class RosterRow:
    """One teacher of a roster with their stored figures for the period; ``updating``: the
    worker has yet to recompute them (the figures shown are the last ones)."""

    teacher: Teacher
    figures: TeacherPeriod | None
    judged: bool
    updating: bool = False

    @property
    def compliant(self) -> bool | None:
        """The period's verdict; None where nothing can be judged (no policy in force).
        A teacher without figures in a judged period has earned nothing: not met."""
        if not self.judged:
            return None
        return bool(self.figures is not None and self.figures.compliant)

    @property
    def pending_compliant(self) -> bool:
        """Short now, but met once every pending record is approved."""
        return self.compliant is False and bool(
            self.figures is not None and self.figures.pending_compliant
        )

    @property
    def pending_differs(self) -> bool:
        """Whether records awaiting approval would change the figures shown."""
        f = self.figures
        return f is not None and (f.pending_hours, f.pending_credits) != (
            f.total_hours,
            f.total_credits,
        )

    @property
    def short(self) -> list[dict[str, Any]]:
        """The period's unmet requirements, as the engine reported them."""
        return list(self.figures.short) if self.figures is not None else []


def roster_rows(teachers: Sequence[Teacher], period: PeriodChoice | None) -> list[RosterRow]:
    """The roster's rows from the stored figures: two queries whatever the roster's size."""
    if period is None:
        return [RosterRow(teacher=t, figures=None, judged=False) for t in teachers]
    figures = period_rows(teachers=teachers, period_type=period.type, start=period.start)
    updating = stale_ids(teachers)
    return [
        RosterRow(teacher=t, figures=figures.get(t.pk), judged=True, updating=t.pk in updating)
        for t in teachers
    ]


# How a roster can be sorted: the URL's ``sort`` → the database ordering (names in pinyin
# order; "standing" puts those short first, then those whom approvals would carry over).
SORT_NAME = "name"
SORTS = (SORT_NAME, "standing", "-credits", "credits")


def roster_queryset(
    teachers: QuerySet[Teacher],
    period: PeriodChoice | None,
    *,
    compliance: str = "",
    sort: str = SORT_NAME,
) -> QuerySet[Teacher]:
    """The roster's teachers filtered by their standing in ``period`` and sorted, all in
    the database (the stored figures are joined in), so the roster pages without loading
    the school: ``compliance`` is "", "met", "short" or "pending" (short now, met once the
    pending records are approved)."""
    by_name = ("name_pinyin", "name", "pk")
    if period is None:  # nothing to judge: nobody meets, nobody is about to
        if compliance in ("met", "pending"):
            teachers = teachers.none()
        return teachers.order_by(*by_name)
    teachers = with_period_figures(teachers, period_type=period.type, start=period.start)
    met = Q(period_compliant=True)
    if compliance == "met":
        teachers = teachers.filter(met)
    elif compliance == "short":
        teachers = teachers.exclude(period_compliant=True)
    elif compliance == "pending":
        teachers = teachers.filter(period_pending_compliant=True).exclude(met)
    if sort == "standing":
        standing = Case(
            When(met, then=Value(2)),
            When(period_pending_compliant=True, then=Value(1)),
            default=Value(0),
        )
        return teachers.order_by(standing, *by_name)
    credits = Coalesce("period_credits", Value(0.0))
    if sort == "-credits":
        return teachers.order_by(credits.desc(), *by_name)
    if sort == "credits":
        return teachers.order_by(credits.asc(), *by_name)
    return teachers.order_by(*by_name)


def roster_counts(teachers: QuerySet[Teacher], period: PeriodChoice | None) -> dict[str, int]:
    """How many teachers a roster from :func:`roster_queryset` holds, how many meet the
    period's requirements, and how many would with the pending records: one query."""
    if period is None:
        return {"total": teachers.count(), "compliant": 0, "pending_compliant": 0}
    return teachers.order_by().aggregate(
        total=Count("pk"),
        compliant=Count("pk", filter=Q(period_compliant=True)),
        pending_compliant=Count("pk", filter=Q(period_pending_compliant=True)),
    )


@dataclass
class SchoolSummary:
    """A school in a region's table: how many teachers the engine found compliant."""

    school: OrgNode
    area: str
    teachers: int = 0
    compliant: int = 0
    pending_compliant: int = 0

    @property
    def short(self) -> int:
        """Teachers who miss the period's requirements (no figures counts as missing: a
        teacher without any result has earned nothing)."""
        return self.teachers - self.compliant

    @property
    def rate(self) -> Fraction | None:
        """Share of teachers meeting the period's requirements (None: no teachers)."""
        return Fraction(self.compliant, self.teachers) if self.teachers else None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{float(self.rate) * 100:.1f}%"

    @property
    def pending_rate_percent(self) -> str:
        """The completion rate once every pending record is approved."""
        if not self.teachers:
            return "—"
        return f"{self.pending_compliant / self.teachers * 100:.1f}%"

    @property
    def barred_from_awards(self) -> bool:
        """普洱's 20% rule: 20% or more of the teachers miss the year's credits."""
        return bool(self.teachers) and Fraction(self.short, self.teachers) >= (
            COLLECTIVE_AWARD_SHORT_SHARE
        )


def school_summaries(
    schools: Sequence[OrgNode], period: PeriodChoice | None, region: OrgNode
) -> list[SchoolSummary]:
    """Each school under a region from the stored summaries: a fixed number of queries,
    one row per school, whatever the number of teachers.

    ``area`` names the node between the region and the school (a county or a 片区), read
    from the school's ancestors without a query per school.
    """
    ids = [s.pk for s in schools]
    active = dict(
        Teacher.objects.filter(school_id__in=ids, active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    stored = (
        school_periods(schools=schools, period_type=period.type, start=period.start)
        if period is not None
        else {}
    )
    area_names = {
        node.path: node.name
        for node in OrgNode.objects.filter(
            path__startswith=region.path,
            kind__in=[NodeKind.COUNTY, NodeKind.GROUP],
        ).exclude(pk=region.pk)
    }
    summaries = []
    for school in schools:
        parts = [p for p in school.path.split("/") if p]
        area = ""
        for depth in range(len(parts) - 1, 0, -1):
            name = area_names.get("/" + "/".join(parts[:depth]) + "/")
            if name:
                area = name if not area else f"{name} · {area}"
        row = stored.get(school.pk)
        summaries.append(
            SchoolSummary(
                school=school,
                area=area,
                teachers=active.get(school.pk, 0),
                compliant=row.compliant if row else 0,
                pending_compliant=row.pending_compliant if row else 0,
            )
        )
    return summaries
